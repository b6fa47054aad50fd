#include "weft/detail/runtime/local_core.hpp"

#include "weft/detail/runtime/run_queued.hpp"
#include "weft/detail/task/probe.hpp"

namespace weft::detail {

namespace {
// How often run_ready takes the remote queue even when local work remains, so that wakes from
// other threads are not starved by a busy local queue (Tokio's global-queue interval).
constexpr std::size_t kRemoteInterval = 61;

LocalCore* core_of(const void* p) {
    return static_cast<LocalCore*>(const_cast<void*>(p));
}
RawWaker main_clone(const void* p);
void main_wake_by_ref(const void* p) {
    core_of(p)->wake_main();
}
void main_drop(const void* p) {
    core_of(p)->release();
}
void main_wake(const void* p) {
    main_wake_by_ref(p);
    main_drop(p);
}
constexpr RawWakerVTable main_vtable{main_clone, main_wake, main_wake_by_ref, main_drop};
RawWaker main_clone(const void* p) {
    core_of(p)->add_ref();
    return {p, &main_vtable};
}
}  // namespace

LocalCore* LocalCore::create() {
    return new LocalCore();
}

LocalCore::LocalCore() : parker_(Parker::create()) {}
LocalCore::~LocalCore() {
    parker_->release();
    if (runtime_ != nullptr) runtime_->release();
}

void LocalCore::release(std::int64_t n) noexcept {
    // acq_rel: whoever frees the core sees every other owner's last use of it.
    if (refs_.fetch_sub(n, std::memory_order_acq_rel) == n) delete this;
}

void LocalCore::task_released() noexcept {
    if (is_current()) {
        --local_tasks_;
    } else {
        release(1);
    }
}

Waker LocalCore::main_waker() noexcept {
    add_ref();
    return Waker::from_raw({this, &main_vtable});
}

void LocalCore::wake_main() noexcept {
    // release: the main future's state written before the wake is visible to the poll that
    // follows take_main_wake()'s acquire.
    main_woken_.store(true, std::memory_order_release);
    parker_->unpark();
}

void LocalCore::schedule(TaskHeader* t) noexcept {
    queue_.schedule(t, is_current() ? WakeFrom::OwnerThread : WakeFrom::OtherThread,
                    [this] { parker_->unpark(); });
}

void LocalCore::register_task(TaskHeader* t) {
    t->slot = static_cast<std::uint32_t>(tasks_.size());
    tasks_.push_back(t);
    publish_task_count();
}

void LocalCore::spawn(TaskHeader* t) {
    ++local_tasks_;  // dropped by task_released() when the task's block is freed
    register_task(t);
    queue_.push_local(t);
}

void LocalCore::spawn_remote(TaskHeader* t) noexcept {
    add_ref();  // not on the executor's thread: counted atomically (task_released balances it)
    t->scheduler = this;
    t->slot = kUnregistered;       // published by the remote queue's lock
    if (!queue_.push_remote(t)) {  // shut down: cancel it here
        cancel_task(t);
        release_ref(t);
        return;
    }
    parker_->unpark();
}

void LocalCore::unregister(TaskHeader* t) noexcept {
    TaskHeader* last = tasks_.back();
    tasks_[t->slot] = last;
    last->slot = t->slot;
    tasks_.pop_back();
    publish_task_count();
}

void LocalCore::drain_remote() {
    queue_.take_remote([this](TaskHeader* t) {
        if (t->slot == kUnregistered) register_task(t);
    });
}

std::size_t LocalCore::run_ready(std::size_t max) {
    if (metrics_ != nullptr && metrics_->histogram) return run_ready_timed(max);
    std::size_t n = 0;
    while (n < max) {
        if (queue_.local_empty() || ++ticks_ % kRemoteInterval == 0) drain_remote();
        TaskHeader* t = queue_.pop_local();
        if (t == nullptr) break;
        ++n;
        run_queued(
            t, [this](TaskHeader* r) { queue_.push_local(r); },
            [this](TaskHeader* f) { unregister(f); });
    }
    if (metrics_ != nullptr) metrics_->local_queue_depth.set(queue_.local_len());  // per batch
    return n;
}

// run_ready with each poll timed into the metrics' histogram (opt-in: two clock reads a poll).
// Only visits the thread's probe counted as polls are recorded (not a task found cancelled
// while queued), so that the buckets add up to the poll count.
std::size_t LocalCore::run_ready_timed(std::size_t max) {
    const WorkerProbe* probe = runtime_context().probe;
    std::size_t n = 0;
    while (n < max) {
        if (queue_.local_empty() || ++ticks_ % kRemoteInterval == 0) drain_remote();
        TaskHeader* t = queue_.pop_local();
        if (t == nullptr) break;
        ++n;
        std::uint64_t polls = probe != nullptr ? probe->polls.load(std::memory_order_relaxed) : 0;
        std::int64_t start = metrics_now_ns();
        run_queued(
            t, [this](TaskHeader* r) { queue_.push_local(r); },
            [this](TaskHeader* f) { unregister(f); });
        std::int64_t end = metrics_now_ns();
        if (probe == nullptr || probe->polls.load(std::memory_order_relaxed) != polls)
            metrics_->record_poll_time(static_cast<std::uint64_t>(end - start));
    }
    metrics_->local_queue_depth.set(queue_.local_len());
    return n;
}

void LocalCore::shutdown() noexcept {
    EnterContext enter = enter_thread();
    // From now on wakes from other threads drop their reference at once; those already queued
    // move to the local queue, whose references are dropped at the end.
    queue_.close([this](TaskHeader* t) {
        if (t->slot == kUnregistered) register_task(t);
    });
    // Cancel every unfinished task. A destructor may wake or even spawn tasks; they land in
    // the local queue or tasks_ and are handled by the loops below.
    while (!tasks_.empty()) {
        TaskHeader* t = tasks_.back();
        detail::add_ref(t);
        cancel_unless_finished(t);
        unregister(t);
        release_ref(t);
    }
    // Queued references to (now finished) tasks.
    while (TaskHeader* t = queue_.pop_local())
        release_ref(t);
}

}  // namespace weft::detail
