#pragma once
/// \file
/// `select(a, b, ...)`: wait for the first of several futures.

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/detail/task/platform.hpp"
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
        return poll_from<0>(cx);
    }

  private:
    // Polls child I, then the later ones, until one finishes or throws. The winner's output goes
    // straight into the returned Poll, with no std::optional<Output> local: GCC 12 at -O2/-O3
    // reports moving such a local as "maybe uninitialized" (GCC bug 80635) when the variant's
    // alternatives are trivial, e.g. select(ctrl_c(), sig.recv(), accept_loop()).
    template <std::size_t I>
    Poll<Output> poll_from(Context& cx) {
        if constexpr (I == sizeof...(Fs)) {
            return Pending;
        } else {
            auto& fut = std::get<I>(futs_);
            if (fut) {
#if WEFT_EXCEPTIONS
                try {
#endif
                    auto p = fut->poll(cx);
                    if (!p.is_pending()) {
                        if constexpr (std::is_void_v<output_t<decltype(*fut)>>) {
                            drop_all();
                            return Output(std::in_place_index<I>);
                        } else {
                            Output out(std::in_place_index<I>, std::move(p).value());
                            drop_all();
                            return out;
                        }
                    }
#if WEFT_EXCEPTIONS
                } catch (...) {
                    drop_all();
                    throw;
                }
#endif
            }
            return poll_from<I + 1>(cx);
        }
    }

    // The losers (and the winner) are dropped when the Select finishes, not when it is destroyed.
    void drop_all() noexcept {
        std::apply([](auto&... f) { (f.reset(), ...); }, futs_);
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
