// The multi-threaded work-stealing scheduler: the whole of it is in this file.
//
// Workers. Each worker thread owns a bounded run queue (run_queue.hpp: the owner pushes and
// pops, other workers steal half) and a LIFO slot holding the task most recently woken or
// spawned by the task it is running, which runs next: a message passed between two tasks is
// handled while it is still in cache. At most kMaxLifoPolls LIFO polls run back to back, so a
// pair of tasks waking each other cannot starve the rest of the queue. Wakes from outside the
// pool, and the overflow of a full local queue, go to one injection queue, which every worker
// checks first once every kInjectInterval ticks, so nothing there waits forever.
//
// Finding work, in order: the injection queue every kInjectInterval ticks; the LIFO slot; the
// local queue; the injection queue; stealing half of another worker's queue (starting at a
// random victim); then parking.
//
// Idle workers and wake-ups (Tokio's scheme). A worker that runs out of work becomes
// *searching* (at most half the workers search at once) and tries to steal. A new task wakes
// at most one parked worker, and only when nobody is searching already, so a burst of wakes
// does not wake a herd. A searching worker that finds work stops searching and, if it was the
// last searcher, wakes one more worker to look for the rest. No lost wake-up: a worker about
// to park first registers as parked (an RMW on the idle word), then looks at every queue once
// more; a producer first publishes its task, then reads the idle word with an RMW too
// (fetch_add(0)). RMWs on one word are totally ordered and whichever comes second synchronises
// with the first, so at least one side sees the other's write. (An RMW rather than
// atomic_thread_fence, which ThreadSanitizer cannot model; on x86 either is one locked
// instruction, and Tokio's idle state does the same.)
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
// by I/O queue on the worker that saw the event, like timers'.
//
// Shutdown. The scheduler is closed (wakes from then on drop their task reference), every
// worker is woken and joined, then every task still owned is cancelled on the thread that
// drops the runtime (its future is destroyed, its JoinHandle throws JoinError), and queued
// references are dropped. The blocking pool is given up to the shutdown timeout.

#include "weft/detail/runtime/runtime_core.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "blocking_pool.hpp"
#include "enter_runtime.hpp"
#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/runtime/parker.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/detail/runtime/remote_inbox.hpp"
#include "run_queue.hpp"
#include "weft/detail/runtime/task_queue.hpp"
#include "weft/detail/time/time_driver.hpp"

namespace weft::detail {

namespace {
constinit thread_local Spawner* tl_spawner = nullptr;
}  // namespace

Spawner* current_spawner() noexcept {
    return tl_spawner;
}
SpawnerScope::SpawnerScope(Spawner* s) noexcept : prev_(tl_spawner) {
    tl_spawner = s;
}
SpawnerScope::~SpawnerScope() {
    tl_spawner = prev_;
}

class MultiThread;

namespace {

// Ticks between forced looks at the injection queue (Tokio's global_queue_interval).
constexpr std::uint32_t kInjectInterval = 61;
// Back-to-back LIFO-slot polls before the local queue gets a turn (Tokio uses 3).
constexpr std::uint32_t kMaxLifoPolls = 3;
// Rounds of stealing an idle worker tries before it parks: parking and being woken costs two
// futex calls and a context switch, more than a few empty looks at the other queues.
constexpr int kStealRoundsBeforePark = 4;
// Per-worker queue capacity (Tokio's 256).
constexpr std::uint32_t kLocalCapacity = 256;

using LocalQueue = RunQueue<kLocalCapacity>;

struct Worker;

// The scheduler of the tasks spawn_local pinned to one worker: they are queued only on that
// worker (never in its stealable queue). Wakes on the worker itself queue locally; wakes from
// other threads go to a locked inbox and unpark that particular worker.
class PinnedScheduler final : public Scheduler {
  public:
    void schedule(TaskHeader* t) noexcept override;
    void task_released() noexcept override;
    void unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept override;

