#include "weft/detail/runtime/parker.hpp"

#include <climits>

#include "futex.hpp"

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
        futex_wait(state_, kParked, nullptr);
        std::int32_t expected = kNotified;
        if (state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acquire)) return;
        // Spurious wake-up: state is still Parked; wait again.
    }
}

bool Parker::park_until(std::chrono::steady_clock::time_point deadline) noexcept {
    if (state_.fetch_sub(1, std::memory_order_acquire) == kNotified) return true;
    const timespec ts = futex_deadline(deadline);
    for (;;) {
        std::int32_t expected = kNotified;
        if (std::chrono::steady_clock::now() >= deadline) {
            // Timed out: Parked -> Empty, unless an unpark got in first (then take its token).
            expected = kParked;
            if (state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acquire))
                return false;
            state_.exchange(kEmpty, std::memory_order_acquire);  // it was Notified: consume
            return true;
        }
        futex_wait(state_, kParked, &ts);
        if (state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acquire))
            return true;
    }
}

void Parker::park_on(ParkDriver& driver,
                     std::optional<std::chrono::steady_clock::time_point> until) noexcept {
    // Empty -> InDriver, publishing driver_ to unpark() (release; its exchange acquires).
    driver_.store(&driver, std::memory_order_relaxed);
    std::int32_t expected = kEmpty;
    if (!state_.compare_exchange_strong(expected, kInDriver, std::memory_order_acq_rel)) {
        state_.exchange(kEmpty, std::memory_order_acquire);  // it was Notified: consume
        return;
    }
    driver.turn(until);
    // InDriver -> Empty, or Notified -> Empty (the unpark that ended the turn, or came late).
    state_.exchange(kEmpty, std::memory_order_acquire);
}

bool Parker::try_park() noexcept {
    std::int32_t expected = kNotified;
    return state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acquire);
}

void Parker::unpark() noexcept {
    // release: pairs with park()'s acquire; acquire: sees driver_ of a kInDriver park.
    std::int32_t prev = state_.exchange(kNotified, std::memory_order_acq_rel);
    if (prev == kParked) {
        futex_wake_one(state_);
    } else if (prev == kInDriver) {
        // The driver outlives this call: whoever unparks a runtime thread holds a reference
        // to something of that runtime (a task, the time driver), and the runtime holds the
        // driver. A turn that already ended only sees one spurious wake-up.
        driver_.load(std::memory_order_relaxed)->unpark();
    }
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
