#pragma once
/// \file
/// `select(a, b, ...)`: wait for the first of several futures.

#include <cstddef>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/future/future.hpp"
#include "weft/future/pin_check.hpp"

namespace weft {

/// The future returned by `select`. Its output is a `std::variant` whose active index is the
/// index of the future that finished first (`std::monostate` stands for a `void` output).
template <class... Fs>
class Select {
  public:
    using Output = std::variant<value_or_monostate_t<output_t<Fs>>...>;

    explicit Select(Fs... fs) : futs_(std::move(fs)...) {}

    Poll<Output> poll(Context& cx) {
        pin_.pin();
        std::optional<Output> out;
        std::exception_ptr error;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (void)((poll_one<I>(cx, out, error)) || ...);  // stops at the first finished child
        }
        (std::index_sequence_for<Fs...>{});
        if (!out && !error) return Pending;
        // The losers are dropped now, not when the Select is destroyed.
        std::apply([](auto&... f) { (f.reset(), ...); }, futs_);
        if (error) std::rethrow_exception(error);
        return std::move(*out);
    }

  private:
    template <std::size_t I>
    bool poll_one(Context& cx, std::optional<Output>& out, std::exception_ptr& error) {
        auto& fut = std::get<I>(futs_);
        if (!fut) return false;
        try {
            auto p = fut->poll(cx);
            if (p.is_pending()) return false;
            if constexpr (std::is_void_v<output_t<decltype(*fut)>>) {
                out.emplace(std::in_place_index<I>);
            } else {
                out.emplace(std::in_place_index<I>, std::move(p).value());
            }
        } catch (...) {
            error = std::current_exception();
        }
        return true;
    }

    std::tuple<std::optional<Fs>...> futs_;
    [[no_unique_address]] PinCheck pin_;
};

/// Polls the futures in argument order and completes with the output of the first one that is
/// ready; every other future is then destroyed (cancelled, its destructors run). A child that
/// throws also wins: the others are dropped and the exception is rethrown. Ties go to the
/// earlier argument (the order is biased, not random).
///
/// ```cpp
/// auto r = co_await weft::select(read_line(), shutdown_signal());
/// if (r.index() == 0) handle(std::get<0>(r));
/// ```
///
/// **Cancel safety.** Only as cancel-safe as the losing futures: a loser that had half-done
/// work loses it when dropped.
template <Future... Fs>
Select<std::decay_t<Fs>...> select(Fs&&... fs) {
    return Select<std::decay_t<Fs>...>(std::forward<Fs>(fs)...);
}

}  // namespace weft