    // The owning worker only: the next pinned task, taking the inbox along first.
    TaskHeader* pop() noexcept {
        inbox.take([this](TaskHeader* t) { local.push(t); });
        return local.pop();
    }
    void close_and_drain() noexcept {
        inbox.close([this](TaskHeader* t) { local.push(t); });
        while (TaskHeader* t = local.pop())
            release_ref(t);
    }

    MultiThread* mt = nullptr;
    Worker* w = nullptr;
    TaskQueue local;    // the owning worker only
    RemoteInbox inbox;  // wakes from other threads
};

struct Worker {
    std::size_t index = 0;
    PinnedScheduler pinned;
    LocalQueue queue;
    TaskHeader* lifo = nullptr;  // owner only
    std::uint32_t lifo_polls = 0;
    std::uint32_t tick = 0;
    std::uint32_t rng = 0;
    bool searching = false;       // owner, or the waker while this worker is parked (idle_mu_)
    bool parked = false;          // guarded by idle_mu_
    std::int64_t task_delta = 0;  // tasks counted against the scheduler on this thread
    Parker* parker = Parker::create();
    std::thread thread;
    ~Worker() { parker->release(); }
};

constinit thread_local Worker* tl_worker = nullptr;
constinit thread_local MultiThread* tl_owner = nullptr;

void set_thread_name(const std::string& name) {
    std::string n = name.substr(0, 15);  // the kernel keeps 15 characters
    pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace

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
        if (refs_.fetch_sub(n, std::memory_order_acq_rel) == n) delete this;
    }
    void task_added() noexcept {
        if (tl_owner == this) {
            ++tl_worker->task_delta;
        } else {
            add_ref();
        }
    }

    // Scheduler
    void schedule(TaskHeader* t) noexcept override;
    void task_released() noexcept override {
        if (tl_owner == this) {
            --tl_worker->task_delta;
        } else {
            release();
        }
    }
    void unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept override {
        unhandled(t, e);
    }
    // RuntimeCore
    Spawner* spawner() noexcept override { return this; }
    TimeDriver* time_driver() noexcept override { return time_; }
    IoDriver* io_driver() noexcept override { return io_; }
    bool is_current_thread() const noexcept override { return false; }
    std::size_t workers() const noexcept override { return workers_.size(); }
    void retain() noexcept override { add_ref(); }
    void block_on(PollStep step) override;
    void shutdown(std::chrono::nanoseconds timeout) noexcept override {
        stop(timeout);
        release_runtime();
    }
    // Spawner
    void spawn_task(TaskHeader* t) override;
    bool has_blocking_pool() const noexcept override { return true; }
    void spawn_blocking_task(TaskHeader* t) override;
    bool can_spawn_local() const noexcept override { return tl_owner == this && tl_worker; }
    void spawn_local_task(TaskHeader* t) override;

    // Wakes `w` in particular (a pinned task of its own was woken from another thread).
    void unpark_worker(Worker& w) noexcept;

    void start();
    // Drops the runtime's own reference and the bias, folding in the workers' counts (after
    // shutdown: no worker runs any more).
    void release_runtime() noexcept {
        std::int64_t delta = 0;
        for (auto& w : workers_)
            delta += w->task_delta;
        release(kBias + 1 - delta);
    }

  private:
    ~MultiThread() {
        time_->release();
        io_->release();
    }

    void stop(std::chrono::nanoseconds timeout) noexcept;
    void fail(const std::exception_ptr& e) noexcept override;
    void close_and_wake_workers() noexcept;

    void worker_main(Worker& w) noexcept;
    TaskHeader* next_task(Worker& w) noexcept;
    TaskHeader* steal_work(Worker& w) noexcept;
    void run(Worker& w, TaskHeader* t) noexcept;
    void park(Worker& w) noexcept;
    void schedule_local(Worker& w, TaskHeader* t) noexcept;
    void push_local(Worker& w, TaskHeader* t) noexcept;
    void push_inject(TaskHeader* t) noexcept;
    TaskHeader* pop_inject(Worker* w) noexcept;
    void notify_parked(bool from_worker = false) noexcept;
    void transition_from_searching(Worker& w) noexcept;
    bool has_work() const noexcept;
    void own(TaskHeader* t);
    void disown(TaskHeader* t) noexcept;
    void finish_run(TaskHeader* t, DropOutput output) noexcept;

