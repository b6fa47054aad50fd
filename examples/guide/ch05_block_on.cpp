// Chapter 5 of the weft guide: build your own executor, part 1: block_on.
//
// my_block_on runs one future to completion on the calling thread. Between polls the thread
// sleeps on a condition variable; the future's waker, built from a RawWakerVTable, wakes it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

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

// ---- the waker: wakes one sleeping thread ----

// What the blocked thread sleeps on. Reference counted: a waker may be cloned and kept by
// another thread (the timer thread above) for longer than my_block_on runs.
struct Signal {
    std::atomic<int> refs{1};
    std::mutex mutex;
    std::condition_variable cv;
    bool notified = false;  // a wake that the sleeping thread has not consumed yet
    int wakes = 0;

    void notify() {
        {
            std::lock_guard lock(mutex);
            notified = true;
            ++wakes;
        }
        cv.notify_one();
    }
    void wait() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [this] { return notified; });
        notified = false;  // consume the wake
    }
};

Signal* signal_of(const void* data) {
    return static_cast<Signal*>(const_cast<void*>(data));
}
weft::RawWaker signal_clone(const void* data);
void signal_wake_by_ref(const void* data) {
    signal_of(data)->notify();
}
void signal_drop(const void* data) {
    if (signal_of(data)->refs.fetch_sub(1) == 1) delete signal_of(data);
}
void signal_wake(const void* data) {
    signal_wake_by_ref(data);
    signal_drop(data);  // wake consumes the handle
}
constexpr weft::RawWakerVTable signal_vtable{signal_clone, signal_wake, signal_wake_by_ref,
                                             signal_drop};
weft::RawWaker signal_clone(const void* data) {
    signal_of(data)->refs.fetch_add(1);
    return {data, &signal_vtable};
}

// ---- block_on ----

int polls = 0;  // for the printout

template <weft::Future F>
weft::output_t<F> my_block_on(F future) {  // `future` lives here and never moves
    Signal* signal = new Signal;           // one reference, which the waker now owns
    weft::Waker waker = weft::Waker::from_raw({signal, &signal_vtable});
    weft::Context cx(waker);
    for (;;) {
        ++polls;
        weft::Poll<weft::output_t<F>> p = future.poll(cx);
        if (p.is_ready()) {
            std::printf("  (%d polls, %d wakes)\n", polls, signal->wakes);
            if constexpr (std::is_void_v<weft::output_t<F>>) {
                return;
            } else {
                return std::move(p).value();
            }
        }
        signal->wait();  // sleep until the waker fires (at once if it already did)
    }
}

// ---- something to run ----

weft::Task<int> nap_twice() {
    co_await TimerFuture(20ms);
    co_await weft::yield_now();  // pending once, after waking its own waker
    co_await TimerFuture(20ms);
    co_return 2;
}

int main() {
    std::printf("my_block_on(TimerFuture(30ms))\n");
    polls = 0;
    my_block_on(TimerFuture(30ms));

    std::printf("my_block_on(nap_twice())\n");
    polls = 0;
    int naps = my_block_on(nap_twice());
    std::printf("  nap_twice() = %d\n", naps);

    std::printf("weft::block_on(nap_twice())\n");
    std::printf("  nap_twice() = %d\n", weft::block_on(nap_twice()));
    return 0;
}
