#include "weft/detail/parker.hpp"

namespace weft::detail {

Parker* Parker::create() {
    return new Parker();
}

void Parker::release() noexcept {
    // acq_rel: the thread that frees the parker must see every other owner's last use of it.
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void Parker::park() noexcept {
    // Notified -> Empty: consume the token and return at once.
    // Empty -> Parked: sleep until unpark() swaps in Notified.
    // acquire: whatever the unparking thread wrote before unpark() is visible after park().
    if (state_.fetch_sub(1, std::memory_order_acquire) == kNotified) return;
    for (;;) {
        state_.wait(kParked, std::memory_order_acquire);
        std::int32_t expected = kNotified;
        if (state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acquire)) return;
        // Spurious wake-up: state is still Parked; wait again.
    }
}

void Parker::unpark() noexcept {
    // release: pairs with park()'s acquire.
    if (state_.exchange(kNotified, std::memory_order_release) == kParked) state_.notify_one();
}

namespace {
Parker* parker_of(const void* p) {
    return static_cast<Parker*>(const_cast<void*>(p));
}
RawWaker parker_clone(const void* p);
void parker_wake(const void* p) {
    parker_of(p)->unpark();
    parker_of(p)->release();
}
void parker_wake_by_ref(const void* p) {
    parker_of(p)->unpark();
}
void parker_drop(const void* p) {
    parker_of(p)->release();
}

constexpr RawWakerVTable parker_vtable{parker_clone, parker_wake, parker_wake_by_ref, parker_drop};
RawWaker parker_clone(const void* p) {
    parker_of(p)->add_ref();
    return {p, &parker_vtable};
}

struct ThreadParker {
    Parker* p = Parker::create();
    ~ThreadParker() { p->release(); }
};
}  // namespace

Waker Parker::waker() noexcept {
    add_ref();
    return Waker::from_raw({this, &parker_vtable});
}

Parker& Parker::current() {
    thread_local ThreadParker tp;
    return *tp.p;
}

}  // namespace weft::detail