    RuntimeConfig cfg_;
    static constexpr std::int64_t kBias = std::int64_t{1} << 40;
    std::atomic<std::int64_t> refs_{1 + kBias};
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> closed_{false};

    std::mutex inject_mu_;
    TaskQueue inject_;  // guarded by inject_mu_
    std::atomic<std::size_t> inject_len_{0};

    std::mutex idle_mu_;
    std::vector<std::size_t> sleepers_;  // guarded by idle_mu_
    // Searching workers (low 16 bits) and unparked workers (high 16 bits) in one word, so a
    // producer reads both with the one RMW that also orders it against parking workers.
    static constexpr std::uint32_t kSearchOne = 1, kUnparkOne = 1u << 16;
    static std::uint32_t searching(std::uint32_t s) noexcept { return s & 0xFFFF; }
    static std::uint32_t unparked(std::uint32_t s) noexcept { return s >> 16; }
    std::atomic<std::uint32_t> idle_{0};

    // Every unfinished task, for shutdown; sharded by header address so that workers spawning
    // and finishing tasks at once rarely share a lock. TaskHeader::slot is the index in its shard.
    static constexpr std::size_t kOwnedShards = 16;
    struct alignas(64) OwnedShard {
        std::mutex mu;
        std::vector<TaskHeader*> tasks;
    };
    OwnedShard owned_[kOwnedShards];
    static std::size_t shard_of(const TaskHeader* t) noexcept {
        return (reinterpret_cast<std::uintptr_t>(t) >> 7) % kOwnedShards;
    }

    BlockingPool blocking_;
    TimeDriver* time_ = TimeDriver::create(/*pausable=*/false, /*start_paused=*/false);
    IoDriver* io_;  // created first in the constructor (it may throw)

    // ShutdownRuntime: the first unhandled exception, and the threads in block_on to wake.
    std::mutex fail_mu_;
    std::exception_ptr failure_;     // guarded by fail_mu_
    std::vector<Parker*> blockers_;  // guarded by fail_mu_
    std::atomic<bool> failed_{false};
};

// ---- the scheduler ----

MultiThread::MultiThread(RuntimeConfig cfg)
    : RuntimeCore(cfg.unhandled),
      cfg_(std::move(cfg)),
      blocking_(this, cfg_.max_blocking_threads, cfg_.blocking_keep_alive) {
    try {
        io_ = IoDriver::create(cfg_.io_driver);
    } catch (...) {
        time_->release();
        throw;
    }
    std::size_t n = cfg_.worker_threads;
    if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < n; ++i) {
        auto w = std::make_unique<Worker>();
        w->index = i;
        w->pinned.mt = this;
        w->pinned.w = w.get();
        w->rng = static_cast<std::uint32_t>(0x9E3779B9u * (i + 1));
        workers_.push_back(std::move(w));
    }
    idle_.store(static_cast<std::uint32_t>(n) * kUnparkOne, std::memory_order_relaxed);
}

void MultiThread::start() {
    for (auto& w : workers_) {
        Worker* wp = w.get();
        wp->thread = std::thread([this, wp] { worker_main(*wp); });
    }
}

