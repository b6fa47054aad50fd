// Chapter 4 of the weft guide: futures and polling.
//
// Hand-written futures, polled first by hand (with a waker we build from a RawWakerVTable) and
// then by weft::block_on. Look at the order of the lines it prints: a future is polled again
// only after something wakes it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// The smallest future: ready on its first poll.
struct Ready42 {
    using Output = int;
    weft::Poll<int> poll(weft::Context&) { return 42; }
};
static_assert(weft::Future<Ready42>);

// The async book's TimerFuture: a thread sleeps, then marks the shared state complete and
// wakes the waker that the last poll stored there.
class TimerFuture {
  public:
    using Output = void;

    explicit TimerFuture(std::chrono::milliseconds duration)
        : shared_(std::make_shared<SharedState>()) {
        thread_ = std::jthread([shared = shared_, duration] {
            std::this_thread::sleep_for(duration);
            weft::Waker waker;  // the no-op waker, until we take the stored one
            {
                std::lock_guard lock(shared->mutex);
                shared->completed = true;
                waker = std::move(shared->waker);
            }
            std::printf("  timer thread: time is up, waking the waker\n");
            std::move(waker).wake();  // outside the lock
        });
    }

    weft::Poll<void> poll(weft::Context& cx) {
        std::lock_guard lock(shared_->mutex);
        if (shared_->completed) return weft::Ready;
        shared_->waker = cx.waker();  // copy (clone) the waker: it must outlive this poll
        return weft::Pending;
    }

  private:
    struct SharedState {
        std::mutex mutex;
        bool completed = false;
        weft::Waker waker;  // starts as the no-op waker
    };
    std::shared_ptr<SharedState> shared_;
    std::jthread thread_;  // joined when the future is destroyed
};

// A waker of our own, built from a RawWakerVTable: it only counts wakes. The data pointer is
// a WakeCounter that outlives every waker made from it, so clone and drop have nothing to do.
struct WakeCounter {
    mutable std::atomic<int> wakes{0};
};
const WakeCounter& counter_of(const void* data) {
    return *static_cast<const WakeCounter*>(data);
}
weft::RawWaker counter_clone(const void* data);
void counter_wake_by_ref(const void* data) {
    counter_of(data).wakes.fetch_add(1);
    counter_of(data).wakes.notify_all();
}
void counter_wake(const void* data) {
    counter_wake_by_ref(data);  // wake, then release this handle (nothing to release)
}
void counter_drop(const void*) {}
constexpr weft::RawWakerVTable counter_vtable{counter_clone, counter_wake, counter_wake_by_ref,
                                              counter_drop};
weft::RawWaker counter_clone(const void* data) {
    return {data, &counter_vtable};
}

// Wraps any future and prints each poll of it, with what the poll returned.
template <weft::Future F>
class Logged {
  public:
    using Output = weft::output_t<F>;

    Logged(const char* name, F inner) : name_(name), inner_(std::move(inner)) {}

    weft::Poll<Output> poll(weft::Context& cx) {
        ++polls_;
        weft::Poll<Output> p = inner_.poll(cx);
        std::printf("  %s: poll #%d -> %s\n", name_, polls_, p.is_ready() ? "Ready" : "Pending");
        return p;
    }

  private:
    const char* name_;
    F inner_;
    int polls_ = 0;
};

// Pending once, but it wakes its own waker before returning: "poll me again at once".
struct YieldOnce {
    using Output = void;
    bool yielded = false;

    weft::Poll<void> poll(weft::Context& cx) {
        if (yielded) return weft::Ready;
        yielded = true;
        cx.waker().wake_by_ref();  // the wake that makes returning Pending correct
        return weft::Pending;
    }
};

weft::Task<int> answer() {
    Ready42 ready;  // a named future: see chapter 6 on temporaries inside co_await
    co_return co_await std::move(ready);
}

int main() {
    std::printf("1. polling a TimerFuture by hand\n");
    WakeCounter counter;
    weft::Waker waker = weft::Waker::from_raw({&counter, &counter_vtable});
    weft::Context cx(waker);
    TimerFuture timer(50ms);
    bool ready = timer.poll(cx).is_ready();
    std::printf("  first poll: %s, wakes so far: %d\n", ready ? "Ready" : "Pending",
                counter.wakes.load());
    if (!ready) counter.wakes.wait(0);  // sleep until the timer thread wakes our waker
    ready = timer.poll(cx).is_ready();
    std::printf("  after the wake: %s, wakes so far: %d\n", ready ? "Ready" : "Pending",
                counter.wakes.load());

    std::printf("2. block_on(TimerFuture)\n");
    auto t0 = std::chrono::steady_clock::now();
    weft::block_on(Logged("timer", TimerFuture(30ms)));
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::printf("  block_on returned after about %lld ms\n", static_cast<long long>(ms));

    std::printf("3. a future that wakes itself\n");
    weft::block_on(Logged("yield_once", YieldOnce{}));

    std::printf("4. never poll after Ready\n");
    weft::Task<int> task = answer();
    weft::Poll<int> p = task.poll(cx);
    std::printf("  answer(): %d\n", p.value());
    try {
        (void)task.poll(cx);
    } catch (const std::logic_error& e) {
        std::printf("  polling it again throws: %s\n", e.what());
    }
    return 0;
}
