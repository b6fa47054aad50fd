// The io_uring I/O driver: readiness through multishot poll requests, and the ring's wait as
// the runtime's park.
//
// Each registered descriptor has one multishot IORING_OP_POLL_ADD (read, write, hang-up) in
// the ring, whose completions carry the ScheduledIo as user_data; the kernel keeps it armed
// across events, so there is no syscall per operation to re-arm it. A poll that ends (its
// completion lacks IORING_CQE_F_MORE, e.g. after the kernel dropped it) is submitted again;
// one that ends after deregister() frees its ScheduledIo (the last completion that can name it).
//
// Submissions come from any thread (registration happens where a socket is created), so the
// submission queue is behind mu_ and the ring is set up without SINGLE_ISSUER; completions are
// reaped only by the turning thread. unpark() submits a NOP, whose completion ends the wait.
//
// Completion operations (UringOp, uring_op.hpp) share the ring: their user_data is the op's
// address with the low bit set (a ScheduledIo's is even, and kIgnoreToken is 1 alone). Each op
// in flight is on ops_, so that shutdown can cancel and wake them all, and the destructor can
// reap their last completions before the ring goes (closing a ring with requests in flight
// lets the kernel finish them into memory nobody owns any more). A cancel names its op by
// address; the owner still holds its reference while the cancel is submitted, and the kernel
// runs an ASYNC_CANCEL inside io_uring_enter, so the address cannot have been reused by then.
// Which opcodes the kernel has is probed once, at set-up (io_uring_get_probe_ring).
//
// Batching (io_driver.hpp): a submission made on a thread that holds this driver's SubmitBatch
// is only prepared in the queue; flush() (its park, its non-blocking look, the start of every
// wait) submits all that is there. Other submissions submit at once. A cancel always submits at
// once, and so flushes what was prepared before it: the request it cancels among them.
//
// Provided buffers. A receive may let the kernel pick its buffer (IOSQE_BUFFER_SELECT) from one
// group of kBufCount buffers of kBufSize bytes in a buffer ring (IORING_REGISTER_PBUF_RING,
// 5.19), registered at the first ask: memory is taken only when data arrives, not per
// connection waiting for it. The reader gives a buffer back (recycle_buffer, any thread, under
// buf_mu_) once it has copied the data out. Where the kernel has no buffer rings, or they are
// all out (-ENOBUFS), the receive brings its own buffer (completion_stream.cpp).

#include <liburing.h>
#include <poll.h>

#include <bitset>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <vector>

#include "poll_events.hpp"

#include "weft/detail/io/io_driver.hpp"

namespace weft::detail {

namespace {
constexpr std::uint64_t kWakeToken = 0;
constexpr std::uint64_t kIgnoreToken = 1;  // the completions of cancels
constexpr unsigned kPollMask = POLLIN | POLLOUT | POLLRDHUP | POLLPRI;
// The ring's sizes: submissions (registrations, re-arms, wakes) and completions (one per
// readiness report, so many more; NODROP holds any overflow rather than losing it).
constexpr unsigned kSqEntries = 1024;
constexpr unsigned kCqEntries = 16384;
// The provided buffers: their group id, count (a power of two) and size.
constexpr std::uint16_t kBufGroup = 0;
constexpr unsigned kBufCount = 256;
constexpr std::uint32_t kBufSize = 16384;
}  // namespace

class UringDriver final : public IoDriver {
  public:
    explicit UringDriver(IoDriverThreads threads) {
        // COOP_TASKRUN on a current-thread runtime's ring only. A poll's completion is posted
        // by the thread that armed the poll. By default the kernel interrupts that thread at
        // once to post it; under COOP_TASKRUN it waits until the thread next enters the kernel
        // (or, asleep, wakes it). That saves the interrupts: 2.4x less CPU per echo message
        // on one thread. On a current-thread runtime the arming thread is the one that waits in
        // the ring, and it enters the kernel whenever it has nothing to run, so nothing is
        // delayed. On a multi-thread runtime a worker that armed polls may be running a long
        // task with no syscall, holding back readiness the keeper is idle waiting for, and
        // the flag saved only 4% there (measured: a sleeping worker is woken for its polls'
        // completions either way; docs/io.md), so that ring keeps the interrupting default.
        // (An intermittent hang once blamed on this flag was a timer bug, fixed in
        // time_driver.cpp.)
        const bool one_thread = threads == IoDriverThreads::One;
        io_uring_params p{};
        int r = init(p, one_thread ? IORING_SETUP_COOP_TASKRUN : 0u);
        if (r == -EINVAL && one_thread) r = init(p, 0);  // a kernel before 5.19: no COOP_TASKRUN
        if (r < 0) throw std::system_error(-r, std::system_category(), "io_uring_queue_init");
        if (!(p.features & IORING_FEAT_EXT_ARG) || !(p.features & IORING_FEAT_NODROP)) {
            io_uring_queue_exit(&ring_);
            throw std::system_error(ENOSYS, std::system_category(),
                                    "io_uring without EXT_ARG/NODROP (kernel older than 5.11)");
        }
        // Reads and writes at the file's own position (offset -1) need RW_CUR_POS (5.6).
        if (io_uring_probe* probe = io_uring_get_probe_ring(&ring_)) {
            for (int op = 0; op <= probe->last_op && op < 256; ++op) {
                if (io_uring_opcode_supported(probe, op))
                    supported_.set(static_cast<std::size_t>(op));
            }
            io_uring_free_probe(probe);
        }
        if (!(p.features & IORING_FEAT_RW_CUR_POS)) {
            supported_.reset(IORING_OP_READ);
            supported_.reset(IORING_OP_WRITE);
        }
    }
    ~UringDriver() override {
        reap_ops_in_flight();
        if (buf_ring_ != nullptr) {
            io_uring_unregister_buf_ring(&ring_, kBufGroup);
            std::free(buf_ring_);
        }
        io_uring_queue_exit(&ring_);
    }
    IoDriverKind kind() const noexcept override { return IoDriverKind::Uring; }

