// The async book's TimerFuture, written as a plain struct: a thread sleeps, then completes the
// shared state and wakes the stored waker. It is co_awaited inside a coroutine, and a coroutine
// task is then driven by hand, by calling poll with a waker we built ourselves.
#include <atomic>
#include <chrono>
#include <cstdio>

#include "timer_future.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

weft::Task<int> nap_twice() {
    co_await TimerFuture(20ms);
    co_await TimerFuture(20ms);
    co_return 2;
}

// A waker of our own: counts wakes and lets main() sleep until one arrives.
struct Flag {
    std::atomic<int> wakes{0};
};
weft::RawWaker flag_clone(const void* p);
void flag_wake_by_ref(const void* p) {
    auto* f = static_cast<Flag*>(const_cast<void*>(p));
    f->wakes.fetch_add(1);
    f->wakes.notify_one();
}
void flag_wake(const void* p) {
    flag_wake_by_ref(p);
}
void flag_drop(const void*) {}
constexpr weft::RawWakerVTable flag_vtable{flag_clone, flag_wake, flag_wake_by_ref, flag_drop};
weft::RawWaker flag_clone(const void* p) {
    return {p, &flag_vtable};
}

int main() {
    // 1. co_await a hand-written future inside a coroutine, under block_on.
    auto t0 = std::chrono::steady_clock::now();
    weft::block_on([]() -> weft::Task<void> { co_await TimerFuture(30ms); }());
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::printf("block_on(TimerFuture(30ms)) returned after %lld ms\n", static_cast<long long>(ms));

    // 2. Drive a coroutine by hand: poll, sleep until our waker fires, poll again.
    Flag flag;
    weft::Waker waker = weft::Waker::from_raw({&flag, &flag_vtable});
    weft::Context cx(waker);
    auto task = nap_twice();
    int polls = 0;
    for (;;) {
        int seen = flag.wakes.load();
        ++polls;
        auto p = task.poll(cx);
        if (p.is_ready()) {
            std::printf("nap_twice() = %d after %d polls and %d wakes\n", p.value(), polls,
                        flag.wakes.load());
            break;
        }
        flag.wakes.wait(seen);  // sleep until the timer thread wakes us
    }
    return 0;
}
