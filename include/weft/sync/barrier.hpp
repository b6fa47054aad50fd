#pragma once
/// \file
/// `weft::sync::Barrier`: lets `n` tasks wait for each other, generation after generation.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "weft/future/pin_check.hpp"
#include "weft/sync/notify.hpp"

namespace weft::sync {

class Barrier;

/// What `Barrier::wait` gives each task: exactly one per generation is the leader (the last
/// to arrive), e.g. to do the step's bookkeeping once.
class BarrierWaitResult {
  public:
    bool is_leader() const noexcept { return leader_; }

  private:
    friend class BarrierWait;
    explicit BarrierWaitResult(bool leader) noexcept : leader_(leader) {}
    bool leader_;
};

/// The future of `Barrier::wait()`.
///
/// Cancel safety: **not** cancel safe, as in Tokio: a task counts as arrived from the first
/// poll, so dropping the future afterwards still lets the generation complete without it.
class BarrierWait {
  public:
    using Output = BarrierWaitResult;
    BarrierWait(BarrierWait&&) noexcept = default;
    Poll<BarrierWaitResult> poll(Context& cx);

  private:
    friend class Barrier;
    explicit BarrierWait(Barrier* b) noexcept : b_(b) {}
    Barrier* b_;
    std::optional<std::uint64_t> gen_;  // the generation it arrived in (after the first poll)
    std::optional<Notified> wake_;      // made before arriving: the release cannot be missed
    [[no_unique_address]] PinCheck pin_;
};

/// Tokio's `Barrier`: `n` tasks call `co_await barrier.wait()`; none continues until all `n`
/// have arrived; then all continue and the barrier is ready for the next round. The last to
/// arrive is the round's leader. `Barrier(0)` acts as `Barrier(1)`.
///
/// ```cpp
/// weft::sync::Barrier step(workers);
/// for (int round = 0; round < rounds; ++round) {
///     compute_my_part(round);
///     if ((co_await step.wait()).is_leader()) publish(round);
/// }
/// ```
class Barrier {
  public:
    explicit Barrier(std::size_t n) noexcept : n_(n == 0 ? 1 : n) {}
    Barrier(const Barrier&) = delete;
    Barrier& operator=(const Barrier&) = delete;

    /// Arrives and waits for the rest of this round (see `BarrierWait`).
    BarrierWait wait() noexcept { return BarrierWait(this); }

  private:
    friend class BarrierWait;
    const std::size_t n_;
    std::mutex mu_;
    std::size_t arrived_ = 0;                   // in the current generation (under mu_)
    std::atomic<std::uint64_t> generation_{0};  // completed rounds
    Notify released_;                           // notify_waiters at each round's end
};

inline Poll<BarrierWaitResult> BarrierWait::poll(Context& cx) {
    pin_.pin();
    if (!gen_) {
        bool leader = false;
        {
            std::lock_guard lock(b_->mu_);
            wake_.emplace(b_->released_.notified());
            gen_ = b_->generation_.load(std::memory_order_relaxed);
            if (++b_->arrived_ == b_->n_) {
                b_->arrived_ = 0;
                b_->generation_.fetch_add(1, std::memory_order_release);
                leader = true;
            }
        }
        if (leader) {
            b_->released_.notify_waiters();
            return BarrierWaitResult(true);
        }
    }
    // Released once the generation moved on. The Notified can also complete for an older
    // round: a task released by the generation check can arrive here while the previous
    // round's leader is still inside notify_waiters, and that call completes every Notified
    // made before it. So completion only means "look again": check, and wait anew if the
    // round is not over (the new Notified is made before the check, so nothing is missed).
    for (;;) {
        if (b_->generation_.load(std::memory_order_acquire) != *gen_)
            return BarrierWaitResult(false);
        if (wake_->poll(cx).is_pending()) return Pending;
        wake_.reset();
        wake_.emplace(b_->released_.notified());
    }
}

}  // namespace weft::sync
