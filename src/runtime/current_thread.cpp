// The current-thread runtime: every task runs on the thread that calls block_on, on the
// foundation's single-threaded executor core (LocalCore), plus a blocking pool.
//
// The core. Tasks are run by whichever thread is inside block_on and holds the core; only one
// thread holds it at a time (driving_, under mu_). A second thread calling block_on meanwhile
// polls its own future on its own thread and parks; when the driver returns it hands the core
// over by unparking the waiting threads, one of which takes it (Tokio does the same). Spawns and
// wakes from threads that do not hold the core go through the core's locked remote inbox.
//
// Timers. The driving thread keeps time: it fires due timers between batches of tasks and,
// with nothing to run, parks on the core's parker until the next deadline. With the clock
// paused and no blocking task in flight, it jumps the clock to the next deadline instead of
// parking (auto-advance), unless a wake from another thread or an I/O event is already
// pending.
//
// I/O. The driving thread parks in the I/O driver (Parker::park_on), which dispatches socket
// readiness; after a full batch of tasks it also looks at the driver without waiting.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "blocking_pool.hpp"
#include "enter_runtime.hpp"
#include "failure.hpp"
#include "metrics_collector.hpp"
#include "spin_wait.hpp"
#include "stall_detector.hpp"
#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/runtime/local_core.hpp"
#include "weft/detail/runtime/parker.hpp"
#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/task/deferred_wakes.hpp"
#include "weft/detail/task/probe.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/detail/time/time_driver.hpp"
#include "weft/runtime/runtime_metrics.hpp"

namespace weft::detail {

namespace {

class CurrentThread final : public RuntimeCore, public Spawner {
  public:
    explicit CurrentThread(RuntimeConfig cfg)
        : RuntimeCore(cfg.unhandled),
          core_(LocalCore::create()),
          blocking_(this, cfg.max_blocking_threads, cfg.blocking_keep_alive),
          time_(TimeDriver::create(/*pausable=*/true, cfg.start_paused)) {
        try {
            io_ = IoDriver::create(cfg.io_driver, IoDriverThreads::One);
        } catch (...) {
            time_->release();
            core_->release_executor();
            throw;
        }
        core_->set_runtime(this);
        try {
            stall_ = StallDetector::start(cfg.stall_threshold, cfg.on_stall, probes());
        } catch (...) {
            // No thread for the watchdog: the runtime runs without stall detection.
        }
        metrics_.histogram = cfg.metrics_poll_time_histogram;
        core_->set_metrics(&metrics_);
    }