    void signal() noexcept override {
        std::lock_guard lock(sq_mu_);
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_nop(sqe);
        io_uring_sqe_set_data64(sqe, kWakeToken);
        io_uring_submit(&ring_);
    }

  protected:
    bool probe_op(std::uint8_t opcode) const noexcept override { return supported_.test(opcode); }

    int submit_op(UringOp* op, const UringSqe& s) noexcept override {
        {
            std::lock_guard lock(ops_mu_);
            if (ops_shut_down_) return -ECANCELED;
            link(op);
        }
        int r = queue_op(op, s);
        if (r < 0) {
            std::lock_guard lock(ops_mu_);
            unlink(op);
            return r;
        }
        return 0;
    }
    int resubmit_op(UringOp* op, const UringSqe& s) noexcept override { return queue_op(op, s); }
    bool arms_lazily() const noexcept override { return true; }
    void flush() noexcept override {
        std::lock_guard lock(sq_mu_);
        unflushed_.store(false, std::memory_order_relaxed);
        io_uring_submit(&ring_);
    }

    bool provided_buffers(std::uint16_t& group, std::uint32_t& size) noexcept override {
        // acquire: pairs with the release below, so that a reader that sees the ring set up
        // sees its buffers.
        int st = buf_state_.load(std::memory_order_acquire);
        if (st == 0) st = set_up_buffers();
        group = kBufGroup;
        size = kBufSize;
        return st > 0;
    }
    std::byte* provided_buffer(std::uint16_t id) noexcept override {
        return bufs_.get() + std::size_t{id} * kBufSize;
    }
    void recycle_buffer(std::uint16_t id) noexcept override {
        std::lock_guard lock(buf_mu_);
        io_uring_buf_ring_add(buf_ring_, provided_buffer(id), kBufSize, id,
                              io_uring_buf_ring_mask(kBufCount), 0);
        io_uring_buf_ring_advance(buf_ring_, 1);  // (a release store of the ring's tail)
    }

    void cancel_op(UringOp* op) noexcept override {
        std::lock_guard lock(sq_mu_);
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, op_token(op), 0);
        io_uring_sqe_set_data64(sqe, kIgnoreToken);
        io_uring_submit(&ring_);
    }
    void shutdown_ops() noexcept override {
        // Nobody turns the ring any more: cancel what is in flight and tell its owners, whose
        // polls throw; the destructor reaps the completions. (Each op collected with a
        // reference, and woken outside the lock: a waker is user code.)
        std::vector<UringOp*> ops;
        {
            std::lock_guard lock(ops_mu_);
            ops_shut_down_ = true;
            for (UringOp* op = ops_; op != nullptr; op = op->next_) {
                op->add_ref();
                ops.push_back(op);
            }
        }
        for (UringOp* op : ops) {
            cancel_op(op);
            op->shut_down();
            op->release();
        }
    }

    void add(ScheduledIo* io) override {
        int r = arm(io);
        if (r < 0) throw std::system_error(-r, std::system_category(), "io_uring poll_add");
    }
    void remove(ScheduledIo* io) noexcept override {
        if (!io->armed) {
            retire(io);  // freed at the next turn (this one may still be dispatching it)
            return;
        }
        // ASYNC_CANCEL, not POLL_REMOVE: a POLL_REMOVE that finds the poll busy (a readiness
        // report being posted, on a descriptor with steady traffic) fails with -EALREADY and
        // leaves the multishot poll armed for good. The poll holds its own reference to the
        // file, so closing the descriptor then closes nothing: a pipe's reader never saw EOF
        // (Process.CatRoundTrips... hung about one run in ten on a loaded machine) and the
        // ScheduledIo leaked. A cancel marks the poll cancelled whether it is busy or not; its
        // last completion (-ECANCELED, or a report that ended it) frees the ScheduledIo.
        std::lock_guard lock(sq_mu_);
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_cancel64(sqe, reinterpret_cast<std::uint64_t>(io), 0);
        io_uring_sqe_set_data64(sqe, kIgnoreToken);
        io_uring_submit(&ring_);
    }

