#pragma once
// Internal: a runtime's I/O driver (src/io/): the kernel interface that tells which file
// descriptors are ready, and the wait that parks the runtime's driving thread.
//
// Readiness, not completion. Every registered descriptor has a ScheduledIo: a readiness word
// and one waker per direction. The driver ORs in what the kernel reports (epoll events, or
// the results of io_uring multishot poll requests) and wakes the matching waker; a socket
// operation tries its syscall when its direction is ready and clears the readiness on EAGAIN.
// The readiness word carries a tick that each report increments, so that clearing after an
// EAGAIN cannot erase a report that came in between the syscall and the clear (the syscall
// may have raced with new data): the clear only applies if the tick is unchanged.
//
// Who turns the driver. There is no I/O thread. One runtime thread at a time waits in the
// driver (epoll_wait, io_uring_wait_cqe), with the timer wheel's next deadline as timeout:
// the worker that parks on the time driver's behalf (Parker::park_on). Busy workers also look
// without waiting every few dozen tasks (poll_nonblocking), so I/O is not starved while no
// worker is idle. Turns are serialised by turning_: events of one turn are dispatched before
// the next starts, which is what makes deferred freeing (below) safe.
//
// Freeing a ScheduledIo. The kernel may still report a descriptor that its owner has just
// dropped: epoll_wait may have returned its event already, an io_uring poll ends with a last
// completion. The owner therefore never frees it: it deregisters, and the driver frees it
// once no report can name it any more (epoll: at the start of the next turn; io_uring: at the
// poll's final completion).
//
// Completions too, on io_uring. The io_uring driver also runs completion operations (UringOp,
// uring_op.hpp): a request whose buffers the op owns until its last completion. weft::fs uses
// them for files, and stream sockets for their reads and writes (completion_sockets(), and
// src/net/completion_stream.cpp); the other drivers say no to every opcode (supports_op), and
// the caller falls back to the blocking pool or to readiness.
//
// Batched submission. A thread that promises to flush before it sleeps (a runtime's worker, a
// current-thread runtime's driving thread: each holds a SubmitBatch while it runs tasks) leaves
// its completion requests in the submission queue, and they go to the kernel together: at its
// next driver turn (one io_uring_enter submits them and waits), its periodic non-blocking look,
// or before it parks. Any other thread submits at once. That is what makes a completion cheaper
// than readiness plus a syscall: the tasks of one run of the queue share one io_uring_enter.
//
// A ring per worker. On a multi-thread runtime, io_uring gives each worker a ring of its own
// (attach_worker) for the completion requests its tasks make, which it reaps itself and sleeps
// in; the shared ring keeps readiness and the requests of other threads (uring_driver.cpp).
//
// Lazy readiness. A stream socket whose reads and writes are completions registers lazily: its
// multishot poll is armed only when something asks for readiness (ready(), try_read, a
// connect), so a connection that only reads and writes costs the kernel no poll reports.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "weft/detail/io/uring_op.hpp"
#include "weft/detail/runtime/parker.hpp"
#include "weft/detail/sync/spin_lock.hpp"
#include "weft/detail/task/runtime_context.hpp"
#include "weft/io/driver_kind.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail {

/// Readiness bits.
enum : std::uint32_t {
    kReadable = 1,
    kWritable = 2,
    kReadClosed = 4,   // the peer shut down its side (EPOLLRDHUP) or hung up
    kWriteClosed = 8,  // hung up: writes fail
    kPriority = 16,    // priority data (EPOLLPRI/POLLPRI: TCP urgent data, sysfs/procfs changes)
    kIoShutdown = 1u << 15,  // the runtime shut down
};
/// What an operation waits for; each has its own waker. Priority is only for io::AsyncFd with
/// Interest::priority (a POLLPRI report sets kPriority and, as mio does, kReadable too).
enum class Direction { Read, Write, Priority };

/// What a poll_ready saw: the readiness bits and the tick they were reported at.
struct ReadyEvent {
    std::uint32_t tick = 0;
    std::uint32_t ready = 0;
};

class IoDriver;

