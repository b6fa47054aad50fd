#pragma once
// The async book's TimerFuture, written as a plain struct: a thread sleeps for the duration,
// then marks the shared state complete and wakes the waker the future stored. Used by the
// examples and by weft's tests (a hand-written future must work wherever a Task does).

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "weft/weft.hpp"

class TimerFuture {
  public:
    using Output = void;

    explicit TimerFuture(std::chrono::milliseconds duration)
        : shared_(std::make_shared<SharedState>()) {
        std::thread([shared = shared_, duration] {
            std::this_thread::sleep_for(duration);
            std::lock_guard lock(shared->mutex);
            shared->completed = true;
            shared->waker.wake_by_ref();  // ask the executor to poll us again
        }).detach();
    }

    weft::Poll<void> poll(weft::Context& cx) {
        std::lock_guard lock(shared_->mutex);
        if (shared_->completed) return weft::Ready;
        shared_->waker = cx.waker();  // keep the latest waker: the task may have moved
        return weft::Pending;
    }

  private:
    struct SharedState {
        std::mutex mutex;
        bool completed = false;
        weft::Waker waker;
    };
    std::shared_ptr<SharedState> shared_;
};
