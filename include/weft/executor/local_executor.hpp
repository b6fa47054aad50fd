#pragma once
/// \file
/// `LocalExecutor`: a single-threaded executor.

#include <cassert>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "weft/detail/runtime/local_core.hpp"
#include "weft/detail/runtime/poll_loop.hpp"
#include "weft/detail/task/driving.hpp"
#include "weft/detail/task/spawn_on.hpp"
#include "weft/task/join_handle.hpp"

namespace weft {

/// A single-threaded executor: spawned tasks run on the thread that calls `run`, interleaved at
/// their `co_await` points. In the spirit of smol's `LocalExecutor` and Tokio's `LocalSet`.
///
/// ```cpp
/// weft::LocalExecutor ex;
/// int sum = ex.run([&]() -> weft::Task<int> {
///     auto a = ex.spawn(work(1));
///     auto b = ex.spawn(work(2));
///     co_return co_await a + co_await b;
/// });
/// ```
///
/// - `spawn` may be called before `run` and from tasks running on the executor, on the
///   executor's thread. Wakes may come from any thread: a wake from another thread queues the
///   task and wakes a parked `run`.
/// - One allocation per spawned `Task` (its frame, with the task header in front); waking and
///   re-queueing allocate nothing.
/// - A task that throws stores its exception for its `JoinHandle`; the executor runs on.
/// - Destroying the executor cancels every unfinished task: their futures are destroyed
///   (destructors run) on the destroying thread, and their handles throw `JoinError`.
///
/// Fairness: `run` polls the main future at least once every 128 task polls, and takes wakes
/// from other threads at least once every 61 (numbers chosen as Tokio's; not a guarantee).
class LocalExecutor {
  public:
    LocalExecutor() : core_(detail::LocalCore::create()) {}
    LocalExecutor(const LocalExecutor&) = delete;
    LocalExecutor& operator=(const LocalExecutor&) = delete;
    ~LocalExecutor() {
        core_->shutdown();
        core_->release_executor();
    }

    /// Spawns a task and returns its `JoinHandle`. Accepts a `Task`, any other `Future`, or a
    /// callable returning a future. A callable is kept alive inside the task for as long as the
    /// future it returned runs: the safe way to spawn a coroutine lambda that captures:
    ///
    /// ```cpp
    /// auto h = ex.spawn([conn = std::move(conn)]() -> weft::Task<void> { co_await serve(conn); });
    /// ```
    ///
    /// (Spawning `lambda()` instead would keep only the coroutine, whose captures live in the
    /// temporary lambda object: they would dangle. See docs/model.md.)
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    auto spawn(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
        return detail::spawn_on(*core_, std::forward<F>(f), {}, site);
    }

    /// Runs the executor on this thread until `main` completes, and returns `main`'s output
    /// (rethrowing its exception). `main` is a future or a callable returning one.
    /// Tasks still pending when `main` finishes stay in the executor (run it again, or drop it
    /// to cancel them).
    ///
    /// **Throws** `std::logic_error` when called on a thread that already drives asynchronous
    /// tasks (from a task, a `Runtime::block_on` or another `run`): it would stall them. Call
    /// it inside `weft::spawn_blocking` instead.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    decltype(auto) run(F&& main) {
        if constexpr (Future<F>) {
            std::remove_cvref_t<F> fut(std::forward<F>(main));
            return drive(fut);
        } else {
            auto task = detail::to_task(std::forward<F>(main));
            return drive(task);
        }
    }

    /// Runs one ready task, if there is one. Returns whether a task ran.
    bool try_tick() {
        detail::DrivingScope driving;
        // As in run: weft::spawn inside the task targets us.
        detail::EnterContext enter = core_->enter_thread(detail::LocalCore::Spawn::Here);
        return core_->run_ready(1) > 0;
    }

    /// Number of spawned tasks that have not finished.
    std::size_t task_count() const noexcept { return core_->task_count(); }

  private:
    template <class F>
    output_t<F> drive(F& fut) {
        detail::refuse_blocking_in_async("weft::LocalExecutor::run");
        detail::DrivingScope driving;
        // weft::spawn inside the tasks targets us.
        detail::EnterContext enter = core_->enter_thread(detail::LocalCore::Spawn::Here);
        Waker waker = core_->main_waker();
        Context cx(waker);
        core_->set_main_woken();
        return detail::poll_until_ready(
            fut, cx, [this] { return core_->take_main_wake(); },
            [this] {
                if (core_->run_ready(detail::LocalCore::kMainPollInterval) == 0) core_->park();
            });
    }

    detail::LocalCore* core_;
};

}  // namespace weft