/// One registered descriptor's readiness and waiters (see the file comment).
class ScheduledIo {
  public:
    /// Ready for `dir` (or closed in that direction), or Pending with cx's waker stored.
    /// Throws std::runtime_error once the runtime has shut down.
    Poll<ReadyEvent> poll_ready(Context& cx, Direction dir);
    /// The readiness now, without storing a waker (the try_* operations, which make their
    /// syscall whatever it says). Throws std::runtime_error once the runtime has shut down.
    ReadyEvent snapshot() const;
    /// Clears `dir`'s readiness, unless a report came in since `ev`. `eagain`: the syscall
    /// said EAGAIN, which proves that direction is not closed either, so the closed bit goes
    /// too (left set, the retry loop would spin); after a short read it stays (the FIN may
    /// have come with the data, and is reported only once).
    void clear_readiness(ReadyEvent ev, Direction dir, bool eagain) noexcept;
    /// The driver's side: ORs in `bits`, bumps the tick, and wakes the matching waiters.
    void set_readiness(std::uint32_t bits) noexcept;
    /// Drops a stored waker (a cancelled operation), so that it does not keep its task alive.
    void clear_waker(Direction dir) noexcept;

  private:
    /// A lazy registration's first use of readiness arms it (see the file comment).
    void arm_if_lazy() const noexcept {
        // acquire: pairs with arm_now's release, so a poll that sees the flag clear also sees
        // what arming it wrote.
        if (needs_arm_.load(std::memory_order_acquire)) arm_now();
    }
    void arm_now() const noexcept;
    friend class IoDriver;
    friend class EpollDriver;
    friend class UringDriver;
    ScheduledIo(IoDriver* d, int fd) noexcept : driver(d), fd(fd) {}

    static constexpr std::uint32_t kBitsMask = 0xFFFF;
    std::atomic<std::uint32_t> readiness_{0};  // tick << 16 | bits
    SpinLock mu_;
    Waker reader_, writer_, prio_;  // guarded by mu_
    Waker& waker_slot(Direction dir) noexcept {
        return dir == Direction::Read ? reader_ : dir == Direction::Write ? writer_ : prio_;
    }

    // The driver's bookkeeping (under the driver's mu_, or its turn).
    IoDriver* driver;
    int fd;
    ScheduledIo* prev = nullptr;  // the driver's list of every live ScheduledIo
    ScheduledIo* next = nullptr;
    ScheduledIo* next_retired = nullptr;
    bool owner_dropped = false;                   // deregistered
    bool armed = false;                           // io_uring: a multishot poll is in the kernel
    mutable std::atomic<bool> needs_arm_{false};  // registered lazily, not armed yet
};

/// Which threads use a driver: a multi-thread runtime's workers (Many), or a current-thread
/// runtime's one thread, which both runs the tasks and turns the driver (One; the io_uring
/// driver then lets that thread post completions, see uring_driver.cpp).
enum class IoDriverThreads { Many, One };

class IoDriver : public ParkDriver {
  public:
    /// A driver of `kind` (Auto: epoll, or what `WEFT_IO_DRIVER` names) for `threads`. Throws
    /// std::system_error if the requested kind cannot be set up.
    static IoDriver* create(IoDriverKind kind, IoDriverThreads threads = IoDriverThreads::Many);
    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        // acq_rel: whoever frees the driver sees every other owner's last use of it.
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
    virtual IoDriverKind kind() const noexcept = 0;

    /// The driver of the runtime this thread is in, or null: the runtime context's
    /// (runtime_context.hpp).
    static IoDriver* current() noexcept { return runtime_context().io; }
    /// current(), or a std::logic_error that says `what` needs a runtime.
    static IoDriver& current_or_throw(const char* what) {
        if (IoDriver* d = current()) return *d;
        throw_needs_runtime(what);
    }

    // --- the resource's side ---
    /// Registers `fd` (non-blocking) for read and write readiness; throws std::system_error,
    /// or std::runtime_error after shutdown. The ScheduledIo lives until deregister().
    /// `lazy`: the kernel is asked for reports only once readiness is first polled (where the
    /// driver can: io_uring; see the file comment).
    ScheduledIo* register_fd(int fd, bool lazy = false);
    /// Stops reporting `io`'s descriptor; the caller may close it right after.
    void deregister(ScheduledIo* io) noexcept;

