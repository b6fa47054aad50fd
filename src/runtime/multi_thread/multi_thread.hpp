#pragma once
// The multi-threaded work-stealing scheduler. One concern per file:
//   multi_thread.hpp  this class and a worker's state; constants
//   multi_thread.cpp  construction, start, reference counting
//   worker.cpp        the worker loop: finding work (LIFO slot, local queue, injection queue,
//                     stealing), running it, scheduling wakes, parking
//   idle.hpp/.cpp     idle/search accounting and the no-lost-wake-up argument
//   owned_tasks.hpp   the registry of unfinished tasks (for shutdown)
//   shutdown.cpp      closing, cancelling what is left, failure (ShutdownRuntime)
//   block_on.cpp      Runtime::block_on from a thread outside the pool
// The queues: run_queue.hpp (a worker's bounded stealable queue), remote_queue.hpp (the
// injection queue; the remote side of each worker's worker-local queue), local_queue.hpp
// (worker-local tasks, as LocalCore's).
//
// Workers. Each worker thread owns a bounded run queue (the owner pushes and pops, other
// workers steal half) and a LIFO slot holding the task most recently woken or spawned by the
// task it is running, which runs next: a message passed between two tasks is handled while it
// is still in cache. At most kMaxLifoPolls LIFO polls run back to back, so a pair of tasks
// waking each other cannot starve the rest of the queue. Wakes from outside the pool, and the
// overflow of a full local queue, go to one injection queue, which every worker checks first
// once every kInjectInterval ticks, so nothing there waits forever. Worker-local tasks
// (spawn_local) are queued only on their worker, never in its stealable queue.
//
// Finding work, in order: the injection queue every kInjectInterval ticks; worker-local tasks
// every other tick; the LIFO slot; the local queue; the injection queue; worker-local tasks;
// stealing half of another worker's queue (starting at a random victim); then parking.
//
// Timers (time_driver.hpp). A worker about to park takes the time driver if no other worker
// holds it and sleeps only until the next deadline; back awake it fires what is due like any
// worker. Every kInjectInterval ticks a busy worker fires due timers too, so a pool with no
// idle worker still keeps time. The wakers of fired timers run on the firing worker, so the
// woken tasks land in its LIFO slot and local queue, from where idle workers steal them.
//
// I/O (io_driver.hpp). The worker that watches the clock waits in the I/O driver (epoll_wait,
// or the io_uring wait) instead of its futex, with the deadline as timeout; unparking it
// goes through the driver (Parker::park_on). Busy workers look at the driver without waiting
// every kInjectInterval ticks, so sockets are served while every worker is busy. Tasks woken
// by I/O queue on the worker that saw the event, like timers'. On io_uring each worker also
// has a ring of its own for its tasks' completion requests (Worker::ring), and sleeps in it
// when it does not keep time, so that a completion wakes the worker that reaps it.
//
// Shutdown. The scheduler is closed (wakes from then on drop their task reference), every
// worker is woken and joined, then every task still owned is cancelled on the thread that
// drops the runtime (its future is destroyed, its JoinHandle throws JoinError), and queued
// references are dropped. The blocking pool is given up to the shutdown timeout.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../blocking_pool.hpp"
#include "../enter_runtime.hpp"
#include "../failure.hpp"
#include "../run_queue.hpp"
#include "../stall_detector.hpp"
#include "idle.hpp"
#include "owned_tasks.hpp"
#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/runtime/local_queue.hpp"
#include "weft/detail/runtime/parker.hpp"
#include "weft/detail/runtime/remote_queue.hpp"
#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/runtime/worker_metrics.hpp"
#include "weft/detail/task/deferred_wakes.hpp"
#include "weft/detail/task/probe.hpp"
#include "weft/detail/time/time_driver.hpp"

namespace weft::detail {

// Ticks between forced looks at the injection queue (Tokio's global_queue_interval).
inline constexpr std::uint32_t kInjectInterval = 61;
// Back-to-back LIFO-slot polls before the local queue gets a turn (Tokio uses 3).
inline constexpr std::uint32_t kMaxLifoPolls = 3;
// Rounds of stealing an idle worker tries before it parks: parking and being woken costs two
// futex calls and a context switch, more than a few empty looks at the other queues.
inline constexpr int kStealRoundsBeforePark = 4;
// Per-worker queue capacity (Tokio's 256).
inline constexpr std::uint32_t kWorkerQueueCapacity = 256;

using WorkerQueue = RunQueue<kWorkerQueueCapacity>;

class MultiThread;
struct Worker;

// The scheduler of a worker's worker-local tasks (spawn_local): wakes on the worker queue
// locally, wakes from other threads go through the remote side and unpark that worker.
class WorkerLocalScheduler final : public Scheduler {
  public:
    void schedule(TaskHeader* t) noexcept override;
    void task_released() noexcept override;
    void unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept override;

    MultiThread* mt = nullptr;
    Worker* w = nullptr;
    LocalQueue queue;
};

struct Worker {
    IdleSlot idle;  // index, searching, parked (idle.hpp)
    WorkerLocalScheduler worker_local;
    WorkerQueue::Local queue;                      // the owner's handle
    WorkerQueue::Steal stealer = queue.stealer();  // other workers' handle
    TaskHeader* lifo = nullptr;                    // owner only
    std::uint32_t lifo_polls = 0;
    std::uint32_t tick = 0;
    std::uint32_t rng = 0;
    std::int64_t task_delta = 0;  // tasks counted against the scheduler on this thread
    Parker* parker = Parker::create();
    // The worker's own I/O ring, which it sleeps in when it does not keep time (io_driver.hpp,
    // attach_worker); null: it sleeps on its parker's futex. Set on its thread as it starts.
    ParkDriver* ring = nullptr;
    WorkerProbe probe;       // what observers see of this worker's polls (probe.hpp)
    DeferredWakes deferred;  // owner only: yield_now's wakes (deferred_wakes.hpp)
    std::thread thread;
    WorkerMetrics metrics;  // written by this worker only (worker_metrics.hpp)
    ~Worker() { parker->release(); }
};

class MultiThread final : public Scheduler, public Spawner, public RuntimeCore {
  public:
    explicit MultiThread(RuntimeConfig cfg);

