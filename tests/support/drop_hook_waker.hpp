#pragma once
// A waker whose destruction is user code that can re-enter a primitive (issue 16): a waker is
// a callback on drop as well as on wake, e.g. the last reference to a task whose frame holds a
// Sender of the very channel that keeps the waker.

#include <atomic>
#include <functional>
#include <utility>

#include "weft/task/waker.hpp"

namespace weft_test {

// `make()` gives a waker; when the last reference to it goes (dropped or woken by value),
// `on_last_drop` runs once, on the thread that let it go. `wakes` counts wake calls.
struct DropHookWaker {
    std::atomic<int> refs{0};
    std::atomic<int> wakes{0};
    std::atomic<bool> hook_ran{false};
    std::function<void()> on_last_drop;

    explicit DropHookWaker(std::function<void()> f = {}) : on_last_drop(std::move(f)) {}

    weft::Waker make() {
        refs++;
        return weft::Waker::from_raw({this, &vtable});
    }

    static DropHookWaker* self(const void* p) {
        return static_cast<DropHookWaker*>(const_cast<void*>(p));
    }
    static void release(const void* p) {
        DropHookWaker* s = self(p);
        if (--s->refs == 0 && !s->hook_ran.exchange(true) && s->on_last_drop) s->on_last_drop();
    }
    static weft::RawWaker clone(const void* p) {
        self(p)->refs++;
        return {p, &vtable};
    }
    static void wake(const void* p) {
        self(p)->wakes++;
        release(p);
    }
    static void wake_by_ref(const void* p) { self(p)->wakes++; }
    static void drop(const void* p) { release(p); }
    static constexpr weft::RawWakerVTable vtable{clone, wake, wake_by_ref, drop};
};

}  // namespace weft_test
