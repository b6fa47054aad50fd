#pragma once
// Internal: a thread parker (Rust's thread::park / unpark) that wakers can point at.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "weft/task/waker.hpp"

namespace weft::detail {

// A one-token parker on a futex word (raw futex calls: the timed wait needs one, and
// std::atomic::notify may skip waiters it did not see enter through std::atomic::wait).
//   park():   consumes the token if present, else sleeps until unpark() gives one.
//   unpark(): gives the token (at most one is kept) and wakes a sleeping park().
// An unpark before park is never lost, which is what makes "check for work, then park" safe.
// Refcounted, because a waker handed to another thread may outlive the parking thread.

/// What a parker can wait in instead of its futex: a driver's blocking turn. The I/O driver
/// implements it (io_driver.hpp); the parker knows nothing else of the drivers.
class ParkDriver {
  public:
    /// Waits for the driver's events until `until` (none: until an event or unpark()), and
    /// dispatches them.
    virtual void turn(std::optional<std::chrono::steady_clock::time_point> until) noexcept = 0;
    /// Makes a turn in progress (or the next one) return.
    virtual void unpark() noexcept = 0;

  protected:
    ~ParkDriver() = default;
};

class Parker {
  public:
    static Parker* create();  // refcount 1
    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept;

    void park() noexcept;
    /// park() that gives up at `deadline`; returns false if it timed out without a token.
    bool park_until(std::chrono::steady_clock::time_point deadline) noexcept;
    /// Waits in `driver` instead of on the futex: one turn of it (the I/O driver dispatches
    /// I/O events), until `until` (none: until an event or unpark). unpark() meanwhile ends the
    /// turn through driver.unpark(). Returns at once if a token is there (consuming it);
    /// afterwards the token is consumed either way.
    void park_on(ParkDriver& driver,
                 std::optional<std::chrono::steady_clock::time_point> until) noexcept;
    /// Consumes the token if there is one, without sleeping.
    bool try_park() noexcept;
    void unpark() noexcept;

    /// A waker that unparks this parker (takes one new reference).
    Waker waker() noexcept;

    /// The calling thread's parker, created on first use.
    static Parker& current();

  private:
    Parker() = default;
    static constexpr std::int32_t kEmpty = 0, kNotified = 1, kParked = -1, kInDriver = -2;
    std::atomic<std::int32_t> state_{kEmpty};
    std::atomic<ParkDriver*> driver_{nullptr};  // the driver a kInDriver park waits in
    std::atomic<std::uint32_t> refs_{1};
};

}  // namespace weft::detail
