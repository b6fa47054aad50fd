#pragma once
// Internal: the non-template part of LocalExecutor (src/executor/local_core.cpp).

#include <atomic>
#include <cstddef>
#include <vector>

#include "weft/detail/runtime/local_queue.hpp"
#include "weft/detail/runtime/parker.hpp"
#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/runtime/worker_metrics.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/detail/task/runtime_context.hpp"
#include "weft/detail/task/spawner.hpp"

namespace weft::detail {

// Shared state of one LocalExecutor. It must outlive every task header that points at it (a
// waker may fire on another thread after the executor is gone), so it is reference counted:
// the executor, each main-future waker and each spawned task count. Tasks are counted without
// an atomic operation when they are freed on the executor's thread (the common case):
//   refs_        = 1 (executor) + kBias + waker clones - tasks freed on other threads
//   local_tasks_ = tasks spawned - tasks freed on the executor's thread (plain integer)
// The bias keeps refs_ above zero while the executor lives; its destructor folds local_tasks_
// in and removes the bias, after which refs_ is the exact count of what is left.
class LocalCore final : public Scheduler, public Spawner {
  public:
    static LocalCore* create();
    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept { release(1); }
    // Drops the executor's own reference (call once, after shutdown()).
    void release_executor() noexcept { release(kBias + 1 - local_tasks_); }

    void schedule(TaskHeader* t) noexcept override;
    void task_released() noexcept override;
    void unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept override {
        if (runtime_ != nullptr) runtime_->unhandled(t, e);
    }
    // The runtime whose unhandled-exception policy applies (a current-thread Runtime), if any;
    // the core keeps it alive, since a task's output may be dropped after the runtime is gone.
    void set_runtime(RuntimeCore* rt) noexcept {
        rt->retain();
        runtime_ = rt;
    }
    // Spawner (the executor's thread only)
    void spawn_task(TaskHeader* t) override {
        t->scheduler = this;
        spawn(t);
    }
    bool can_spawn_local() const noexcept override { return true; }  // it is all local
    void spawn_local_task(TaskHeader* t) override { spawn_task(t); }
    bool has_blocking_pool() const noexcept override { return false; }
    void spawn_blocking_task(TaskHeader* t) override { spawn_task(t); }  // not reached
    void spawn(TaskHeader* t);
    // Spawns from a thread that is not running the executor: the task goes through the remote
    // inbox and is registered when the executor takes it. Cancels it if the executor is gone.
    void spawn_remote(TaskHeader* t) noexcept;
    // Whether this thread is running this core now (enter_thread).
    bool is_current() const noexcept { return runtime_context().executor == this; }

    // The main future of a loop around run_ready (LocalExecutor::run, a current-thread
    // runtime's block_on) is polled at least once every this many task polls.
    static constexpr std::size_t kMainPollInterval = 128;
    // Runs up to `max` ready tasks; returns how many ran.
    std::size_t run_ready(std::size_t max);
    // Sleeps until a task or the main future is woken.
    void park() noexcept { parker_->park(); }
    // The parker park() sleeps on (a runtime parks on it with a timeout).
    Parker& parker() noexcept { return *parker_; }

    // The main future of run(): its waker sets a flag instead of queueing a task.
    Waker main_waker() noexcept;
    bool take_main_wake() noexcept {
        return main_woken_.exchange(false, std::memory_order_acquire);
    }
    void set_main_woken() noexcept { main_woken_.store(true, std::memory_order_relaxed); }
    void wake_main() noexcept;

    std::size_t task_count() const noexcept { return tasks_.size(); }

    // Metrics (a current-thread runtime's): run_ready counts its polls into `m`, times each
    // one if m->histogram, and leaves the run queue's length there after each batch. Set
    // before the core first runs.
    void set_metrics(WorkerMetrics* m) noexcept { metrics_ = m; }
    /// task_count() from any thread (a relaxed mirror, written by the executor's thread).
    std::size_t task_count_any_thread() const noexcept {
        return tasks_len_.load(std::memory_order_relaxed);
    }
    /// Tasks other threads queued that the executor has not taken yet (any thread).
    std::size_t remote_queue_len() const noexcept { return queue_.remote_len(); }
    // For a task dump, on the executor's thread: appends every registered task, each with a
    // reference added.
    void snapshot_tasks(std::vector<TaskHeader*>& out) {
        for (TaskHeader* t : tasks_) {
            detail::add_ref(t);
            out.push_back(t);
        }
    }
    void shutdown() noexcept;

    // Makes this the executor whose tasks this thread runs, for the guard's scope (wakes on
    // this thread queue locally). `Spawn::Here`: weft::spawn targets it too.
    enum class Spawn { Elsewhere, Here };
    EnterContext enter_thread(Spawn spawn = Spawn::Elsewhere) noexcept {
        return EnterContext([this, spawn](RuntimeContext& c) {
            c.executor = this;
            c.probe = nullptr;  // a runtime that drives this core sets its own afterwards
            if (spawn == Spawn::Here) c.spawner = this;
        });
    }

  private:
    LocalCore();
    ~LocalCore();
    void release(std::int64_t n) noexcept;
    void register_task(TaskHeader* t);
    void unregister(TaskHeader* t) noexcept;
    // TaskHeader::slot of a task spawned remotely and not registered yet.
    static constexpr std::uint32_t kUnregistered = ~std::uint32_t{0};
    void drain_remote();
    void publish_task_count() noexcept {
        // relaxed: one writer (the executor's thread); readers want a recent count only.
        tasks_len_.store(tasks_.size(), std::memory_order_relaxed);
    }
    std::size_t run_ready_timed(std::size_t max);

    static constexpr std::int64_t kBias = std::int64_t{1} << 40;
    std::atomic<std::int64_t> refs_{1 + kBias};
    std::int64_t local_tasks_ = 0;
    LocalQueue queue_;                // wakes on this thread, and from others (remote side)
    std::vector<TaskHeader*> tasks_;  // every unfinished task (executor thread only)
    std::size_t ticks_ = 0;
    std::atomic<std::size_t> tasks_len_{0};  // tasks_.size(), for other threads
    WorkerMetrics* metrics_ = nullptr;

    RuntimeCore* runtime_ = nullptr;
    std::atomic<bool> main_woken_{true};
    Parker* parker_;
};

}  // namespace weft::detail
