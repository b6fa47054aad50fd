#pragma once
// Internal: the counters one scheduler thread keeps about itself, read by Handle::metrics()
// (weft/runtime/runtime_metrics.hpp) from any thread.
//
// Cost rules. Every counter here is written by one thread only, its owner (a multi-thread
// worker; the thread driving a current-thread runtime, one at a time, handed over under the
// runtime's mutex), so an increment is a relaxed load and a relaxed store of the owner's own
// cache line: no locked instruction, no line shared with another writer (the struct is aligned
// to a line of its own). Readers load with relaxed order: they see a recent value, each counter
// monotonic, but no consistent cut across counters (a snapshot is for dashboards, not for
// proofs). Relaxed atomics, not plain fields, so that a reader on another thread is defined
// behaviour and ThreadSanitizer-clean.
//
// What is measured where:
//   polls                 not here: the thread's WorkerProbe (detail/task/probe.hpp) already
//                         counts every poll for the stall detector; metrics read that count,
//                         and the owner passes it in where it parks (for noops)
//   busy time             at the park/unpark boundaries only, never per poll: the owner stores
//                         the time it became busy (busy_since) and adds the busy span to busy_ns
//                         when it parks; a reader adds the running span of a busy worker itself,
//                         so a worker that never parks still shows its busy time
//   noops                 an unpark after which the owner parked again with no poll in between
//   poll-time histogram   two clock reads per poll, so only when the builder asked for it
//                         (`histogram` is set before the owner starts and never changes)

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace weft::detail {

/// A counter with one writer (see the file comment); any thread may read it.
class OwnedCounter {
  public:
    void add(std::uint64_t n = 1) noexcept {
        // relaxed both: only the owner writes, and readers need no order with anything else.
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void set(std::uint64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
    std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> v_{0};
};

/// The poll-time histogram's buckets: bucket 0 is [0, 256 ns), bucket i (0 < i < last) is
/// [256·2^(i-1), 256·2^i) ns, and the last, from 256·2^18 ns (about 67 ms), is unbounded.
inline constexpr std::size_t kPollTimeBuckets = 20;
inline constexpr std::uint64_t kPollTimeBase = 256;  // ns: bucket 0's upper bound

inline std::size_t poll_time_bucket(std::uint64_t ns) noexcept {
    std::size_t b = static_cast<std::size_t>(std::bit_width(ns / kPollTimeBase));
    return b < kPollTimeBuckets ? b : kPollTimeBuckets - 1;
}

/// Nanoseconds of steady_clock since its epoch (never 0 on Linux: it counts from boot).
inline std::int64_t metrics_now_ns() noexcept {
    return std::chrono::steady_clock::now().time_since_epoch().count();
}

struct alignas(64) WorkerMetrics {
    OwnedCounter steals;            // tasks taken from other workers' queues
    OwnedCounter steal_operations;  // successful steals (each takes about half a queue)
    OwnedCounter parks, unparks, noops;
    OwnedCounter overflows;          // local queue full: half of it moved to the injection queue
    OwnedCounter spawned;            // tasks spawned from this thread
    OwnedCounter local_queue_depth;  // current-thread only: set once per batch
    bool histogram = false;          // poll-time histogram on (set before the owner starts)
    OwnedCounter poll_time_sum_ns;
    std::array<OwnedCounter, kPollTimeBuckets> poll_time_buckets;

    /// One poll took `ns` (only when `histogram`).
    void record_poll_time(std::uint64_t ns) noexcept {
        poll_time_sum_ns.add(ns);
        poll_time_buckets[poll_time_bucket(ns)].add();
    }

    // --- busy time (the owner) ---
    /// The owner starts running tasks (its thread starts, it unparks, it takes the core).
    void busy_begin() noexcept { busy_since_.store(metrics_now_ns(), std::memory_order_release); }
    /// The owner stops running tasks (parks, gives the core back, stops).
    void busy_end() noexcept {
        std::int64_t since = busy_since_.load(std::memory_order_relaxed);
        if (since == 0) return;
        std::int64_t now = metrics_now_ns();
        // release both, in this order: a reader that sees busy_since_ == 0 sees the new total
        // (busy_total's loop).
        busy_ns_.store(busy_ns_.load(std::memory_order_relaxed) + (now - since),
                       std::memory_order_release);
        busy_since_.store(0, std::memory_order_release);
    }
    /// Parking, having polled `polls` tasks so far: counts the park, and a noop if nothing was
    /// polled since the last unpark.
    void park_begin(std::uint64_t polls) noexcept {
        if (unparks.get() != 0 && polls == polls_at_unpark_) noops.add();
        parks.add();
        busy_end();
    }
    void park_end(std::uint64_t polls) noexcept {
        unparks.add();
        polls_at_unpark_ = polls;
        busy_begin();
    }

    // --- any thread ---
    /// Total busy time up to `now` (metrics_now_ns()), the running span of a busy owner
    /// included.
    std::int64_t busy_total(std::int64_t now) const noexcept {
        for (int tries = 0;; ++tries) {
            // acquire: pairs with busy_end's release stores (see there). If busy_since_ is the
            // same before and after reading the total, the total belongs with it.
            std::int64_t since = busy_since_.load(std::memory_order_acquire);
            std::int64_t total = busy_ns_.load(std::memory_order_acquire);
            if (busy_since_.load(std::memory_order_relaxed) == since || tries == 8)
                return total + (since != 0 && now > since ? now - since : 0);
        }
    }

  private:
    std::atomic<std::int64_t> busy_ns_{0};
    std::atomic<std::int64_t> busy_since_{0};  // 0: not busy
    std::uint64_t polls_at_unpark_ = 0;        // the owner only
};

}  // namespace weft::detail
