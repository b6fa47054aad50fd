#pragma once
// Internal: the run queue of tasks tied to one thread (worker-local scheduling).
//
// A task tied to a thread runs only there: a LocalExecutor's or current-thread runtime's tasks
// (LocalCore), and the tasks spawn_local ties to one worker of the multi-thread scheduler. A
// wake on that thread queues the task in a plain FIFO (no lock, no atomic); a wake from any
// other thread goes through a closable RemoteQueue, and the caller then unparks the owner. Once
// the owner is gone the remote side is closed: a later wake drops its reference (nobody will
// run the task) instead of queueing it.

#include "weft/detail/runtime/remote_queue.hpp"
#include "weft/detail/runtime/task_queue.hpp"
#include "weft/detail/task/raw_task.hpp"

namespace weft::detail {

/// Who is queueing: the thread the tasks are tied to, or another one.
enum class WakeFrom { OwnerThread, OtherThread };

class LocalQueue {
  public:
    /// Queues `t`, taking over its queue reference. From another thread, `unpark_owner()` is
    /// called once the task is queued; once closed the reference is dropped instead.
    template <class Unpark>
    void schedule(TaskHeader* t, WakeFrom from, Unpark&& unpark_owner) noexcept {
        if (from == WakeFrom::OwnerThread) {
            local_.push(t);
            return;
        }
        if (!remote_.push(t)) {
            release_ref(t);  // the owner is gone: nobody will run it
            return;
        }
        unpark_owner();
    }

    // --- the owner thread ---
    void push_local(TaskHeader* t) { local_.push(t); }
    TaskHeader* pop_local() noexcept { return local_.pop(); }
    bool local_empty() const noexcept { return local_.empty(); }
    std::size_t local_len() const noexcept { return local_.size(); }
    /// Moves what other threads queued to the local FIFO, each through `f` first.
    template <class F>
    void take_remote(F&& f) {
        remote_.take_all([&](TaskHeader* t) {
            f(t);
            local_.push(t);
        });
    }
    /// The next task: what other threads queued joins the local FIFO first.
    TaskHeader* pop() noexcept {
        take_remote([](TaskHeader*) {});
        return local_.pop();
    }
    /// Refuses later remote wakes and moves what they queued to the local FIFO (through `f`).
    template <class F>
    void close(F&& f) {
        remote_.close();
        take_remote(f);
    }

    // --- any thread ---
    /// Queues from another thread without unparking anyone; false once closed.
    [[nodiscard]] bool push_remote(TaskHeader* t) noexcept { return remote_.push(t); }
    /// Whether other threads queued something not taken yet.
    bool remote_pending() const noexcept { return !remote_.empty(); }
    /// How many tasks other threads queued and the owner has not taken yet (a snapshot).
    std::size_t remote_len() const noexcept { return remote_.len(); }

  private:
    TaskQueue local_;     // the owner thread only
    RemoteQueue remote_;  // wakes (and spawns) from other threads
};

}  // namespace weft::detail
