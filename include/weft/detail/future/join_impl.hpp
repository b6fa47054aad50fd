#pragma once
// Internal: the one implementation behind join() and try_join().

#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>

#include "weft/detail/task/platform.hpp"
#include "weft/future/future.hpp"
#include "weft/future/pin_check.hpp"

namespace weft::detail {

// Polls every unfinished child on each poll (all children share the task's waker, as Rust's
// futures::join does); a finished child is destroyed at once so its resources go early.
// Each poll starts at the next child (0, 1, ..., N-1, 0, ...), as Tokio's join! does, so that a
// child polled early cannot always use up what the others need (the task's cooperative budget,
// a resource it takes whenever it is polled first).
// FailFast = false (join): a child's exception is kept, the others run to completion, then the
//   first exception is rethrown.
// FailFast = true (try_join): the first exception destroys (cancels) the others at once and is
//   rethrown.
template <bool FailFast, class... Fs>
class JoinImpl {
  public:
    using Output = std::tuple<value_or_monostate_t<output_t<Fs>>...>;

    explicit JoinImpl(Fs... fs) : futs_(std::move(fs)...) {}

    Poll<Output> poll(Context& cx) {
        pin_.pin();
        bool all_done = true;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            for (std::size_t k = 0; k < sizeof...(Fs); ++k) {
                std::size_t i =
                    start_ + k < sizeof...(Fs) ? start_ + k : start_ + k - sizeof...(Fs);
                ((i == I ? poll_one<I>(cx, all_done) : void()), ...);
            }
        }
        (std::index_sequence_for<Fs...>{});
        start_ = start_ + 1 < sizeof...(Fs) ? start_ + 1 : 0;
        if (error_) {
            if (FailFast) {
                cancel_all(std::index_sequence_for<Fs...>{});
                rethrow_if_error(std::exchange(error_, {}));
            }
            if (all_done) rethrow_if_error(std::exchange(error_, {}));
        }
        if (!all_done) return Pending;
        return std::apply([](auto&... out) { return Output(std::move(*out)...); }, outs_);
    }

  private:
    template <std::size_t I>
    void poll_one(Context& cx, bool& all_done) {
        auto& fut = std::get<I>(futs_);
        if (!fut || (FailFast && error_)) return;
#if WEFT_EXCEPTIONS
        try {
#endif
            auto p = fut->poll(cx);
            if (p.is_pending()) {
                all_done = false;
                return;
            }
            if constexpr (std::is_void_v<output_t<decltype(*fut)>>) {
                std::get<I>(outs_).emplace();
            } else {
                std::get<I>(outs_).emplace(std::move(p).value());
            }
#if WEFT_EXCEPTIONS
        } catch (...) {
            if (!error_) error_ = current_error();
        }
#endif
        fut.reset();
    }
    template <std::size_t... I>
    void cancel_all(std::index_sequence<I...>) noexcept {
        (std::get<I>(futs_).reset(), ...);
    }

    std::tuple<std::optional<Fs>...> futs_;
    std::tuple<std::optional<value_or_monostate_t<output_t<Fs>>>...> outs_;
    ErrorPtr error_;
    std::size_t start_ = 0;  // the child the next poll starts at
    [[no_unique_address]] PinCheck pin_;
};

}  // namespace weft::detail