    std::size_t wait(std::optional<std::chrono::steady_clock::time_point> until,
                     bool nonblocking) noexcept override {
        free_retired();
        flush_submissions();
        io_uring_cqe* cqe = nullptr;
        if (!nonblocking) {
            if (until) {
                auto left = *until - std::chrono::steady_clock::now();
                __kernel_timespec ts{};
                if (left.count() > 0) {
                    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
                    ts.tv_sec = ns / 1000000000;
                    ts.tv_nsec = ns % 1000000000;
                }
                io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
            } else {
                io_uring_wait_cqe(&ring_, &cqe);
            }
        }
        unsigned head;
        unsigned seen = 0;
        std::size_t ready = 0;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            ++seen;
            if (dispatch(cqe)) ++ready;
        }
        if (seen != 0) io_uring_cq_advance(&ring_, seen);
        return ready;
    }

  private:
    // Sets the ring up with `flags` and the sizes above; returns io_uring_queue_init_params's.
    int init(io_uring_params& p, unsigned flags) noexcept {
        p = io_uring_params{};
        p.flags = IORING_SETUP_CQSIZE | flags;
        p.cq_entries = kCqEntries;
        return io_uring_queue_init_params(kSqEntries, &ring_, &p);
    }

    // Under sq_mu_. A full queue (deferred submissions) is submitted to make room.
    io_uring_sqe* get_sqe() noexcept {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        while (sqe == nullptr) {
            io_uring_submit(&ring_);
            sqe = io_uring_get_sqe(&ring_);
        }
        return sqe;
    }
    // Under sq_mu_, after preparing a completion op's submission: leaves it for the batch's
    // flush if this thread holds one, else submits. Returns io_uring_submit's result, or 0.
    int submit_or_defer() noexcept {
        if (batching_here()) {
            unflushed_.store(true, std::memory_order_relaxed);
            return 0;
        }
        return io_uring_submit(&ring_);
    }
    // Prepares `op`'s submission from `s`, and submits it or leaves it for the batch's flush;
    // 0 or -errno.
    int queue_op(UringOp* op, const UringSqe& s) noexcept {
        std::lock_guard lock(sq_mu_);
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_rw(s.opcode, sqe, s.fd, reinterpret_cast<const void*>(s.addr), s.len, s.off);
        sqe->rw_flags = static_cast<__kernel_rwf_t>(s.op_flags);
        sqe->flags = s.sqe_flags;
        sqe->buf_group = s.buf_group;
        io_uring_sqe_set_data64(sqe, op_token(op));
        int r = submit_or_defer();
        return r < 0 ? r : 0;
    }
    // The first ask for provided buffers: registers the buffer ring, or records that the
    // kernel has none. Returns the new state (1 ready, -1 none).
    int set_up_buffers() noexcept {
        std::lock_guard lock(buf_mu_);
        int st = buf_state_.load(std::memory_order_relaxed);
        if (st != 0) return st;
        st = -1;
        void* mem = nullptr;
        if (posix_memalign(&mem, 4096, kBufCount * sizeof(io_uring_buf)) == 0) {
            auto* br = static_cast<io_uring_buf_ring*>(mem);
            io_uring_buf_ring_init(br);
            io_uring_buf_reg reg{};
            reg.ring_addr = reinterpret_cast<std::uint64_t>(br);
            reg.ring_entries = kBufCount;
            reg.bgid = kBufGroup;
            if (io_uring_register_buf_ring(&ring_, &reg, 0) == 0) {
                // Not value-initialised: the pages are touched only as the kernel fills them.
                bufs_.reset(new (std::nothrow) std::byte[std::size_t{kBufCount} * kBufSize]);
                if (bufs_ != nullptr) {
                    for (unsigned i = 0; i < kBufCount; ++i)
                        io_uring_buf_ring_add(br, bufs_.get() + std::size_t{i} * kBufSize, kBufSize,
                                              static_cast<unsigned short>(i),
                                              io_uring_buf_ring_mask(kBufCount),
                                              static_cast<int>(i));
                    io_uring_buf_ring_advance(br, static_cast<int>(kBufCount));
                    buf_ring_ = br;
                    st = 1;
                } else {
                    io_uring_unregister_buf_ring(&ring_, kBufGroup);
                }
            }
            if (st < 0) std::free(mem);
        }
        buf_state_.store(st, std::memory_order_release);
        return st;
    }
    int arm(ScheduledIo* io) noexcept {  // under mu_
        std::lock_guard lock(sq_mu_);
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_poll_multishot(sqe, io->fd, kPollMask);
        io_uring_sqe_set_data(sqe, io);
        int r = io_uring_submit(&ring_);
        if (r >= 0) io->armed = true;
        return r < 0 ? r : 0;
    }

    static std::uint64_t op_token(UringOp* op) noexcept {
        return reinterpret_cast<std::uint64_t>(op) | 1;
    }
    void link(UringOp* op) noexcept {  // under ops_mu_
        op->prev_ = nullptr;
        op->next_ = ops_;
        if (ops_ != nullptr) ops_->prev_ = op;
        ops_ = op;
    }
    void unlink(UringOp* op) noexcept {  // under ops_mu_
        if (op->prev_ != nullptr) op->prev_->next_ = op->next_;
        if (op->next_ != nullptr) op->next_->prev_ = op->prev_;
        if (ops_ == op) ops_ = op->next_;
        op->prev_ = op->next_ = nullptr;
    }
    // A completion of an op: passes it on, and after the last drops the kernel's reference.
    void complete_op(std::uint64_t data, io_uring_cqe* cqe) noexcept {
        auto* op = reinterpret_cast<UringOp*>(data & ~std::uint64_t{1});
        (void)op->refs_.load(std::memory_order_acquire);  // the hand-over (see submit)
        if (!op->on_completion(cqe->res, cqe->flags)) return;
        {
            std::lock_guard lock(ops_mu_);
            unlink(op);
        }
        op->release();
    }
    // The destructor's: every owner is gone (each held a driver reference), but the kernel may
    // still be working for some ops. Cancel them and wait for their last completions.
    void reap_ops_in_flight() noexcept {
        for (;;) {
            std::vector<UringOp*> ops;
            {
                std::lock_guard lock(ops_mu_);
                for (UringOp* op = ops_; op != nullptr; op = op->next_)
                    ops.push_back(op);
            }
            if (ops.empty()) return;
            for (UringOp* op : ops)
                cancel_op(op);
            io_uring_cqe* cqe = nullptr;
            __kernel_timespec ts{};
            ts.tv_sec = 1;
            io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
            unsigned head;
            unsigned seen = 0;
            io_uring_for_each_cqe(&ring_, head, cqe) {
                ++seen;
                std::uint64_t data = io_uring_cqe_get_data64(cqe);
                if (data != kIgnoreToken && (data & 1) != 0) complete_op(data, cqe);
            }
            if (seen != 0) io_uring_cq_advance(&ring_, seen);
        }
    }

    // Returns whether it reported readiness (or finished an op).
    bool dispatch(io_uring_cqe* cqe) noexcept {
        std::uint64_t data = io_uring_cqe_get_data64(cqe);
        if (data == kWakeToken || data == kIgnoreToken) return false;
        if ((data & 1) != 0) {
            complete_op(data, cqe);
            return true;
        }
        bool reported = false;
        auto* io = reinterpret_cast<ScheduledIo*>(data);
        if (cqe->res > 0) {
            io->set_readiness(readiness_from_events(static_cast<std::uint32_t>(cqe->res)));
            reported = true;
        }
        if (cqe->flags & IORING_CQE_F_MORE) return reported;
        // The poll ended: free the ScheduledIo if its owner is gone, else arm it again. An
        // error ending it (not a removal) is reported as readiness, so that the next syscall
        // meets it.
        // (A ScheduledIo deregistered meanwhile is retired, not freed, until the next turn.)
        bool failed = cqe->res < 0 && cqe->res != -ECANCELED;
        {
            std::lock_guard lock(mu_);
            io->armed = false;
            if (io->owner_dropped) {
                free_io(io);
                return reported;
            }
            if (!shut_down_ && arm(io) < 0) failed = true;
        }
        if (failed) io->set_readiness(kReadable | kWritable);
        return reported || failed;
    }

    io_uring ring_{};
    SpinLock sq_mu_;              // the submission queue
    std::bitset<256> supported_;  // the opcodes the kernel has (set up once)
    SpinLock ops_mu_;             // ops_, ops_shut_down_
    UringOp* ops_ = nullptr;      // the ops in flight
    bool ops_shut_down_ = false;
    SpinLock buf_mu_;                // the buffer ring's tail; its set-up
    std::atomic<int> buf_state_{0};  // 0 not asked yet, 1 set up, -1 none
    io_uring_buf_ring* buf_ring_ = nullptr;
    std::unique_ptr<std::byte[]> bufs_;  // kBufCount * kBufSize
};

IoDriver* make_uring_driver(IoDriverThreads threads) {
    return new UringDriver(threads);
}

}  // namespace weft::detail