    // --- the runtime's side ---
    /// Waits for events until `until` (none: indefinitely) or unpark(), and dispatches them.
    /// Waits for another thread's non-blocking turn to finish first. Used by Parker::park_on.
    void turn(std::optional<std::chrono::steady_clock::time_point> until) noexcept final;
    /// Dispatches the events already there, unless another thread is turning the driver;
    /// returns how many resources it reported ready.
    std::size_t poll_nonblocking() noexcept;
    /// Makes a turn in progress (or the next blocking one) return.
    void unpark() noexcept final {
        // The flag first: a non-blocking turn on another thread may consume the signal before
        // the parking thread starts waiting; the flag, checked once it owns the driver, tells it
        // not to wait then.
        unparked_.store(true, std::memory_order_seq_cst);
        signal();
    }
    /// Marks every registered resource shut down (its next operation throws) and wakes it;
    /// later registrations throw.
    void shutdown() noexcept;

    // --- completion operations (io_uring only; see uring_op.hpp) ---
    /// Whether this driver runs UringOps with `opcode` (an IORING_OP_*): io_uring, where the
    /// kernel's probe lists it, and not refused by refuse_uring_ops_for_testing.
    bool supports_op(std::uint8_t opcode) const noexcept;
    /// Whether stream sockets on this driver read and write with completions (RECV, SEND)
    /// instead of readiness: io_uring with both opcodes, unless readiness_sockets_for_testing.
    bool completion_sockets() const noexcept;

    /// Holds the calling thread to flush this driver's submissions before it sleeps or lets
    /// go of the runtime, so that its completion requests may wait in the queue meanwhile (see
    /// the file comment). Destroyed: flushes.
    class SubmitBatch {
      public:
        explicit SubmitBatch(IoDriver& d) noexcept;
        ~SubmitBatch();
        SubmitBatch(const SubmitBatch&) = delete;
        SubmitBatch& operator=(const SubmitBatch&) = delete;

      private:
        IoDriver* prev_;
        IoDriver& d_;
    };
    /// Whether the calling thread holds a SubmitBatch for this driver.
    bool batching_here() const noexcept;
    /// Hands what this thread left in the submission queue, and what threads without a
    /// batch left in the shared one, to the kernel (cheap when nothing waits).
    void flush_submissions() noexcept { flush(); }
    /// The same for every thread's queue (the stall detector's, for a worker stuck in a poll).
    virtual void flush_all_submissions() noexcept { flush(); }

    // --- a ring per worker (io_uring; see uring_driver.cpp) ---
    /// Called by a multi-thread runtime's worker on its own thread as it starts: gives it a
    /// submission and completion queue of its own, where the driver can, and returns what the
    /// worker parks in when it does not keep time (Parker::park_on), so that it reaps its
    /// own completions while it sleeps; null where the driver has none (the worker sleeps on
    /// its futex). The worker's completion requests go to its own ring from then on.
    virtual ParkDriver* attach_worker() { return nullptr; }
    /// The worker's thread is about to end: its queue is flushed; ops still in flight there
    /// are finished by shutdown.
    virtual void detach_worker() noexcept {}

    /// The provided buffers a receive submitted from this thread can ask the kernel to choose
    /// from (IOSQE_BUFFER_SELECT): true with their group and size, or false if there are none.
    /// Set up on first use.
    virtual bool provided_buffers(std::uint16_t& /*group*/, std::uint32_t& /*size*/) noexcept {
        return false;
    }
    /// Provided buffer `id` of `group`: its memory, and its return to the kernel once read
    /// (any thread).
    virtual std::byte* provided_buffer(std::uint16_t /*group*/, std::uint16_t /*id*/) noexcept {
        return nullptr;
    }
    virtual void recycle_buffer(std::uint16_t /*group*/, std::uint16_t /*id*/) noexcept {}

    /// Readiness reports dispatched so far (RuntimeMetrics::io_driver_ready_count; any thread).
    std::uint64_t ready_count() const noexcept {
        return ready_count_.load(std::memory_order_relaxed);
    }