    // RuntimeCore
    Spawner* spawner() noexcept override { return this; }
    TimeDriver* time_driver() noexcept override { return time_; }
    IoDriver* io_driver() noexcept override { return io_; }
    bool is_current_thread() const noexcept override { return true; }
    std::size_t workers() const noexcept override { return 0; }
    std::vector<WorkerProbe*> probes() noexcept override { return {&probe_}; }
    void snapshot_tasks(std::vector<TaskHeader*>& out) override { core_->snapshot_tasks(out); }
    bool can_snapshot_here() const noexcept override { return core_->is_current(); }
    void retain() noexcept override { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept override {
        // acq_rel: whoever frees the runtime sees every other owner's last use of it.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    void block_on(PollStep step) override;
    void shutdown(std::chrono::nanoseconds timeout) noexcept override;
    RuntimeMetrics metrics() override;

    // Spawner
    void spawn_task(TaskHeader* t) override {
        if (core_->is_current()) {
            metrics_.spawned.add();  // (this thread drives: the metrics' owner)
            core_->spawn_task(t);
            return;
        }
        remote_spawned_.fetch_add(1, std::memory_order_relaxed);
        std::unique_lock lock(mu_);
        if (!shut_down_) {
            core_->spawn_remote(t);  // under mu_: shutdown cannot drop the core meanwhile
            return;
        }
        lock.unlock();
        t->scheduler = nullptr;  // counted by nobody
        cancel_task(t);          // its JoinHandle throws JoinError
        release_ref(t);
    }
    bool can_spawn_local() const noexcept override { return core_->is_current(); }
    void spawn_local_task(TaskHeader* t) override {
        metrics_.spawned.add();
        core_->spawn_task(t);
    }
    bool has_blocking_pool() const noexcept override { return true; }
    void spawn_blocking_task(TaskHeader* t) override {
        retain();  // released by the pool's task_released when the task's block is freed
        blocking_.spawn(t);
    }

  private:
    ~CurrentThread() {
        time_->release();
        io_->release();
    }

    void fail(const std::exception_ptr& e) noexcept override;
    // Takes the core if nobody holds it; otherwise registers `waiter` to be unparked when the
    // core is handed back.
    bool take_core_or_wait(Parker* waiter);
    void give_back_core() noexcept;
    void drive(PollStep step);
    // Nothing to run: fire timers, auto-advance a paused clock, or park until the next deadline.
    void idle() noexcept;

    std::atomic<std::int64_t> refs_{1};  // the runtime, Handles, blocking threads and tasks
    LocalCore* core_;  // one reference, dropped by shutdown (the core holds one on us)
    BlockingPool blocking_;
    TimeDriver* time_;
    IoDriver* io_ = nullptr;
    WorkerProbe probe_;       // the driving thread's (probe.hpp): whichever thread holds the core
    DeferredWakes deferred_;  // yield_now's wakes (deferred_wakes.hpp): the driving thread's

    std::mutex mu_;
    bool driving_ = false;          // guarded by mu_
    bool shut_down_ = false;        // guarded by mu_
    std::vector<Parker*> waiting_;  // guarded by mu_: block_on callers waiting for the core
    FailureLatch failure_;
    // The stall detector (stall_detector.hpp), if on; destroyed at shutdown, once no thread
    // drives.
    std::unique_ptr<StallDetector> stall_;

    // The driving thread's metrics (whichever thread drives: the hand-over under mu_ orders
    // one owner's writes before the next's), and spawns from other threads.
    WorkerMetrics metrics_;
    std::atomic<std::uint64_t> remote_spawned_{0};
};

void CurrentThread::fail(const std::exception_ptr& e) noexcept {
    if (!failure_.set(e)) return;
    std::vector<Parker*> to_wake;
    {
        std::lock_guard lock(mu_);
        to_wake = waiting_;
        // The driver (if any) checks the failure after its next poll. Under mu_: after shutdown
        // the core may be gone (a blocking task can fail later).
        if (!shut_down_) core_->wake_main();
    }
    for (Parker* p : to_wake)
        p->unpark();
}

bool CurrentThread::take_core_or_wait(Parker* waiter) {
    std::lock_guard lock(mu_);
    if (!driving_ && !shut_down_) {
        driving_ = true;
        return true;
    }
    if (std::find(waiting_.begin(), waiting_.end(), waiter) == waiting_.end())
        waiting_.push_back(waiter);
    return false;
}

void CurrentThread::give_back_core() noexcept {
    // This thread may exit once out of block_on: the detector must not signal it any more.
    if (stall_) stall_->thread_leaving(0);
    std::vector<Parker*> to_wake;
    {
        std::lock_guard lock(mu_);
        driving_ = false;
        to_wake.swap(waiting_);
    }
    for (Parker* p : to_wake)
        p->unpark();
}

void CurrentThread::block_on(PollStep step) {
    EnterBlockOn enter(core_->is_current(),
                       "weft: block_on called from a task of the same current-thread runtime (it "
                       "would never return; co_await the future instead)",
                       {this, time_, io_, this});
    Parker& parker = Parker::current();
    for (;;) {
        failure_.throw_if_set();
        if (take_core_or_wait(&parker)) {
            struct GiveBack {
                CurrentThread* rt;
                ~GiveBack() { rt->give_back_core(); }
            } give_back{this};
            drive(step);
            return;
        }
        // Another thread runs the tasks: poll our future here until it completes or the core
        // is handed over. Our parker is woken by either.
        Waker waker = parker.waker();
        Context cx(waker);
        if (step(cx)) {
            std::lock_guard lock(mu_);
            std::erase(waiting_, &parker);
            return;
        }
        parker.park();
    }
}

void CurrentThread::drive(PollStep step) {
    EnterContext enter = core_->enter_thread();
    EnterContext probe([this](RuntimeContext& c) {
        c.probe = &probe_;
        c.deferred = &deferred_;
    });
    struct WakeDeferred {  // the yielded tasks are queued for whoever drives next
        DeferredWakes& d;
        ~WakeDeferred() { d.wake_all(); }
    } wake_deferred{deferred_};
    probe_.attach_thread();
    struct Detach {
        WorkerProbe& p;
        ~Detach() { p.detach_thread(); }
    } detach{probe_};
    struct Busy {  // the driving thread counts as a busy worker until it parks or returns
        WorkerMetrics& m;
        explicit Busy(WorkerMetrics& m) noexcept : m(m) { m.busy_begin(); }
        ~Busy() { m.busy_end(); }
    } busy(metrics_);
    IoDriver::SubmitBatch batch(*io_);  // flushed in idle(), poll_nonblocking() and on return
    Waker waker = core_->main_waker();
    Context cx(waker);
    core_->set_main_woken();
    for (;;) {
        failure_.throw_if_set();
        if (core_->take_main_wake() && step(cx)) return;
        std::size_t ran = core_->run_ready(LocalCore::kMainPollInterval);
        if (ran == 0) {
            failure_.throw_if_set();
            if (!deferred_.empty()) {
                // Only yielded tasks are left: let due timers and ready I/O queue theirs first.
                time_->fire_due_if_due();
                io_->poll_nonblocking();
                deferred_.wake_all();
                continue;
            }
            idle();
        } else {
            time_->fire_due_if_due();
            // More tasks are ready: do not leave sockets unserved until they are done, nor
            // the tasks that yielded (a queue that never runs dry must not starve them).
            if (ran == LocalCore::kMainPollInterval) {
                io_->poll_nonblocking();
                deferred_.wake_all();
            }
        }
    }
}

void CurrentThread::idle() noexcept {
    if (time_->fire_due_if_due() != 0) return;
    io_->flush_submissions();  // our tasks' completion requests, before we wait or sleep
    Parker& parker = core_->parker();
    if (time_->paused() && !blocking_.busy()) {
        if (parker.try_park()) return;             // a wake from another thread came in: run first
        if (io_->poll_nonblocking() != 0) return;  // so did I/O
        if (time_->auto_advance()) return;
    }
    // A blocking task is queued or running: its end will wake us within µs, sooner than a
    // sleep in the driver and an eventfd wake-up take; look for that wake first (spin_wait.hpp).
    if (blocking_.expects_wake_soon() && spin_until([&] { return parker.try_park(); })) return;
    std::optional<std::chrono::steady_clock::time_point> until;
    metrics_.park_begin(probe_.polls.load(std::memory_order_relaxed));  // (ours: relaxed)
    if (time_->claim_timekeeper(&parker, until)) {  // (no other thread parks on it)
        parker.park_on(*io_, until);
        time_->release_timekeeper();
    } else if (until) {
        parker.park_until(*until);
    } else {
        parker.park();
    }
    metrics_.park_end(probe_.polls.load(std::memory_order_relaxed));
}

RuntimeMetrics CurrentThread::metrics() {
    MetricsCollector c(1, metrics_.histogram);
    c.worker(0, metrics_, probe_, metrics_.local_queue_depth.get());
    std::size_t alive = 0, remote = 0;
    {
        std::lock_guard lock(mu_);  // shutdown drops the core only after setting shut_down_
        if (!shut_down_) {
            alive = core_->task_count_any_thread();
            remote = core_->remote_queue_len();
        }
    }
    c.tasks(alive, metrics_.spawned.get() + remote_spawned_.load(std::memory_order_relaxed));
    c.global_queue_depth(remote);
    c.drivers(*io_, *time_);
    c.blocking(blocking_.stats());
    return std::move(c).finish();
}

void CurrentThread::shutdown(std::chrono::nanoseconds timeout) noexcept {
    // Wait for a block_on on another thread (through a Handle) to give the core back.
    Parker& parker = Parker::current();
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (!driving_) {
                shut_down_ = true;  // nobody takes the core again
                std::erase(waiting_, &parker);
                break;
            }
            if (std::find(waiting_.begin(), waiting_.end(), &parker) == waiting_.end())
                waiting_.push_back(&parker);
        }
        parker.park();
    }
    // Nobody drives any more (the last driver's thread_leaving came before it gave the core
    // back, under mu_): no poll to watch from here on.
    stall_.reset();
    {
        // A destructor that spawns while its task is cancelled gets its task cancelled too.
        EnterRuntime enter({this, time_, io_, this});  // (a destructor may spawn or create a timer)
        core_->shutdown();
    }
    blocking_.shutdown(timeout);
    time_->shutdown();  // timers still registered (outside any task) learn the runtime is gone
    io_->shutdown();    // and so do sockets
    core_->release_executor();
    release();
}

}  // namespace

RuntimeCore* start_current_thread(RuntimeConfig cfg) {
    return new CurrentThread(std::move(cfg));
}

}  // namespace weft::detail
