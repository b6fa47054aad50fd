#include "blocking_pool.hpp"

#include <thread>

#include "enter_runtime.hpp"
#include "weft/detail/runtime/run_queued.hpp"
#include "weft/detail/task/raw_task.hpp"

namespace weft::detail {

void BlockingPool::push(TaskHeader* t) noexcept {
    std::unique_lock lock(mu_);
    if (closed_) {
        lock.unlock();
        cancel_task(t);  // never started: its JoinHandle sees JoinError
        release_ref(t);
        return;
    }
    queue_.push(t);
    active_.fetch_add(1, std::memory_order_relaxed);
    if (idle_ > 0) {
        work_cv_.notify_one();
    } else if (threads_ < max_) {
        ++threads_;
        rt_->retain();  // a blocking thread keeps the runtime's memory alive
        std::thread([this] { thread_main(); }).detach();
    }
}

void BlockingPool::thread_main() noexcept {
    EnterRuntime enter(
        {nullptr, rt_->time_driver(), rt_->io_driver(), rt_});  // blocking code may too
    std::unique_lock lock(mu_);
    for (;;) {
        if (TaskHeader* t = queue_.pop()) {
            lock.unlock();
            run_queued(
                t, [this](TaskHeader* r) { push(r); }, [](TaskHeader*) {});
            // release: what the task did is visible to whoever sees the pool idle.
            active_.fetch_sub(1, std::memory_order_release);
            lock.lock();
            continue;
        }
        if (closed_) break;
        ++idle_;
        bool woken =
            work_cv_.wait_for(lock, keep_alive_, [&] { return !queue_.empty() || closed_; });
        --idle_;
        if (!woken) break;  // idle for keep_alive: let the thread go
    }
    if (--threads_ == 0) exit_cv_.notify_all();
    lock.unlock();
    rt_->release();
}

void BlockingPool::shutdown(std::chrono::nanoseconds timeout) noexcept {
    TaskQueue never_started;
    std::unique_lock lock(mu_);
    closed_ = true;
    while (TaskHeader* t = queue_.pop()) {
        never_started.push(t);
        active_.fetch_sub(1, std::memory_order_relaxed);
    }
    work_cv_.notify_all();
    lock.unlock();
    while (TaskHeader* t = never_started.pop()) {
        cancel_task(t);
        release_ref(t);
    }
    lock.lock();
    if (timeout < std::chrono::nanoseconds::zero()) {
        exit_cv_.wait(lock, [&] { return threads_ == 0; });
    } else {
        exit_cv_.wait_for(lock, timeout, [&] { return threads_ == 0; });
    }
}

}  // namespace weft::detail
