#pragma once
// Internal: completion operations on the io_uring driver (src/io/uring_driver.cpp).
//
// A UringOp is the state of one submitted io_uring request: the kernel's view of it is a
// submission whose user_data names the UringOp, and one or more completions (CQEs) that name it
// back. Whatever the kernel reads or writes while the request is in flight (a read's buffer, an
// open's path, a statx's result) lives in the UringOp's subclass, so it outlives whoever asked
// for it: the memory is freed only when the *last* completion has arrived.
//
// Two references keep a UringOp alive: its owner's (a UringOpPtr, held by the future or the
// File that waits for it) and the kernel's (taken at submission, dropped by the driver after
// the last completion). Dropping the owner first is always safe: the UringOpPtr asks the
// kernel to cancel the request (IORING_OP_ASYNC_CANCEL), unless told not to (a write that
// must still happen), clears the stored waker, and drops its reference; the driver frees the
// op at the completion, cancelled or not. Ops that want several completions (multishot
// RECV/ACCEPT, later) override on_completion and keep the kernel's reference until the one
// without IORING_CQE_F_MORE.
//
// Threads. The owner polls on a worker; the completion arrives on the thread that reaps the
// ring it was submitted to (the submitting worker's own, or the shared one), which stores the
// result and wakes the waker under mu_ (the waker moves the task to that thread's worker, as
// for readiness). On runtime shutdown the driver cancels every op in flight and
// wakes its owner, whose next poll throws; the driver's destructor (after every owner is gone:
// each UringOpPtr holds a driver reference) reaps every completion still due before the ring is
// closed, so nothing is freed while the kernel may still write into it.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail {

class IoDriver;
class UringOp;
struct UringSqe;

namespace uring_op_detail {
// Drops the owner's reference to `op`, cancelling it in the kernel first if `cancel` and it is
// not done, and then the reference to `d` (io_driver.cpp).
void abandon(IoDriver* d, UringOp* op, bool cancel) noexcept;
// Submits `op` with `sqe` to `d`; 0, or -errno when it was not submitted (io_driver.cpp).
int submit(IoDriver* d, UringOp* op, const UringSqe& sqe) noexcept;
// Submits `op`, still in flight, again from its on_completion; 0 or -errno (io_driver.cpp).
int resubmit(IoDriver* d, UringOp* op, const UringSqe& sqe) noexcept;
IoDriver* hold(IoDriver* d) noexcept;  // adds a reference to d
}  // namespace uring_op_detail

/// What to submit: the io_uring_sqe fields a completion op sets (so this header needs no
/// liburing). `op_flags` is the sqe's per-opcode flags word (rw_flags, open_flags, statx_flags,
/// fsync_flags, msg_flags: one union in the kernel's layout).
struct UringSqe {
    std::uint8_t opcode = 0;
    std::int32_t fd = -1;
    std::uint64_t addr = 0;  // a buffer, or a path
    std::uint32_t len = 0;   // a length, or openat's mode, or statx's mask
    std::uint64_t off = 0;   // a file offset (~0: the file's own position), or statx's buffer
    std::uint32_t op_flags = 0;
    std::uint8_t sqe_flags = 0;   // IOSQE_* (IOSQE_BUFFER_SELECT)
    std::uint16_t buf_group = 0;  // with IOSQE_BUFFER_SELECT: the provided buffers' group
};

/// One io_uring request's state (see the file comment). Subclasses own what the kernel uses.
class UringOp {
  public:
    UringOp() noexcept = default;
    UringOp(const UringOp&) = delete;
    UringOp& operator=(const UringOp&) = delete;
    virtual ~UringOp() = default;

    /// Ready with the last completion's result (>= 0, or -errno) once it arrived; else Pending
    /// with cx's waker stored. Throws std::runtime_error once the runtime shut down with the
    /// op still in flight.
    Poll<std::int32_t> poll(Context& cx);
    /// Whether the last completion arrived (acquire: its result and the kernel's writes into
    /// the op's buffers are visible then).
    bool done() const noexcept { return done_.load(std::memory_order_acquire); }
    /// The result (only once done()).
    std::int32_t result() const noexcept { return res_; }
    /// Whether the owner may submit this op again (renew()): done, and the driver has let go
    /// of it (the kernel's reference is dropped just after the last completion is passed on).
    bool reusable() const noexcept {
        // acquire: pairs with the driver's release of its reference, after which it no
        // longer touches the op.
        return done() && refs_.load(std::memory_order_acquire) == 1;
    }
    /// Makes a reusable() op new again, for the next submit.
    void renew() noexcept {
        res_ = 0;
        done_.store(false, std::memory_order_relaxed);  // published by the next submit
    }

