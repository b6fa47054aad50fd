// The multi-thread scheduler's workers: the loop, finding work (LIFO slot, local queue,
// injection queue, worker-local tasks, stealing), running it, queueing wakes, and parking
// (with the idle protocol of idle.hpp). See multi_thread.hpp for the design.

#include <pthread.h>

#include <algorithm>
#include <optional>
#include <string>

#include "../dump_lock.hpp"
#include "multi_thread.hpp"
#include "weft/detail/runtime/run_queued.hpp"
#include "weft/detail/task/raw_task.hpp"

namespace weft::detail {

namespace {
void set_thread_name(const std::string& name) {
    std::string n = name.substr(0, 15);  // the kernel keeps 15 characters
    pthread_setname_np(pthread_self(), n.c_str());
}
}  // namespace

// ---- the loop ----

void MultiThread::worker_main(Worker& w) noexcept {
    DrivingScope driving;  // a task may not block_on (see driving.hpp)
    EnterContext enter([&](RuntimeContext& c) {
        parts().enter(c);
        c.executor = this;  // wakes on this thread queue on this worker
        c.worker = &w;
        c.probe = &w.probe;
        c.deferred = &w.deferred;
    });
    try {
        w.ring = io_->attach_worker();
    } catch (...) {
        // No ring of its own (out of memory): it uses the shared one, and sleeps on its futex.
    }
    workers_ready_.fetch_add(1, std::memory_order_release);  // start() waits for every worker
    workers_ready_.notify_all();
    IoDriver::SubmitBatch batch(*io_);  // flushed in park() and poll_nonblocking()
    w.probe.attach_thread();
    set_thread_name(cfg_.thread_name);
    w.metrics.busy_begin();
    if (cfg_.on_thread_start) cfg_.on_thread_start();
    while (!closed_.load(std::memory_order_acquire)) {
        TaskHeader* t = next_task(w);
        if (t == nullptr && time_->fire_due_if_due() != 0) continue;  // their tasks are queued here
        if (t == nullptr && !w.deferred.empty()) {
            // Only tasks that yielded are left here: the due timers have fired (above); let
            // ready I/O queue its tasks too, then queue them (before stealing: they are ours).
            io_->poll_nonblocking();
            w.deferred.wake_all();
            continue;
        }
        for (int round = 0; t == nullptr && round < kStealRoundsBeforePark; ++round) {
            t = steal_work(w);
            if (t == nullptr && round + 1 < kStealRoundsBeforePark) std::this_thread::yield();
        }
        if (t != nullptr) {
            if (w.idle.searching) transition_from_searching(w);
            run(w, t);
            continue;
        }
        park(w);
    }
    if (w.idle.searching) transition_from_searching(w);
    w.deferred.clear();  // shutting down: the scheduler cancels every task, woken or not
    io_->detach_worker();
    w.probe.detach_thread();
    if (cfg_.on_thread_stop) cfg_.on_thread_stop();
    w.metrics.busy_end();
}

TaskHeader* MultiThread::next_task(Worker& w) noexcept {
    if (++w.tick % kInjectInterval == 0) {
        // A busy pool keeps time and sees I/O events too (the woken tasks queue here), then
        // queues the tasks that yielded: a queue that never runs dry must not starve them.
        time_->fire_due_if_due();
        io_->poll_nonblocking();
        w.deferred.wake_all();
        if (TaskHeader* t = pop_inject(&w)) return t;
    }
    // Worker-local tasks get every other tick, and every tick when nothing else is ready.
    if (w.tick % 2 == 0) {
        if (TaskHeader* t = w.worker_local.queue.pop()) return t;
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
    return w.worker_local.queue.pop();
}

TaskHeader* MultiThread::steal_work(Worker& w) noexcept {
    if (!idle_.transition_to_searching(w.idle)) return nullptr;
    std::size_t n = workers_.size();
    w.rng ^= w.rng << 13;
    w.rng ^= w.rng >> 17;
    w.rng ^= w.rng << 5;
    std::size_t start = w.rng % n;
    for (std::size_t i = 0; i < n; ++i) {
        Worker& victim = *workers_[(start + i) % n];
        if (&victim == &w) continue;
        std::uint32_t stolen = 0;
        if (TaskHeader* t = victim.stealer.steal_into(w.queue, &stolen)) {
            w.metrics.steal_operations.add();
            w.metrics.steals.add(stolen);
            return t;
        }
    }
    return pop_inject(&w);
}

void MultiThread::transition_from_searching(Worker& w) noexcept {
    // The last searcher found work: there may be more, so wake another worker to look.
    if (idle_.transition_from_searching(w.idle)) notify_parked(PushedTo::SharedQueue);
}

void MultiThread::run(Worker& w, TaskHeader* t) noexcept {
    auto poll = [&] {
        run_queued(
            t,
            [&](TaskHeader* r) {
                // Behind the tasks already waiting, so yield_now is fair; a worker-local task
                // goes back to its own queue, never to the stealable one.
                if (r->scheduler == &w.worker_local) {
                    w.worker_local.queue.push_local(r);
                } else {
                    push_local(w, r);
                }
            },
            [this](TaskHeader* f) { owned_.remove(f); });
    };
    if (!w.metrics.histogram) {  // (run_task counts the poll in w.probe)
        poll();
        return;
    }
    // Opt-in: two clock reads a poll. Only visits the probe counted as polls are recorded (not
    // a task found cancelled while queued), so that the buckets add up to the poll count.
    std::uint64_t polls = w.probe.polls.load(std::memory_order_relaxed);  // (ours)
    std::int64_t start = metrics_now_ns();
    poll();
    std::int64_t end = metrics_now_ns();
    if (w.probe.polls.load(std::memory_order_relaxed) != polls)
        w.metrics.record_poll_time(static_cast<std::uint64_t>(end - start));
}

void MultiThread::finish_run(TaskHeader* t, DropOutput output) noexcept {
    owned_.remove(t);
    release_finished(t, output);
}

// ---- parking ----

bool MultiThread::has_work() const noexcept {
    if (!inject_.empty()) return true;
    for (const auto& w : workers_) {
        if (!w->stealer.empty()) return true;
    }
    return false;
}

void MultiThread::park(Worker& w) noexcept {
    idle_.park_begin(w.idle);
    // Registered as parked; now look once more (see idle.hpp on lost wake-ups).
    if (has_work() || w.worker_local.queue.remote_pending() ||
        closed_.load(std::memory_order_acquire)) {
        // If nobody woke us yet, take ourselves off the list and go on searching; if a waker
        // already took us off, its unpark token only makes a later park spin once.
        idle_.cancel_park(w.idle);
        return;
    }
    // Sleep. The worker that watches the clock (if no other does) waits in the I/O driver
    // until the next timer's deadline; the others sleep in their own ring, where the driver
    // gave them one (so that its completions wake them), else on their futex. Either way, the
    // completion requests our tasks left in the submission queue go to the kernel first.
    io_->flush_submissions();
    std::optional<std::chrono::steady_clock::time_point> until;
    bool keeps_time = time_->claim_timekeeper(w.parker, until);
    w.metrics.park_begin(w.probe.polls.load(std::memory_order_relaxed));  // (ours: relaxed)
    for (;;) {
        if (keeps_time) {
            w.parker->park_on(*io_, until);
        } else if (w.ring != nullptr) {
            w.parker->park_on(*w.ring, std::nullopt);
        } else {
            w.parker->park();
        }
        if (keeps_time || w.ring != nullptr || closed_.load(std::memory_order_acquire)) {
            // A deadline, a new earlier timer, I/O events or completions (their tasks are
            // queued here) or shutdown: unregister (unless notify_parked did) and go run them.
            idle_.cancel_park(w.idle);
            break;
        }
        if (!idle_.is_parked(w.idle)) break;  // woken by notify_parked (which made us searching)
        // A stale unpark token: still on the list, sleep again.
    }
    w.metrics.park_end(w.probe.polls.load(std::memory_order_relaxed));
    if (keeps_time) time_->release_timekeeper();
}

// The stall detector's hook: a worker has been in one poll for a sampling period. The worker
// keeping time sleeps in the I/O driver; when it wakes to run tasks it gives that up, and the
// other sleeping workers sleep with no deadline (on their futexes, or in their own rings). If the
// task it then runs blocks, nobody watches the clock or the driver: a due timer and a ready socket
// wait for that task to return (Tokio behaves the same way). So when a poll runs long and nobody
// keeps time, a sleeping worker is woken: finding no task, it parks again and takes the clock, as
// the first idle worker always does. Cost: one lock on the time driver per long poll. The same task
// may hold back completion requests that its worker left in the submission queue before it started
// (io_driver.hpp, batching): they are submitted from here, so that a read another task waits for is
// not held until the long poll returns. (Their completions, on that worker's own io_uring ring, are
// still reaped by that worker, when the poll returns.)
void MultiThread::hand_off_driver() noexcept {
    io_->flush_all_submissions();
    if (closed_.load(std::memory_order_acquire) || time_->has_timekeeper()) return;
    notify_parked(PushedTo::SharedQueue);
}

void MultiThread::notify_parked(PushedTo where) noexcept {
    if (IdleSlot* s = idle_.worker_to_notify(where)) workers_[s->index]->parker->unpark();
}

void MultiThread::unpark_worker(Worker& w) noexcept {
    idle_.cancel_park(w.idle);
    w.parker->unpark();  // if it was not parked, the token only makes one later park return
}

// ---- queueing ----

void MultiThread::schedule(TaskHeader* t) noexcept {
    if (Worker* w = current_worker()) {
        schedule_local(*w, t);
    } else {
        push_inject(t);
    }
}

void MultiThread::schedule_local(Worker& w, TaskHeader* t) noexcept {
    TaskHeader* prev = std::exchange(w.lifo, t);
    if (prev != nullptr) {
        push_local(w, prev);
        notify_parked(PushedTo::OwnQueue);  // there is something to steal now
    }
}

void MultiThread::push_local(Worker& w, TaskHeader* t) noexcept {
    if (w.queue.push(t)) return;
    w.metrics.overflows.add();
    // Full: move the older half, and t, to the injection queue in one batch.
    TaskHeader* batch[WorkerQueue::kCapacity / 2 + 1];
    std::uint32_t n = w.queue.take_half(batch);
    batch[n++] = t;
    if (inject_.push_batch(batch, n) == 0) {
        for (std::uint32_t i = 0; i < n; ++i)
            release_ref(batch[i]);  // shut down: nobody will run them
        return;
    }
    notify_parked(PushedTo::SharedQueue);
}

void MultiThread::push_inject(TaskHeader* t) noexcept {
    if (!inject_.push(t)) {
        release_ref(t);  // shut down: nobody will run it
        return;
    }
    notify_parked(PushedTo::SharedQueue);
}

TaskHeader* MultiThread::pop_inject(Worker* w) noexcept {
    // Take a fair share along, so the next tasks need no lock (Tokio's batch pull).
    auto share = [&](std::size_t left) -> std::size_t {
        if (w == nullptr) return 0;
        std::size_t fair = left / workers_.size() + 1;
        std::size_t room = kWorkerQueueCapacity / 2 -
                           std::min<std::size_t>(w->queue.len(), kWorkerQueueCapacity / 2);
        return std::min(fair, room);
    };
    return inject_.pop_batch(share, [&](TaskHeader* t) { w->queue.push(t); });
}

// ---- spawning ----

bool MultiThread::admit(TaskHeader* t) {
    // task_added() (undone by task_released() when the task's block is freed), and the spawn
    // counted in the metrics, with one look at the runtime context.
    if (Worker* w = current_worker()) {
        ++w->task_delta;
        w->metrics.spawned.add();
    } else {
        add_ref();
        remote_spawned_.fetch_add(1, std::memory_order_relaxed);
    }
    owned_.insert(t);
    if (closed_.load(std::memory_order_acquire)) {  // spawned during shutdown: cancel at once
        DumpExclusion no_dump;                      // cancelled without being claimed (dump.cpp)
        cancel_task(t);
        finish_run(t, DropOutput::No);
        return false;
    }
    return true;
}

void MultiThread::spawn_task(TaskHeader* t) {
    t->scheduler = this;
    if (admit(t)) schedule(t);  // the queue reference set up by init_spawned
}

bool MultiThread::can_spawn_local() const noexcept {
    return current_worker() != nullptr;
}

void MultiThread::spawn_local_task(TaskHeader* t) {
    Worker& w = *current_worker();  // can_spawn_local() was checked
    t->scheduler = &w.worker_local;
    if (admit(t)) w.worker_local.queue.push_local(t);  // the queue reference of init_spawned
}

void MultiThread::spawn_blocking_task(TaskHeader* t) {
    task_added();
    blocking_.spawn(t);
}

// ---- worker-local tasks ----

void WorkerLocalScheduler::schedule(TaskHeader* t) noexcept {
    queue.schedule(t, runtime_context().worker == w ? WakeFrom::OwnerThread : WakeFrom::OtherThread,
                   [this] { mt->unpark_worker(*w); });
}
void WorkerLocalScheduler::task_released() noexcept {
    mt->task_released();
}
void WorkerLocalScheduler::unhandled_exception(TaskHeader* t,
                                               const std::exception_ptr& e) noexcept {
    mt->unhandled_exception(t, e);
}

}  // namespace weft::detail
