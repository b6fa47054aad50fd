#pragma once
// Helpers shared by weft's tests.

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "timer_future.hpp"  // examples/
#include "weft/weft.hpp"

namespace weft_test {

// Threads of this process now (from /proc/self/task).
inline int thread_count() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            n += e->d_name[0] != '.';
        closedir(d);
    }
    return n;
}

// A waker whose vtable counts every call; `live()` is clones minus drops (+1 for the original).
struct CountingWaker {
    std::atomic<int> clones{0}, drops{0}, wakes{0}, wakes_by_ref{0};

    weft::Waker make() {
        clones++;  // the returned handle counts as one live reference
        return weft::Waker::from_raw({this, &vtable});
    }
    int live() const { return clones - drops; }
    int total_wakes() const { return wakes + wakes_by_ref; }

    static CountingWaker* self(const void* p) {
        return static_cast<CountingWaker*>(const_cast<void*>(p));
    }
    static weft::RawWaker clone(const void* p) {
        self(p)->clones++;
        return {p, &vtable};
    }
    static void wake(const void* p) {
        self(p)->wakes++;
        self(p)->drops++;
    }
    static void wake_by_ref(const void* p) { self(p)->wakes_by_ref++; }
    static void drop(const void* p) { self(p)->drops++; }
    static constexpr weft::RawWakerVTable vtable{clone, wake, wake_by_ref, drop};
};

// Polls `f` once, by hand, with `w`'s waker (`w`: a CountingWaker, a DropHookWaker, anything
// with `make()`).
template <class F, class W>
auto poll_once(F& f, W& w) {
    weft::Waker wk = w.make();
    weft::Context cx(wk);
    return f.poll(cx);
}
// As poll_once, as an optional: the output if `f` completed, empty while it is pending.
template <class F, class W>
std::optional<weft::output_t<F>> poll_output(F& f, W& w) {
    auto p = poll_once(f, w);
    if (p.is_pending()) return std::nullopt;
    return std::move(p).value();
}

// Counts constructions and destructions of objects placed in coroutine frames.
// Atomic, so tasks on worker threads may construct and destroy while the test reads.
struct Lifetimes {
    std::atomic<int> made{0}, destroyed{0};
    int alive() const { return made - destroyed; }
};
struct Tracked {
    explicit Tracked(Lifetimes& l) : l_(&l) { l_->made++; }
    Tracked(const Tracked&) = delete;
    ~Tracked() { l_->destroyed++; }
    Lifetimes* l_;
};
// Tracked that may be copied and moved: every construction (plain, copy, move) and every
// destruction counts, so `alive()` is how many objects exist, wherever they were moved. As a
// coroutine parameter it lives in the frame until the frame is destroyed.
class TrackedValue {
  public:
    explicit TrackedValue(Lifetimes& l) : l_(&l) { l_->made++; }
    TrackedValue(const TrackedValue& o) : l_(o.l_) { l_->made++; }
    TrackedValue(TrackedValue&& o) noexcept : l_(o.l_) { l_->made++; }
    TrackedValue& operator=(const TrackedValue&) = delete;
    ~TrackedValue() { l_->destroyed++; }

  private:
    Lifetimes* l_;
};

// A copyable value holding an int that counts its live instances (`alive`, process-wide: reset
// it at the start of a test) and catches a double destruction (`double_destroyed`), for the
// channels' value-lifetime tests.
struct LiveCounted {
    static inline std::atomic<int> alive{0};
    static inline std::atomic<int> double_destroyed{0};
    static constexpr unsigned kLive = 0x600dcafe, kDead = 0xdeadbeef;

    explicit LiveCounted(int x) : v(x) { alive++; }
    LiveCounted(const LiveCounted& o) : v(o.v) { alive++; }
    LiveCounted(LiveCounted&& o) noexcept : v(o.v) { alive++; }
    LiveCounted& operator=(const LiveCounted&) = default;
    LiveCounted& operator=(LiveCounted&&) noexcept = default;
    ~LiveCounted() {
        if (magic != kLive) double_destroyed++;
        magic = kDead;
        alive--;
    }
    int v;
    unsigned magic = kLive;
};

// A future completed by the test, from any thread: `complete()` sets the value and wakes.
// Shared state, so the future may be dropped while the test still holds the trigger.
struct Trigger {
    std::mutex mu;
    bool done = false;
    int value = 0;
    weft::Waker waker;
    int polls = 0;
    bool registered = false;

    void complete(int v = 0) {
        weft::Waker w;
        {
            std::lock_guard g(mu);
            done = true;
            value = v;
            w = std::move(waker);
        }
        std::move(w).wake();
    }
    bool has_waker() {
        std::lock_guard g(mu);
        return registered && !waker.is_noop();
    }
};
// (Not an aggregate on purpose: GCC 12 destroys a brace-initialised aggregate temporary twice
// when it is the operand of a suspending co_await; see docs/model.md, "Known compiler issue".)
struct TriggerFuture {
    using Output = int;
    explicit TriggerFuture(std::shared_ptr<Trigger> trigger) : t(std::move(trigger)) {}
    std::shared_ptr<Trigger> t;
    weft::Poll<int> poll(weft::Context& cx) {
        std::lock_guard g(t->mu);
        t->polls++;
        if (t->done) return t->value;
        t->waker = cx.waker();
        t->registered = true;
        return weft::Pending;
    }
};

// The async book's TimerFuture, shared with the examples.
using ::TimerFuture;

// Fails the test (aborts the process with a message) if not disarmed within `limit`:
// a lost wakeup makes the test fail instead of hang. With WEFT_WATCHDOG_SLEEP set in the
// environment it prints the message and then waits an hour before aborting, so that the hung
// process can be looked at (gdb -p, /proc/PID/fdinfo of its io_uring rings).
class Watchdog {
  public:
    explicit Watchdog(std::chrono::seconds limit = std::chrono::seconds(30)) {
        thread_ = std::thread([this, limit] {
            std::unique_lock l(mu_);
            if (!cv_.wait_for(l, limit, [this] { return disarmed_; })) {
                std::fprintf(stderr,
                             "weft test watchdog: no progress within %llds (lost wakeup?)\n",
                             static_cast<long long>(limit.count()));
                if (std::getenv("WEFT_WATCHDOG_SLEEP") != nullptr)
                    std::this_thread::sleep_for(std::chrono::hours(1));
                std::abort();
            }
        });
    }
    ~Watchdog() {
        {
            std::lock_guard l(mu_);
            disarmed_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool disarmed_ = false;
    std::thread thread_;
};

}  // namespace weft_test
