#pragma once
/// \file
/// `AbortHandle`: cancel a task without owning its output.

#include <utility>

#include "weft/detail/task/raw_task.hpp"
#include "weft/task/task_id.hpp"

namespace weft {

/// A copyable handle that can cancel a spawned task but not await it: Tokio's `AbortHandle`.
/// Made by `JoinHandle::abort_handle()`; it keeps the task's header (not its future) alive.
///
/// ```cpp
/// auto h = weft::spawn(serve(std::move(conn)));
/// weft::AbortHandle stop = h.abort_handle();
/// h.detach();
/// // later, from any thread:
/// stop.abort();
/// ```
class AbortHandle {
  public:
    explicit AbortHandle(detail::TaskHeader* t) noexcept : t_(t) { detail::add_ref(t_); }
    AbortHandle(const AbortHandle& o) noexcept : AbortHandle(o.t_) {}
    AbortHandle(AbortHandle&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
    AbortHandle& operator=(AbortHandle o) noexcept {
        std::swap(t_, o.t_);
        return *this;
    }
    ~AbortHandle() {
        if (t_ != nullptr) detail::release_ref(t_);
    }

    /// Cancels the task, as `JoinHandle::abort()` does. No effect once it finished.
    void abort() const noexcept { detail::abort_task(t_); }
    /// True once the task has completed or been cancelled.
    bool is_finished() const noexcept { return detail::task_is_finished(t_); }
    /// The task's id.
    task::Id id() const { return detail::task_id_of(t_); }

  private:
    detail::TaskHeader* t_;
};

}  // namespace weft
