// Chapter 5 of the weft guide: build your own executor, part 2: a tiny task pool.
//
// A queue of ready tasks, drained by one thread. A task's waker pushes the task back onto the
// queue; the executor polls whatever is queued and sleeps when nothing is, until every task
// has finished.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// The TimerFuture of chapter 4: a thread sleeps, then completes the state and wakes.
class TimerFuture {
  public:
    using Output = void;

    explicit TimerFuture(std::chrono::milliseconds duration)
        : shared_(std::make_shared<SharedState>()) {
        thread_ = std::jthread([shared = shared_, duration] {
            std::this_thread::sleep_for(duration);
            weft::Waker waker;
            {
                std::lock_guard lock(shared->mutex);
                shared->completed = true;
                waker = std::move(shared->waker);
            }
            std::move(waker).wake();
        });
    }

    weft::Poll<void> poll(weft::Context& cx) {
        std::lock_guard lock(shared_->mutex);
        if (shared_->completed) return weft::Ready;
        shared_->waker = cx.waker();
        return weft::Pending;
    }

  private:
    struct SharedState {
        std::mutex mutex;
        bool completed = false;
        weft::Waker waker;
    };
    std::shared_ptr<SharedState> shared_;
    std::jthread thread_;
};

// ---- a task: a future, plus what its waker needs ----

class MiniExecutor;

struct MiniTask {
    MiniTask(const char* n, weft::Task<void> f, MiniExecutor* ex)
        : future(std::move(f)), executor(ex), name(n) {}

    std::optional<weft::Task<void>> future;  // empty once it has finished
    MiniExecutor* executor;
    std::atomic<int> refs{1};         // the queue's reference, plus one per waker
    std::atomic<bool> queued{false};  // in the queue already: a second wake adds nothing
    const char* name;
    int polls = 0;
};

void release(MiniTask* task) {
    if (task->refs.fetch_sub(1) == 1) delete task;
}

// ---- the executor ----

class MiniExecutor {
  public:
    MiniExecutor() = default;
    MiniExecutor(const MiniExecutor&) = delete;
    MiniExecutor& operator=(const MiniExecutor&) = delete;
    ~MiniExecutor() {
        for (MiniTask* task : queue_)
            release(task);  // tasks left unfinished are dropped
    }

    void spawn(const char* name, weft::Task<void> future) {
        auto* task = new MiniTask(name, std::move(future), this);
        ++live_;
        schedule(task);  // queued with the reference `new` gave us
        release(task);
    }

    // Called by a task's waker, from any thread.
    void schedule(MiniTask* task) {
        if (task->queued.exchange(true)) return;  // already queued
        task->refs.fetch_add(1);                  // the queue's reference
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(task);
        }
        cv_.notify_one();
    }

    // Polls queued tasks until every spawned task has finished.
    void run();

  private:
    MiniTask* next() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return !queue_.empty() || live_ == 0; });
        if (queue_.empty()) return nullptr;
        MiniTask* task = queue_.front();
        queue_.pop_front();
        return task;
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<MiniTask*> queue_;
    int live_ = 0;  // spawned and not finished (touched by the run thread only)
};

// ---- the task waker: its data pointer is the task ----

MiniTask* task_of(const void* data) {
    return static_cast<MiniTask*>(const_cast<void*>(data));
}
weft::RawWaker task_clone(const void* data);
void task_wake_by_ref(const void* data) {
    task_of(data)->executor->schedule(task_of(data));
}
void task_drop(const void* data) {
    release(task_of(data));
}
void task_wake(const void* data) {
    task_wake_by_ref(data);
    task_drop(data);
}
constexpr weft::RawWakerVTable task_vtable{task_clone, task_wake, task_wake_by_ref, task_drop};
weft::RawWaker task_clone(const void* data) {
    task_of(data)->refs.fetch_add(1);
    return {data, &task_vtable};
}

void MiniExecutor::run() {
    while (MiniTask* task = next()) {
        task->queued.store(false);  // from here on, a wake queues it again
        if (task->future) {
            task->refs.fetch_add(1);  // the reference the waker below owns
            weft::Waker waker = weft::Waker::from_raw({task, &task_vtable});
            weft::Context cx(waker);
            ++task->polls;
            if (task->future->poll(cx).is_ready()) {
                std::printf("  %s finished after %d polls\n", task->name, task->polls);
                task->future.reset();
                --live_;
            }
        }
        release(task);  // the queue's reference
    }
}

// ---- something to run ----

weft::Task<void> sleeper(std::chrono::milliseconds duration) {
    co_await TimerFuture(duration);
}

weft::Task<void> yielder(int times) {
    for (int i = 0; i < times; ++i)
        co_await weft::yield_now();
}

int main() {
    MiniExecutor ex;
    ex.spawn("sleeper(60ms)", sleeper(60ms));
    ex.spawn("sleeper(20ms)", sleeper(20ms));
    ex.spawn("sleeper(40ms)", sleeper(40ms));
    ex.spawn("yielder(3)", yielder(3));
    auto t0 = std::chrono::steady_clock::now();
    ex.run();
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::printf("all done after about %lld ms on one thread\n", static_cast<long long>(ms));
    return 0;
}