  protected:
    IoDriver() = default;
    virtual ~IoDriver();
    /// Adds or removes `io` in the kernel's interest set (under mu_).
    virtual void add(ScheduledIo* io) = 0;
    virtual void remove(ScheduledIo* io) noexcept = 0;
    /// Ends a wait in progress (an eventfd write, an io_uring NOP).
    virtual void signal() noexcept = 0;
    /// One wait (zero timeout: `nonblocking`), dispatching what it saw; returns how many
    /// resources it reported ready.
    virtual std::size_t wait(std::optional<std::chrono::steady_clock::time_point> until,
                             bool nonblocking) noexcept = 0;
    /// The kernel supports `opcode` (the io_uring driver's probe; others: false).
    virtual bool probe_op(std::uint8_t /*opcode*/) const noexcept { return false; }
    /// Submits `op` (the kernel's reference is the caller's to add on success); 0 or -errno.
    virtual int submit_op(UringOp* /*op*/, const UringSqe& /*sqe*/) noexcept { return -ENOSYS; }
    /// Asks the kernel to cancel `op`, if it is still in flight.
    virtual void cancel_op(UringOp* /*op*/) noexcept {}
    /// At shutdown: cancels every op in flight and wakes its owner.
    virtual void shutdown_ops() noexcept {}
    /// Submits an op in flight again, from its on_completion (a short send's rest): no new
    /// reference, no new link. 0 or -errno.
    virtual int resubmit_op(UringOp* /*op*/, const UringSqe& /*sqe*/) noexcept { return -ENOSYS; }
    /// Whether register_fd(fd, lazy=true) may leave the descriptor unarmed (io_uring).
    virtual bool arms_lazily() const noexcept { return false; }
    /// flush_submissions(): submits what the calling thread's batch left (io_uring).
    virtual void flush() noexcept {}
    /// poll_nonblocking()'s first step: the completions of the calling worker's own ring
    /// (attach_worker), which only it reaps; returns how many it dispatched.
    virtual std::size_t poll_local() noexcept { return 0; }
    friend int uring_op_detail::submit(IoDriver*, UringOp*, const UringSqe&) noexcept;
    friend int uring_op_detail::resubmit(IoDriver*, UringOp*, const UringSqe&) noexcept;
    friend class ScheduledIo;
    friend void uring_op_detail::abandon(IoDriver*, UringOp*, bool) noexcept;

    /// Frees `io` (the driver knows no report can name it any more).
    void free_io(ScheduledIo* io) noexcept;
    /// Frees what epoll-style deregistration left for the next turn.
    void free_retired() noexcept;
    void retire(ScheduledIo* io) noexcept;  // under mu_

    std::mutex mu_;
    bool shut_down_ = false;  // guarded by mu_
    /// Counts reports for ready_count() (any thread: worker rings are reaped in parallel).
    void count_ready(std::size_t n) noexcept {
        if (n != 0) ready_count_.fetch_add(n, std::memory_order_relaxed);
    }

  private:
    std::atomic<std::uint32_t> refs_{1};
    std::atomic<bool> turning_{false};
    std::atomic<std::uint64_t> ready_count_{0};
    std::atomic<bool> unparked_{false};
    ScheduledIo* live_ = nullptr;           // guarded by mu_
    ScheduledIo* retired_ = nullptr;        // guarded by mu_
    std::atomic<bool> has_retired_{false};  // retired_ may be non-empty
};

/// Tests only: while on, epoll drivers meet epoll_pwait2 as refused (ENOSYS) at their next
/// wait, and from then on keep to their epoll_wait fallback (epoll_driver.cpp).
void refuse_epoll_pwait2_for_testing(bool refuse) noexcept;

/// Tests only: while on, every driver says no to every completion op (supports_op), so weft::fs
/// takes its blocking-pool path on io_uring too.
void refuse_uring_ops_for_testing(bool refuse) noexcept;

/// Tests only: while on, stream sockets created on io_uring use readiness, as on epoll
/// (completion_sockets() says no), so both paths stay tested on that driver.
void readiness_sockets_for_testing(bool on) noexcept;

}  // namespace weft::detail