    // References: the runtime, each blocking thread, and each spawned task. Tasks spawned or
    // freed on a worker thread are counted in that worker's plain `task_delta` (no atomic on
    // the hot path); shutdown folds those in once the workers have stopped. kBias keeps refs_
    // above zero until then.
    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept override { release(1); }
    void release(std::int64_t n) noexcept {
        // acq_rel: whoever frees the scheduler sees every other owner's last use of it.
        if (refs_.fetch_sub(n, std::memory_order_acq_rel) == n) delete this;
    }
    void task_added() noexcept;

    // Scheduler
    void schedule(TaskHeader* t) noexcept override;
    void task_released() noexcept override;
    void unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept override {
        unhandled(t, e);
    }
    // RuntimeCore
    Spawner* spawner() noexcept override { return this; }
    TimeDriver* time_driver() noexcept override { return time_; }
    IoDriver* io_driver() noexcept override { return io_; }
    bool is_current_thread() const noexcept override { return false; }
    std::size_t workers() const noexcept override { return workers_.size(); }
    std::vector<WorkerProbe*> probes() noexcept override;
    void snapshot_tasks(std::vector<TaskHeader*>& out) override { owned_.snapshot(out); }
    bool can_snapshot_here() const noexcept override { return true; }
    void retain() noexcept override { add_ref(); }
    void block_on(PollStep step) override;
    void shutdown(std::chrono::nanoseconds timeout) noexcept override {
        stop(timeout);
        release_runtime();
    }
    RuntimeMetrics metrics() override;
    // Spawner
    void spawn_task(TaskHeader* t) override;
    bool has_blocking_pool() const noexcept override { return true; }
    void spawn_blocking_task(TaskHeader* t) override;
    bool can_spawn_local() const noexcept override;
    void spawn_local_task(TaskHeader* t) override;

    // Wakes `w` in particular (a worker-local task of its own was woken from another thread).
    void unpark_worker(Worker& w) noexcept;

    void start();

  private:
    ~MultiThread();

    // Drops the runtime's own reference and the bias, folding in the workers' counts (after
    // shutdown: no worker runs any more).
    void release_runtime() noexcept;
    // The worker this thread is, if it is one of ours (worker_main puts both in the runtime
    // context: one thread-local access).
    Worker* current_worker() const noexcept {
        const RuntimeContext& c = runtime_context();
        return c.executor == this ? static_cast<Worker*>(c.worker) : nullptr;
    }
    RuntimeParts parts() noexcept { return {this, time_, io_, this}; }
    static std::size_t worker_count(const RuntimeConfig& cfg) noexcept;

    // worker.cpp
    void worker_main(Worker& w) noexcept;
    TaskHeader* next_task(Worker& w) noexcept;
    TaskHeader* steal_work(Worker& w) noexcept;
    void run(Worker& w, TaskHeader* t) noexcept;
    void park(Worker& w) noexcept;
    void schedule_local(Worker& w, TaskHeader* t) noexcept;
    void push_local(Worker& w, TaskHeader* t) noexcept;
    void push_inject(TaskHeader* t) noexcept;
    TaskHeader* pop_inject(Worker* w) noexcept;
    void notify_parked(PushedTo where) noexcept;
    void hand_off_driver() noexcept;  // the stall detector's long-poll hook (worker.cpp)
    void transition_from_searching(Worker& w) noexcept;
    bool has_work() const noexcept;
    void finish_run(TaskHeader* t, DropOutput output) noexcept;
    // A spawned task is registered, or cancelled at once if the scheduler is closed (returns
    // false then).
    bool admit(TaskHeader* t);

    // shutdown.cpp
    void stop(std::chrono::nanoseconds timeout) noexcept;
    void fail(const std::exception_ptr& e) noexcept override;
    void close_and_wake_workers() noexcept;

    RuntimeConfig cfg_;
    static constexpr std::int64_t kBias = std::int64_t{1} << 40;
    std::atomic<std::int64_t> refs_{1 + kBias};
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> closed_{false};
    // Workers whose start-up (their I/O ring) is done: start() waits for all of them.
    std::atomic<std::size_t> workers_ready_{0};

    RemoteQueue inject_;  // wakes from outside the pool; overflow of full worker queues
    Idle idle_;
    OwnedTasks owned_;
    std::atomic<std::uint64_t> remote_spawned_{0};  // spawns from outside the workers (metrics)

    BlockingPool blocking_;
    TimeDriver* time_ = TimeDriver::create(/*pausable=*/false, /*start_paused=*/false);
    IoDriver* io_;  // created first in the constructor (it may throw)

    // ShutdownRuntime: the first unhandled exception, and the threads in block_on to wake.
    FailureLatch failure_;
    std::mutex blockers_mu_;
    std::vector<Parker*> blockers_;  // guarded by blockers_mu_

    // The stall detector (stall_detector.hpp), if on: started after the workers, destroyed
    // before they are joined.
    std::unique_ptr<StallDetector> stall_;
};

}  // namespace weft::detail
