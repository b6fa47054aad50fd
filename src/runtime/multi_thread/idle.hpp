#pragma once
// Idle workers and wake-ups of the multi-thread scheduler (Tokio's scheme).
//
// A worker that runs out of work becomes *searching* (at most half the workers search at once)
// and tries to steal. A new task wakes at most one parked worker, and only when nobody is
// searching already, so a burst of wakes does not wake a herd. A searching worker that finds
// work stops searching and, if it was the last searcher, wakes one more worker to look for the
// rest.
//
// No lost wake-up. A worker about to park first registers as parked (an RMW on the idle word,
// park_begin), then looks at every queue once more; a producer first publishes its task, then
// reads the idle word with an RMW too (fetch_add(0), in worker_to_notify). RMWs on one word are
// totally ordered and whichever comes second synchronises with the first, so at least one side
// sees the other's write: either the parking worker sees the task, or the producer sees the
// worker registered as parked and unparks it. (An RMW rather than atomic_thread_fence, which
// ThreadSanitizer cannot model; on x86 either is one locked instruction, and Tokio's idle state
// does the same.) A push to the pushing worker's own queue needs no such order: that worker
// runs the task anyway, the wake is only for parallelism (PushedTo::OwnQueue).
//
// The word: searching workers in the low 16 bits, unparked workers in the high 16 bits, so a
// producer reads both with the one RMW. The list of parked workers, and each worker's `parked`
// flag, are guarded by a mutex; a worker's `searching` flag is its own, except while it is
// parked, when the worker that unparks it sets it (under the mutex).
//
// tests/runtime/idle_model_test.cpp races park and unpark in a bounded loop.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace weft::detail {

/// A worker's part of the idle state.
struct IdleSlot {
    std::size_t index = 0;   // the worker's index (what worker_to_notify returns)
    bool searching = false;  // the owner; or the unparking worker while parked (Idle's mutex)
    bool parked = false;     // guarded by Idle's mutex
};

/// Where a producer put the task it is waking a worker for.
enum class PushedTo {
    OwnQueue,     // the pushing worker's own queue: it runs the task anyway (a plain load)
    SharedQueue,  // a queue nobody may be looking at: the ordering RMW (see the file comment)
};

class Idle {
  public:
    /// `workers` workers, none parked nor searching.
    explicit Idle(std::size_t workers);

    std::size_t workers() const noexcept { return workers_; }

    // --- searching (the worker itself) ---
    /// Makes `s` searching unless half the workers search already; returns whether `s` is.
    bool transition_to_searching(IdleSlot& s) noexcept;
    /// `s` found work and stops searching; returns whether it was the last searcher (then the
    /// caller wakes another worker to look for more: notify_parked).
    [[nodiscard]] bool transition_from_searching(IdleSlot& s) noexcept;

    // --- parking (the worker itself) ---
    /// Registers `s` as parked (the ordering RMW); the caller then looks at every queue once
    /// more before it sleeps.
    void park_begin(IdleSlot& s) noexcept;
    /// Takes `s` off the parked list if it is still on it (nobody woke it); returns whether it
    /// was. Any thread (a wake meant for this worker in particular).
    bool cancel_park(IdleSlot& s) noexcept;
    /// Whether `s` is still registered as parked (nobody woke it).
    bool is_parked(const IdleSlot& s) noexcept;

    // --- waking ---
    /// A producer queued a task: the parked worker to unpark (made searching and taken off the
    /// list), or null if a worker is searching already or none is parked.
    [[nodiscard]] IdleSlot* worker_to_notify(PushedTo where) noexcept;
    /// Shutdown: takes every worker off the parked list (the caller unparks them all).
    void unpark_all() noexcept;

  private:
    static constexpr std::uint32_t kSearchOne = 1, kUnparkOne = 1u << 16;
    static std::uint32_t searching(std::uint32_t s) noexcept { return s & 0xFFFF; }
    static std::uint32_t unparked(std::uint32_t s) noexcept { return s >> 16; }
    void remove_locked(IdleSlot& s) noexcept;

    const std::size_t workers_;
    std::atomic<std::uint32_t> state_;
    std::mutex mu_;
    std::vector<IdleSlot*> sleepers_;  // guarded by mu_
};

}  // namespace weft::detail