  protected:
    /// The driver's side, on the turning thread, for each completion. Returns whether it was
    /// the last (then the driver drops the kernel's reference). The default, for single-shot
    /// requests, finishes the op with `res`.
    virtual bool on_completion(std::int32_t res, std::uint32_t cqe_flags) noexcept;
    /// Stores `res` as the result, marks the op done and wakes its owner.
    void finish(std::int32_t res) noexcept;

  private:
    friend class IoDriver;
    friend class UringDriver;
    friend class UringRing;
    template <class Op>
    friend class UringOpPtr;
    friend int uring_op_detail::submit(IoDriver*, UringOp*, const UringSqe&) noexcept;
    friend int uring_op_detail::resubmit(IoDriver*, UringOp*, const UringSqe&) noexcept;
    friend void uring_op_detail::abandon(IoDriver*, UringOp*, bool) noexcept;

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        // acq_rel: whoever frees the op sees the other holder's last use of it (the kernel's
        // writes, published by the driver's reap; the owner's reads of the buffer).
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    void shut_down() noexcept;  // the runtime shut down: wake the owner, whose poll throws
    void clear_waker() noexcept;

    std::atomic<std::uint32_t> refs_{1};  // the owner's; the kernel's is added at submission
    std::atomic<bool> done_{false};
    std::atomic<bool> shut_down_{false};
    std::int32_t res_ = 0;  // written before done_ (release)
    SpinLock mu_;
    Waker waker_;  // guarded by mu_
    // The driver's: the ring it was submitted to (written at submission, after the kernel's
    // reference is taken: release, so that the thread reaping the completion sees it), and
    // that ring's list of ops in flight (under its ops lock).
    std::atomic<void*> ring_{nullptr};
    UringOp* prev_ = nullptr;
    UringOp* next_ = nullptr;
};

/// The owner's reference to a UringOp subclass `Op`, and to the driver it is submitted to.
/// Dropped before the op is done, it cancels the request (unless set_cancel_on_drop(false)).
template <class Op>
class UringOpPtr {
  public:
    UringOpPtr() noexcept = default;
    /// A new Op (not submitted yet) for driver `d`.
    template <class... Args>
    static UringOpPtr make(IoDriver& d, Args&&... args) {
        UringOpPtr p;
        p.op_ = new Op(std::forward<Args>(args)...);
        p.driver_ = uring_op_detail::hold(&d);
        return p;
    }
    UringOpPtr(UringOpPtr&& o) noexcept
        : op_(std::exchange(o.op_, nullptr)),
          driver_(std::exchange(o.driver_, nullptr)),
          cancel_(o.cancel_) {}
    UringOpPtr& operator=(UringOpPtr&& o) noexcept {
        if (this != &o) {
            reset();
            op_ = std::exchange(o.op_, nullptr);
            driver_ = std::exchange(o.driver_, nullptr);
            cancel_ = o.cancel_;
        }
        return *this;
    }
    ~UringOpPtr() { reset(); }

    /// Submits the op; 0, or -errno (then it was not submitted, and is the owner's alone).
    int submit(const UringSqe& sqe) noexcept { return uring_op_detail::submit(driver_, op_, sqe); }
    void set_cancel_on_drop(bool c) noexcept { cancel_ = c; }
    void reset() noexcept {
        if (op_ != nullptr) uring_op_detail::abandon(driver_, std::exchange(op_, nullptr), cancel_);
        driver_ = nullptr;
    }
    Op* get() const noexcept { return op_; }
    IoDriver* driver() const noexcept { return driver_; }
    Op* operator->() const noexcept { return op_; }
    Op& operator*() const noexcept { return *op_; }
    explicit operator bool() const noexcept { return op_ != nullptr; }

  private:
    Op* op_ = nullptr;
    IoDriver* driver_ = nullptr;
    bool cancel_ = true;
};

}  // namespace weft::detail
