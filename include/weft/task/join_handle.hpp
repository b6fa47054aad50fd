#pragma once
/// \file
/// `JoinHandle<T>`: an owned permission to await (or abort) a spawned task.

#include <coroutine>
#include <stdexcept>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/task/abort_handle.hpp"
#include "weft/task/join_error.hpp"
#include "weft/task/task_id.hpp"

namespace weft {

/// The handle `spawn` returns: a future for the task's output. Tokio's `JoinHandle`.
///
/// `co_await handle` gives the task's output, rethrows the exception the task threw, or throws
/// `JoinError` if the task was cancelled. Destroying the handle (or `detach()`) does **not**
/// cancel the task: it runs on, unobserved, and its output is dropped. `abort()` cancels it.
///
/// ```cpp
/// weft::LocalExecutor ex;
/// ex.run([&]() -> weft::Task<void> {
///     auto h = ex.spawn(compute());
///     int v = co_await h;
/// });
/// ```
///
/// **When the future goes.** As in Tokio, a task's future is destroyed as soon as it completes,
/// before the handle sees the completion: a coroutine's parameters and captures are gone then
/// (a finished producer's `Sender` parameter closes its channel whether or not anyone awaits
/// its handle). Only the output waits for the handle, in the task's own allocation.
///
/// **Thread.** The awaiting task is woken from the thread that runs the spawned task; the
/// handle may be awaited, aborted or dropped from any thread.
template <class T>
class [[nodiscard]] JoinHandle {
  public:
    using Output = T;

    JoinHandle() noexcept = default;
    explicit JoinHandle(detail::TaskHeader* t) noexcept : t_(t) {}
    JoinHandle(JoinHandle&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
    JoinHandle& operator=(JoinHandle&& o) noexcept {
        if (this != &o) reset(std::exchange(o.t_, nullptr));
        return *this;
    }
    ~JoinHandle() { detach(); }

    /// Waits for the task: its output, its exception, or `JoinError` if it was cancelled.
    Poll<T> poll(Context& cx) {
        if (t_ == nullptr) throw std::logic_error("weft::JoinHandle polled after completion");
        if (detail::join_poll(t_, cx.waker()) == detail::JoinPoll::Pending) return Pending;
        return take_output();
    }

    /// Cancels the task. Its future is destroyed (every destructor runs) on its executor's
    /// thread the next time the executor runs; awaiting the handle then throws `JoinError`.
    /// No effect on a task that already finished, nor on one whose poll running at that moment
    /// completes it: the output wins, as in Tokio.
    void abort() noexcept {
        if (t_ != nullptr) detail::abort_task(t_);
    }

    /// A handle that can abort the task but not await it (it may outlive this one).
    AbortHandle abort_handle() const noexcept { return AbortHandle(t_); }

    /// The task's id (assigned on first request). Precondition: the handle was not consumed.
    task::Id id() const { return detail::task_id_of(t_); }

    /// True once the task has completed or been cancelled.
    bool is_finished() const noexcept { return t_ != nullptr && detail::task_is_finished(t_); }

    /// Lets the task run on unobserved; its output (or exception) will be dropped.
    void detach() noexcept { reset(nullptr); }

  private:
    void reset(detail::TaskHeader* t) noexcept {
        if (detail::TaskHeader* old = std::exchange(t_, t)) detail::join_detach(old);
    }
    Poll<T> take_output() {
        detail::TaskHeader* t = std::exchange(t_, nullptr);
        if (detail::join_take(t) == detail::JoinOutput::Cancelled) throw JoinError();
        // The output is moved out first (the frame itself was destroyed when the task
        // completed); then what is left of it and our reference go together.
        struct Drop {
            detail::TaskHeader* t;
            ~Drop() { detail::drop_frame_and_release(t); }
        } drop{t};
        auto h = std::coroutine_handle<detail::Promise<T>>::from_address(t->frame().address());
        if constexpr (std::is_void_v<T>) {
            h.promise().take();
            return Ready;
        } else {
            return h.promise().take();
        }
    }

    detail::TaskHeader* t_ = nullptr;
};

}  // namespace weft