void MultiThread::worker_main(Worker& w) noexcept {
    tl_worker = &w;
    tl_owner = this;
    DrivingScope driving;  // a task may not block_on (see driving.hpp)
    EnterRuntime enter(this, time_, io_);
    set_thread_name(cfg_.thread_name);
    if (cfg_.on_thread_start) cfg_.on_thread_start();
    while (!closed_.load(std::memory_order_acquire)) {
        TaskHeader* t = next_task(w);
        if (t == nullptr && time_->fire_due_if_due() != 0) continue;  // their tasks are queued here
        for (int round = 0; t == nullptr && round < kStealRoundsBeforePark; ++round) {
            t = steal_work(w);
            if (t == nullptr && round + 1 < kStealRoundsBeforePark) std::this_thread::yield();
        }
        if (t != nullptr) {
            if (w.searching) transition_from_searching(w);
            run(w, t);
            continue;
        }
        park(w);
    }
    if (w.searching) transition_from_searching(w);
    if (cfg_.on_thread_stop) cfg_.on_thread_stop();
    tl_worker = nullptr;
    tl_owner = nullptr;
}

TaskHeader* MultiThread::next_task(Worker& w) noexcept {
    if (++w.tick % kInjectInterval == 0) {
        // A busy pool keeps time and sees I/O events too (the woken tasks queue here).
        time_->fire_due_if_due();
        io_->poll_nonblocking();
        if (TaskHeader* t = pop_inject(&w)) return t;
    }
    // Pinned tasks get every other tick, and every tick when nothing else is ready.
    if (w.tick % 2 == 0) {
        if (TaskHeader* t = w.pinned.pop()) return t;
    }
    if (w.lifo != nullptr) {
        if (w.lifo_polls < kMaxLifoPolls) {
            ++w.lifo_polls;
            return std::exchange(w.lifo, nullptr);
        }
        push_local(w, std::exchange(w.lifo, nullptr));  // its turn comes after the queue's
    }
    w.lifo_polls = 0;
    if (TaskHeader* t = w.queue.pop()) return t;
    if (TaskHeader* t = pop_inject(&w)) return t;
    return w.pinned.pop();
}

TaskHeader* MultiThread::steal_work(Worker& w) noexcept {
    if (!w.searching) {
        // At most half the workers search at once: more only burn CPU on empty queues.
        std::uint32_t s = idle_.load(std::memory_order_seq_cst);
        if (2 * searching(s) >= workers_.size()) return nullptr;
        idle_.fetch_add(kSearchOne, std::memory_order_seq_cst);
        w.searching = true;
    }
    std::size_t n = workers_.size();
    w.rng ^= w.rng << 13;
    w.rng ^= w.rng >> 17;
    w.rng ^= w.rng << 5;
    std::size_t start = w.rng % n;
    for (std::size_t i = 0; i < n; ++i) {
        Worker& victim = *workers_[(start + i) % n];
        if (&victim == &w) continue;
        if (TaskHeader* t = victim.queue.steal_into(w.queue)) return t;
    }
    return pop_inject(&w);
}

void MultiThread::transition_from_searching(Worker& w) noexcept {
    w.searching = false;
    // The last searcher found work: there may be more, so wake another worker to look.
    if (searching(idle_.fetch_sub(kSearchOne, std::memory_order_seq_cst)) == 1) notify_parked();
}

void MultiThread::run(Worker& w, TaskHeader* t) noexcept {
    RunOutcome r = run_task(t);
    switch (r.result) {
        case RunResult::Idle:
            break;
        case RunResult::Requeue:
            // Behind the tasks already waiting, so yield_now is fair; a pinned task goes back
            // to its own queue, never to the stealable one.
            if (t->scheduler == &w.pinned) {
                w.pinned.local.push(t);
            } else {
                push_local(w, t);
            }
            break;
        case RunResult::Finished:
            finish_run(t, r.output);
            break;
    }
}

void MultiThread::finish_run(TaskHeader* t, DropOutput output) noexcept {
    disown(t);
    release_finished(t, output);
}

