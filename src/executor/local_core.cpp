#include "weft/detail/runtime/local_core.hpp"

namespace weft::detail {

namespace {
constinit thread_local LocalCore* current_core = nullptr;

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
    if (current_core == this) {
        --local_tasks_;
    } else {
        release(1);
    }
}

LocalCore::Enter::Enter(LocalCore* c) noexcept : prev_(current_core) {
    current_core = c;
}
LocalCore::Enter::~Enter() {
    current_core = prev_;
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
    if (current_core == this) {
        local_.push(t);
        return;
    }
    if (!remote_.push(t)) {
        release_ref(t);  // the executor is gone: nobody will run it
        return;
    }
    parker_->unpark();
}

LocalCore* LocalCore::current() noexcept {
    return current_core;
}

void LocalCore::register_task(TaskHeader* t) {
    t->slot = static_cast<std::uint32_t>(tasks_.size());
    tasks_.push_back(t);
}

void LocalCore::spawn(TaskHeader* t) {
    ++local_tasks_;  // dropped by task_released() when the task's block is freed
    register_task(t);
    local_.push(t);
}

void LocalCore::spawn_remote(TaskHeader* t) noexcept {
    add_ref();  // not on the executor's thread: counted atomically (task_released balances it)
    t->scheduler = this;
    t->slot = kUnregistered;  // published by the inbox's lock
    if (!remote_.push(t)) {   // shut down: cancel it here
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
}

void LocalCore::drain_remote() {
    remote_.take([this](TaskHeader* t) {
        if (t->slot == kUnregistered) register_task(t);
        local_.push(t);
    });
}

std::size_t LocalCore::run_ready(std::size_t max) {
    std::size_t n = 0;
    while (n < max) {
        if (local_.empty() || ++ticks_ % kRemoteInterval == 0) drain_remote();
        TaskHeader* t = local_.pop();
        if (t == nullptr) break;
        ++n;
        RunOutcome r = run_task(t);
        switch (r.result) {
            case RunResult::Idle:
                break;
            case RunResult::Requeue:
                local_.push(t);
                break;
            case RunResult::Finished:
                unregister(t);
                release_finished(t, r.output);
                break;
        }
    }
    return n;
}

void LocalCore::shutdown() noexcept {
    Enter enter(this);
    // From now on wakes from other threads drop their reference at once; those already queued
    // move to the local queue, whose references are dropped at the end.
    remote_.close([this](TaskHeader* t) {
        if (t->slot == kUnregistered) register_task(t);
        local_.push(t);
    });
    // Cancel every unfinished task. A destructor may wake or even spawn tasks; they land in
    // local_ or tasks_ and are handled by the loops below.
    while (!tasks_.empty()) {
        TaskHeader* t = tasks_.back();
        detail::add_ref(t);
        cancel_unless_finished(t);
        unregister(t);
        release_ref(t);
    }
    // Queued references to (now finished) tasks.
    while (TaskHeader* t = local_.pop())
        release_ref(t);
}

}  // namespace weft::detail
