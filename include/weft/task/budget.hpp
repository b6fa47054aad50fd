#pragma once
/// \file
/// Cooperative scheduling: `task::consume_budget()` and `task::unconstrained(f)` (Tokio's).

#include <utility>

#include "weft/detail/task/chain.hpp"
#include "weft/future/future.hpp"

namespace weft::task {

/// The future of `consume_budget()`: ready at once; its `co_await` is what spends the unit.
class ConsumeBudget {
  public:
    using Output = void;
    Poll<void> poll(Context&) noexcept { return Ready; }
};

/// Spends one unit of the task's cooperative budget, yielding to the executor first when none
/// is left, so that a loop whose awaits are always ready still lets other tasks run. Tokio's
/// `task::consume_budget`.
///
/// ```cpp
/// weft::Task<long> sum(const std::vector<long>& xs) {
///     long s = 0;
///     for (long x : xs) {
///         s += x;
///         co_await weft::task::consume_budget();  // yields once every 128 items
///     }
///     co_return s;
/// }
/// ```
///
/// The budget: each poll of a `weft::Task` (a spawned task, a `block_on` future) may complete
/// 128 awaits at once; the next `co_await` re-queues the task behind the others first (see
/// `Task`'s "Cooperative budget"). **Differs from Tokio:** in weft *every* `co_await` in a
/// `Task` spends a unit, whatever it awaits, where Tokio counts only its own resources
/// (channels, sockets, timers). So `consume_budget` is the way to spend a unit in a loop that
/// awaits nothing else; a loop that already awaits other futures needs no `consume_budget`.
///
/// **Cancel safety:** cancel safe.
inline ConsumeBudget consume_budget() noexcept {
    return {};
}

/// The future of `unconstrained(f)`.
template <Future F>
class Unconstrained {
  public:
    using Output = output_t<F>;
    explicit Unconstrained(F f) : f_(std::move(f)) {}
    Poll<Output> poll(Context& cx) {
        bool outer = std::exchange(detail::unconstrained_now, true);
        struct Restore {
            bool outer;
            ~Restore() { detail::unconstrained_now = outer; }
        } restore{outer};
        return f_.poll(cx);
    }

  private:
    F f_;
};

/// Polls `f` with no budget: its awaits never yield to give other tasks a turn. Tokio's
/// `task::unconstrained`, for a future that must not be preempted; it can starve the other
/// tasks of its thread if it never waits.
///
/// ```cpp
/// co_await weft::task::unconstrained(drain_everything());
/// ```
///
/// **Cancel safety:** as cancel safe as `f`.
template <Future F>
Unconstrained<F> unconstrained(F f) {
    return Unconstrained<F>(std::move(f));
}

}  // namespace weft::task