void MultiThread::park(Worker& w) noexcept {
    {
        std::lock_guard lock(idle_mu_);
        // This RMW both registers us as parked and orders us against producers.
        idle_.fetch_sub(kUnparkOne + (w.searching ? kSearchOne : 0), std::memory_order_seq_cst);
        w.searching = false;
        w.parked = true;
        sleepers_.push_back(w.index);
    }
    // Registered as parked; now look once more (see the file comment on lost wake-ups).
    if (has_work() || w.pinned.inbox.pending() || closed_.load(std::memory_order_acquire)) {
        std::lock_guard lock(idle_mu_);
        if (w.parked) {  // nobody woke us yet: take ourselves off the list and go on searching
            w.parked = false;
            sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), w.index));
            idle_.fetch_add(kUnparkOne, std::memory_order_seq_cst);
        }
        return;  // if a waker already took us off, its unpark token only makes a later park spin
                 // once
    }
    // Sleep. The worker that watches the clock (if no other does) waits in the I/O driver
    // until the next timer's deadline; the others sleep on their futex.
    std::optional<std::chrono::steady_clock::time_point> until;
    bool keeps_time = time_->begin_park(w.parker, until);
    for (;;) {
        if (keeps_time) {
            w.parker->park_on(*io_, until);
        } else {
            w.parker->park();
        }
        std::lock_guard lock(idle_mu_);
        if (!w.parked) break;  // woken by notify_parked (which also made us searching)
        if (keeps_time || closed_.load(std::memory_order_acquire)) {
            // A deadline, a new earlier timer, I/O events (their tasks are queued here) or
            // shutdown: unregister and go run them.
            w.parked = false;
            sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), w.index));
            idle_.fetch_add(kUnparkOne, std::memory_order_seq_cst);
            break;
        }
        // A stale unpark token: still on the list, sleep again.
    }
    if (keeps_time) time_->end_park();
}

void MultiThread::notify_parked(bool from_worker) noexcept {
    // Wake a parked worker only if nobody is searching already and somebody is parked.
    // After a push to a worker's own queue the wake is only for parallelism (that worker will
    // run the task anyway), so a plain load decides; a push to the injection queue needs the
    // RMW that orders it against parking workers (see the file comment).
    std::uint32_t s = from_worker ? idle_.load(std::memory_order_relaxed)
                                  : idle_.fetch_add(0, std::memory_order_seq_cst);
    if (searching(s) != 0 || unparked(s) >= workers_.size()) return;
    Worker* target = nullptr;
    {
        std::lock_guard lock(idle_mu_);
        s = idle_.load(std::memory_order_relaxed);
        if (searching(s) != 0 || sleepers_.empty()) return;
        target = workers_[sleepers_.back()].get();
        sleepers_.pop_back();
        target->parked = false;
        target->searching = true;
        idle_.fetch_add(kSearchOne + kUnparkOne, std::memory_order_seq_cst);
    }
    target->parker->unpark();
}

bool MultiThread::has_work() const noexcept {
    if (inject_len_.load(std::memory_order_seq_cst) != 0) return true;
    for (const auto& w : workers_) {
        if (!w->queue.empty()) return true;
    }
    return false;
}

void MultiThread::schedule(TaskHeader* t) noexcept {
    if (tl_owner == this && tl_worker != nullptr) {
        schedule_local(*tl_worker, t);
    } else {
        push_inject(t);
    }
}

void MultiThread::schedule_local(Worker& w, TaskHeader* t) noexcept {
    TaskHeader* prev = std::exchange(w.lifo, t);
    if (prev != nullptr) {
        push_local(w, prev);
        notify_parked(true);  // there is something to steal now
    }
}

void MultiThread::push_local(Worker& w, TaskHeader* t) noexcept {
    if (w.queue.push(t)) return;
    // Full: move the older half, and t, to the injection queue in one batch.
    TaskHeader* batch[kLocalCapacity / 2 + 1];
    std::uint32_t n = w.queue.take_half(batch);
    batch[n++] = t;
    {
        std::lock_guard lock(inject_mu_);
        for (std::uint32_t i = 0; i < n; ++i)
            inject_.push(batch[i]);
        // relaxed: notify_parked's seq_cst RMW on the idle word, which follows, publishes it to a
        // worker about to park (see the file comment on lost wake-ups).
        inject_len_.store(inject_.size(), std::memory_order_relaxed);
    }
    notify_parked();
}

