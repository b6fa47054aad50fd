#pragma once
// The failure latch of a runtime under UnhandledPolicy::ShutdownRuntime, shared by both
// flavours: the first unhandled exception is kept, and every block_on on the runtime rethrows
// it from then on.

#include <atomic>
#include <exception>
#include <mutex>

namespace weft::detail {

class FailureLatch {
  public:
    /// Records `e` if it is the first failure; returns whether it was (later ones are dropped).
    bool set(const std::exception_ptr& e) noexcept {
        std::lock_guard lock(mu_);
        if (failure_) return false;
        failure_ = e;
        // release: pairs with throw_if_set's acquire (the lock orders the rest).
        failed_.store(true, std::memory_order_release);
        return true;
    }
    /// Rethrows the recorded failure, if any (one atomic load when there is none).
    void throw_if_set() {
        if (!failed_.load(std::memory_order_acquire)) return;
        std::exception_ptr e;
        {
            std::lock_guard lock(mu_);
            e = failure_;
        }
        std::rethrow_exception(e);
    }

  private:
    std::mutex mu_;
    std::exception_ptr failure_;  // guarded by mu_
    std::atomic<bool> failed_{false};
};

}  // namespace weft::detail