void MultiThread::push_inject(TaskHeader* t) noexcept {
    {
        std::lock_guard lock(inject_mu_);
        if (!closed_.load(std::memory_order_relaxed)) {
            inject_.push(t);
            // relaxed: notify_parked's seq_cst RMW on the idle word, which follows,
            // publishes it to a worker about to park (see the file comment).
            inject_len_.store(inject_.size(), std::memory_order_relaxed);
            t = nullptr;
        }
    }
    if (t != nullptr) {
        release_ref(t);  // shut down: nobody will run it
        return;
    }
    notify_parked();
}

TaskHeader* MultiThread::pop_inject(Worker* w) noexcept {
    if (inject_len_.load(std::memory_order_acquire) == 0) return nullptr;
    std::lock_guard lock(inject_mu_);
    TaskHeader* first = inject_.pop();
    if (first != nullptr && w != nullptr) {
        // Take a fair share along, so the next tasks need no lock (Tokio's batch pull).
        std::size_t share = inject_.size() / workers_.size() + 1;
        std::size_t room =
            kLocalCapacity / 2 - std::min<std::size_t>(w->queue.len(), kLocalCapacity / 2);
        for (std::size_t i = 0; i < std::min(share, room); ++i) {
            TaskHeader* t = inject_.pop();
            if (t == nullptr) break;
            w->queue.push(t);
        }
    }
    inject_len_.store(inject_.size(), std::memory_order_release);
    return first;
}

void MultiThread::own(TaskHeader* t) {
    OwnedShard& sh = owned_[shard_of(t)];
    std::lock_guard lock(sh.mu);
    t->slot = static_cast<std::uint32_t>(sh.tasks.size());
    sh.tasks.push_back(t);
}

void MultiThread::disown(TaskHeader* t) noexcept {
    OwnedShard& sh = owned_[shard_of(t)];
    std::lock_guard lock(sh.mu);
    TaskHeader* last = sh.tasks.back();
    sh.tasks[t->slot] = last;
    last->slot = t->slot;
    sh.tasks.pop_back();
}

void MultiThread::spawn_task(TaskHeader* t) {
    t->scheduler = this;
    task_added();  // undone by task_released() when the task's block is freed
    own(t);
    if (closed_.load(std::memory_order_acquire)) {  // spawned during shutdown: cancel at once
        cancel_task(t);
        finish_run(t, DropOutput::No);
        return;
    }
    schedule(t);  // the queue reference set up by init_spawned
}

void MultiThread::spawn_local_task(TaskHeader* t) {
    Worker& w = *tl_worker;  // can_spawn_local() was checked
    t->scheduler = &w.pinned;
    task_added();
    own(t);
    if (closed_.load(std::memory_order_acquire)) {
        cancel_task(t);
        finish_run(t, DropOutput::No);
        return;
    }
    w.pinned.local.push(t);  // the queue reference set up by init_spawned
}

void MultiThread::unpark_worker(Worker& w) noexcept {
    {
        std::lock_guard lock(idle_mu_);
        if (w.parked) {
            w.parked = false;
            sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), w.index));
            idle_.fetch_add(kUnparkOne, std::memory_order_seq_cst);
        }
    }
    w.parker->unpark();  // if it was not parked, the token only makes one later park return
}

void PinnedScheduler::schedule(TaskHeader* t) noexcept {
    if (tl_worker == w) {
        local.push(t);
        return;
    }
    if (!inbox.push(t)) {
        release_ref(t);  // shut down: nobody will run it
        return;
    }
    mt->unpark_worker(*w);
}
void PinnedScheduler::task_released() noexcept {
    mt->task_released();
}
void PinnedScheduler::unhandled_exception(TaskHeader* t, const std::exception_ptr& e) noexcept {
    mt->unhandled_exception(t, e);
}

void MultiThread::spawn_blocking_task(TaskHeader* t) {
    task_added();
    blocking_.spawn(t);
}

void MultiThread::close_and_wake_workers() noexcept {
    {
        std::lock_guard lock(inject_mu_);
        closed_.store(true, std::memory_order_release);
    }
    {
        std::lock_guard lock(idle_mu_);
        for (auto& w : workers_)
            w->parked = false;
        sleepers_.clear();
    }
    for (auto& w : workers_)
        w->parker->unpark();
}

void MultiThread::stop(std::chrono::nanoseconds timeout) noexcept {
    close_and_wake_workers();
    for (auto& w : workers_) {
        if (w->thread.joinable()) w->thread.join();
    }
    // Cancel every task still owned, here, with this scheduler as the current spawner so that
    // a destructor that spawns gets its task cancelled rather than lost.
    {
        EnterRuntime enter(this, time_, io_);  // (a destructor may spawn or create a timer)
        for (OwnedShard& sh : owned_) {
            for (;;) {
                TaskHeader* t;
                {
                    std::lock_guard lock(sh.mu);
                    if (sh.tasks.empty()) break;
                    t = sh.tasks.back();
                }
                detail::add_ref(t);
                cancel_unless_finished(t);
                finish_run(t, DropOutput::No);
            }
        }
    }
    // Drop the queues' references (to tasks now finished).
    for (auto& w : workers_) {
        w->pinned.close_and_drain();
        if (w->lifo) release_ref(std::exchange(w->lifo, nullptr));
        while (TaskHeader* t = w->queue.pop())
            release_ref(t);
    }
    {
        std::lock_guard lock(inject_mu_);
        while (TaskHeader* t = inject_.pop())
            release_ref(t);
        inject_len_.store(0, std::memory_order_relaxed);
    }
    blocking_.shutdown(timeout);
    time_->shutdown();  // timers still registered (outside any task) learn the runtime is gone
    io_->shutdown();    // and so do sockets
}

void MultiThread::fail(const std::exception_ptr& e) noexcept {
    std::vector<Parker*> to_wake;
    {
        std::lock_guard lock(fail_mu_);
        if (failure_) return;
        failure_ = e;
        failed_.store(true, std::memory_order_release);
        to_wake = blockers_;  // NOLINT: a few pointers; on failure only
    }
    // Workers stop after their current poll; the tasks are cancelled when the runtime is dropped.
    close_and_wake_workers();
    for (Parker* p : to_wake)
        p->unpark();
}

void MultiThread::block_on(PollStep step) {
    if (tl_owner == this && tl_worker != nullptr) {
        throw std::logic_error(
            "weft: block_on called from a task of the same runtime (it would block a worker; "
            "co_await the future instead)");
    }
    refuse_blocking_in_async("weft::Runtime::block_on");
    DrivingScope driving;
    EnterRuntime enter(this, time_, io_);
    Parker& parker = Parker::current();
    Waker waker = parker.waker();
    Context cx(waker);
    {
        std::lock_guard lock(fail_mu_);
        blockers_.push_back(&parker);
    }
    struct Unregister {
        MultiThread* mt;
        Parker* p;
        ~Unregister() {
            std::lock_guard lock(mt->fail_mu_);
            mt->blockers_.erase(std::find(mt->blockers_.begin(), mt->blockers_.end(), p));
        }
    } unregister{this, &parker};
    for (;;) {
        if (failed_.load(std::memory_order_acquire)) {
            std::exception_ptr e;
            {
                std::lock_guard lock(fail_mu_);
                e = failure_;
            }
            std::rethrow_exception(e);
        }
        if (step(cx)) return;
        parker.park();
    }
}

RuntimeCore* start_multi_thread(RuntimeConfig cfg) {
    auto* mt = new MultiThread(std::move(cfg));
    mt->start();
    return mt;
}

}  // namespace weft::detail
