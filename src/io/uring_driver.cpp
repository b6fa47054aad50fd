// The io_uring I/O driver: readiness through multishot poll requests, completion operations,
// and the rings' waits as the runtime's parks.
//
// The shared ring. Each registered descriptor has one multishot IORING_OP_POLL_ADD (read,
// write, hang-up) in it, whose completions carry the ScheduledIo as user_data; the kernel
// keeps it armed across events, so there is no syscall per operation to re-arm it. A poll that
// ends (its completion lacks IORING_CQE_F_MORE, e.g. after the kernel dropped it) is submitted
// again; one that ends after deregister() frees its ScheduledIo (the last completion that can
// name it). Submissions come from any thread (registration happens where a socket is
// created), so its submission queue is behind a lock; completions are reaped only by the
// turning thread. unpark() submits a NOP, whose completion ends the wait.
//
// A ring per worker. io_uring posts a request's completion through the thread that submitted
// it (task work). With one ring for all workers, a worker's receive woke that worker from its
// futex to post the completion, which then woke the worker waiting in the ring: two wake-ups
// per message, and the task moved to the second worker. So on a multi-thread runtime each
// worker gets a ring of its own (attach_worker) for the completion operations its tasks
// submit, set up with COOP_TASKRUN: the kernel posts those completions when the worker next
// enters it, without interrupting it while it runs tasks. A worker that does not keep time
// sleeps in its ring (WorkerRing is its ParkDriver), so a completion wakes the thread that
// reaps it, and the woken task runs there. The worker that keeps time sleeps in its ring too,
// with a one-shot poll on the shared ring's descriptor: a readiness report, a NOP from
// unpark() or a completion of an op submitted from outside the workers ends that wait, and the
// worker then reaps the shared ring. Busy workers reap their ring between tasks (poll_local:
// a syscall only when the kernel flags work for it, IORING_SETUP_TASKRUN_FLAG). An op stays on
// the ring it was submitted to (UringOp::ring_): a task that migrates keeps it valid, and its
// completion is reaped by the submitting worker, whose waker moves the task back. Threads that
// are not workers, and kernels without the rings, use the shared ring. (Not SINGLE_ISSUER:
// another thread cancels an op whose owner migrated, and the stall detector flushes a stuck
// worker's queue.)
//
// Completion operations (UringOp, uring_op.hpp): their user_data is the op's address with the
// low bit set (a ScheduledIo's is even, and the tokens below are small). Each op in flight is
// on its ring's list, so that shutdown can cancel and wake them all, and the destructor can
// reap their last completions before the rings go (closing a ring with requests in flight
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
// Provided buffers. A receive may let the kernel pick its buffer (IOSQE_BUFFER_SELECT) from
// its ring's group of kBufCount buffers of kBufSize bytes in a buffer ring
// (IORING_REGISTER_PBUF_RING, 5.19), registered at the first ask: memory is taken only when
// data arrives, not per connection waiting for it. Each ring has its own group (the shared
// ring 0, worker ring i i + 1), so a buffer names its ring. The reader gives a buffer back
// (recycle_buffer, any thread, under the ring's buf_mu_) once it has copied the data out.
// Where the kernel has no buffer rings, or they are all out (-ENOBUFS), the receive brings its
// own buffer (completion_stream.cpp).

#include <liburing.h>
#include <poll.h>

#include <array>
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
constexpr std::uint64_t kIgnoreToken = 1;       // the completions of cancels
constexpr std::uint64_t kSharedReadyToken = 2;  // a worker ring's poll on the shared ring
constexpr unsigned kPollMask = POLLIN | POLLOUT | POLLRDHUP | POLLPRI;
// The shared ring's sizes: submissions (registrations, re-arms, wakes) and completions (one
// per readiness report, so many more; NODROP holds any overflow rather than losing it).
constexpr unsigned kSqEntries = 1024;
constexpr unsigned kCqEntries = 16384;
// A worker ring's: its tasks' receives and sends.
constexpr unsigned kWorkerSqEntries = 1024;
constexpr unsigned kWorkerCqEntries = 4096;
// The provided buffers of each ring: count (a power of two) and size.
constexpr unsigned kBufCount = 256;
constexpr std::uint32_t kBufSize = 16384;
// The most worker rings a driver sets up; workers beyond it use the shared ring.
constexpr std::size_t kMaxWorkerRings = 256;

__kernel_timespec timespec_until(std::chrono::steady_clock::time_point until) noexcept {
    __kernel_timespec ts{};
    auto left = until - std::chrono::steady_clock::now();
    if (left.count() > 0) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        ts.tv_sec = ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
    }
    return ts;
}
}  // namespace

// One io_uring: its submission queue, the completion ops in flight on it, and its provided
// buffers. The shared ring and each worker's ring are one each.
class UringRing {
  public:
    UringRing() = default;
    UringRing(const UringRing&) = delete;
    UringRing& operator=(const UringRing&) = delete;
    ~UringRing() {
        if (!open_) return;
        if (buf_ring_ != nullptr) {
            io_uring_unregister_buf_ring(&ring_, group_);
            std::free(buf_ring_);
        }
        io_uring_queue_exit(&ring_);
    }

    // Sets the ring up; returns io_uring_queue_init_params's result.
    int init(io_uring_params& p, unsigned sq, unsigned cq, unsigned flags,
             std::uint16_t group) noexcept {
        p = io_uring_params{};
        p.flags = IORING_SETUP_CQSIZE | flags;
        p.cq_entries = cq;
        int r = io_uring_queue_init_params(sq, &ring_, &p);
        open_ = r == 0;
        group_ = group;
        return r;
    }
    io_uring& ring() noexcept { return ring_; }

    // --- submitting (any thread) ---
    // Links `op` to this ring and submits it, or leaves it for a flush if `defer`; 0 or -errno.
    int submit_op(UringOp* op, const UringSqe& s, bool defer) noexcept {
        op->ring_.store(nullptr, std::memory_order_relaxed);  // (set below, once it is listed)
        {
            std::lock_guard lock(ops_mu_);
            if (ops_shut_down_) return -ECANCELED;
            link(op);
        }
        op->ring_.store(this, std::memory_order_release);  // (see UringOp::ring_)
        int r = queue_op(op, s, defer);
        if (r < 0) {
            std::lock_guard lock(ops_mu_);
            unlink(op);
            op->ring_.store(nullptr, std::memory_order_relaxed);
            return r;
        }
        return 0;
    }
    // Prepares `op`'s submission from `s`, and submits it or leaves it for the flush; 0 or
    // -errno.
    int queue_op(UringOp* op, const UringSqe& s, bool defer) noexcept {
        std::lock_guard lock(sq_mu_);
        io_uring_sqe* sqe = get_sqe();
        io_uring_prep_rw(s.opcode, sqe, s.fd, reinterpret_cast<const void*>(s.addr), s.len, s.off);
        sqe->rw_flags = static_cast<__kernel_rwf_t>(s.op_flags);
        sqe->flags = s.sqe_flags;
        sqe->buf_group = s.buf_group;
        io_uring_sqe_set_data64(sqe, op_token(op));
        if (defer) {
            unflushed_.store(true, std::memory_order_relaxed);
            return 0;
        }
        int r = io_uring_submit(&ring_);
        return r < 0 ? r : 0;
    }
    // One request, prepared by `prep` (a void(io_uring_sqe*)) with user_data `data`, submitted
    // at once; 0 or -errno.
    template <class Prep>
    int submit_now(std::uint64_t data, Prep&& prep) noexcept {
        std::lock_guard lock(sq_mu_);
        io_uring_sqe* sqe = get_sqe();
        prep(sqe);
        io_uring_sqe_set_data64(sqe, data);
        int r = io_uring_submit(&ring_);
        return r < 0 ? r : 0;
    }
    // An ASYNC_CANCEL of the request whose user_data is `token` (its completion is ignored).
    void cancel(std::uint64_t token) noexcept {
        submit_now(kIgnoreToken, [&](io_uring_sqe* sqe) { io_uring_prep_cancel64(sqe, token, 0); });
    }
    void cancel(UringOp* op) noexcept { cancel(op_token(op)); }
    // A NOP, whose completion (`token`) ends a wait in the ring.
    void nop(std::uint64_t token) noexcept {
        submit_now(token, [](io_uring_sqe* sqe) { io_uring_prep_nop(sqe); });
    }
    void flush() noexcept {
        // relaxed: a hint; a submission made on this thread is seen, and one made on another
        // is that thread's to flush.
        if (!unflushed_.load(std::memory_order_relaxed)) return;
        std::lock_guard lock(sq_mu_);
        unflushed_.store(false, std::memory_order_relaxed);
        io_uring_submit(&ring_);
    }

    // --- reaping (the ring's reaper only) ---
    // Passes each completion that is there to `dispatch` (a bool(io_uring_cqe*)); returns how
    // many it said yes to.
    template <class F>
    std::size_t reap(F&& dispatch) noexcept {
        io_uring_cqe* cqe = nullptr;
        unsigned head;
        unsigned seen = 0;
        std::size_t n = 0;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            ++seen;
            if (dispatch(cqe)) ++n;
        }
        if (seen != 0) io_uring_cq_advance(&ring_, seen);
        return n;
    }
    // Waits for a completion, until `until` if it has one.
    void wait(std::optional<std::chrono::steady_clock::time_point> until) noexcept {
        io_uring_cqe* cqe = nullptr;
        if (until) {
            __kernel_timespec ts = timespec_until(*until);
            io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
        } else {
            io_uring_wait_cqe(&ring_, &cqe);
        }
    }
    // Whether the kernel holds completions for this ring that only entering it posts (task
    // work under COOP_TASKRUN, with TASKRUN_FLAG; or an overflow).
    bool kernel_has_completions() const noexcept {
        return (IO_URING_READ_ONCE(*ring_.sq.kflags) &
                (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
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

    // --- shutdown ---
    // Nobody reaps the ring any more: cancel what is in flight and tell its owners, whose
    // polls throw; the destructor reaps the completions. (Each op collected with a reference,
    // and woken outside the lock: a waker is user code.)
    void shut_down_ops() noexcept {
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
            cancel(op);
            op->shut_down();
            op->release();
        }
    }
    // The driver's destructor's: every owner is gone (each held a driver reference), but the
    // kernel may still be working for some ops. Cancel them and wait for their last
    // completions.
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
                cancel(op);
            wait(std::chrono::steady_clock::now() + std::chrono::seconds(1));
            reap([this](io_uring_cqe* cqe) {
                std::uint64_t data = io_uring_cqe_get_data64(cqe);
                if (data != kIgnoreToken && (data & 1) != 0) complete_op(data, cqe);
                return false;
            });
        }
    }

    // --- provided buffers ---
    bool provided_buffers(std::uint16_t& group, std::uint32_t& size) noexcept {
        // acquire: pairs with the release in set_up_buffers, so that a reader that sees the
        // ring set up sees its buffers.
        int st = buf_state_.load(std::memory_order_acquire);
        if (st == 0) st = set_up_buffers();
        group = group_;
        size = kBufSize;
        return st > 0;
    }
    std::byte* buffer(std::uint16_t id) noexcept {
        return bufs_.get() + std::size_t{id} * kBufSize;
    }
    void recycle(std::uint16_t id) noexcept {
        std::lock_guard lock(buf_mu_);
        io_uring_buf_ring_add(buf_ring_, buffer(id), kBufSize, id,
                              io_uring_buf_ring_mask(kBufCount), 0);
        io_uring_buf_ring_advance(buf_ring_, 1);  // (a release store of the ring's tail)
    }

  private:
    // Under sq_mu_. A full queue (deferred submissions) is submitted to make room.
    io_uring_sqe* get_sqe() noexcept {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        while (sqe == nullptr) {
            io_uring_submit(&ring_);
            sqe = io_uring_get_sqe(&ring_);
        }
        return sqe;
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
            reg.bgid = group_;
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
                    io_uring_unregister_buf_ring(&ring_, group_);
                }
            }
            if (st < 0) std::free(mem);
        }
        buf_state_.store(st, std::memory_order_release);
        return st;
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

    io_uring ring_{};
    bool open_ = false;
    std::uint16_t group_ = 0;  // its provided buffers' group
    SpinLock sq_mu_;           // the submission queue
    // Set when a submission is left in the queue for a later flush; cleared by flush().
    std::atomic<bool> unflushed_{false};
    SpinLock ops_mu_;         // ops_, ops_shut_down_
    UringOp* ops_ = nullptr;  // the ops in flight
    bool ops_shut_down_ = false;
    SpinLock buf_mu_;                // the buffer ring's tail; its set-up
    std::atomic<int> buf_state_{0};  // 0 not asked yet, 1 set up, -1 none
    io_uring_buf_ring* buf_ring_ = nullptr;
    std::unique_ptr<std::byte[]> bufs_;  // kBufCount * kBufSize
};

class UringDriver;

namespace {
// A worker's own ring (see the file comment), and what the worker parks in.
class WorkerRing final : public UringRing, public ParkDriver {
  public:
    explicit WorkerRing(UringDriver& d) noexcept : driver(&d) {}
    void turn(std::optional<std::chrono::steady_clock::time_point> until) noexcept override;
    void unpark() noexcept override { nop(kWakeToken); }

    // The owner's: waits (unless `nonblocking`) and dispatches its completions; returns how
    // many finished an op.
    std::size_t wait_and_reap(std::optional<std::chrono::steady_clock::time_point> until,
                              bool nonblocking) noexcept {
        if (nonblocking) {
            if (kernel_has_completions()) io_uring_get_events(&ring());
        } else {
            wait(until);
        }
        return reap([this](io_uring_cqe* cqe) {
            std::uint64_t data = io_uring_cqe_get_data64(cqe);
            if (data == kSharedReadyToken) {
                shared_poll_armed = false;
                return false;
            }
            if (data == kWakeToken || data == kIgnoreToken) return false;
            complete_op(data, cqe);
            return true;
        });
    }

    UringDriver* driver;
    bool shared_poll_armed = false;  // the owner's: the shared ring's fd is polled here
};

// The calling thread's worker ring, if it is a worker (of the driver its `driver` names).
thread_local WorkerRing* t_ring = nullptr;
}  // namespace

class UringDriver final : public IoDriver {
  public:
    explicit UringDriver(IoDriverThreads threads)
        : worker_rings_enabled_(threads == IoDriverThreads::Many) {
        // COOP_TASKRUN on a current-thread runtime's ring only. A poll's completion is posted
        // by the thread that armed the poll. By default the kernel interrupts that thread at
        // once to post it; under COOP_TASKRUN it waits until the thread next enters the kernel
        // (or, asleep, wakes it). That saves the interrupts: 2.4x less CPU per echo message
        // on one thread. On a current-thread runtime the arming thread is the one that waits in
        // the ring, and it enters the kernel whenever it has nothing to run, so nothing is
        // delayed. On a multi-thread runtime the shared ring's polls are armed by any worker,
        // which may be running a long task with no syscall, holding back readiness the keeper
        // is idle waiting for; so that ring keeps the interrupting default, and the completion
        // ops go to the workers' own rings, which each worker reaps itself (file comment).
        const bool one_thread = threads == IoDriverThreads::One;
        io_uring_params p{};
        int r =
            shared_.init(p, kSqEntries, kCqEntries, one_thread ? IORING_SETUP_COOP_TASKRUN : 0u, 0);
        if (r == -EINVAL && one_thread)  // a kernel before 5.19: no COOP_TASKRUN
            r = shared_.init(p, kSqEntries, kCqEntries, 0, 0);
        if (r < 0) throw std::system_error(-r, std::system_category(), "io_uring_queue_init");
        if (!(p.features & IORING_FEAT_EXT_ARG) || !(p.features & IORING_FEAT_NODROP)) {
            throw std::system_error(ENOSYS, std::system_category(),
                                    "io_uring without EXT_ARG/NODROP (kernel older than 5.11)");
        }
        // Reads and writes at the file's own position (offset -1) need RW_CUR_POS (5.6).
        if (io_uring_probe* probe = io_uring_get_probe_ring(&shared_.ring())) {
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
        // Every worker has gone (each held the runtime, which holds this): their rings are
        // reaped here, from this thread.
        std::size_t n = worker_count_.load(std::memory_order_acquire);
        for (std::size_t i = 0; i < n; ++i)
            worker_rings_[i].load(std::memory_order_relaxed)->reap_ops_in_flight();
        shared_.reap_ops_in_flight();
        for (std::size_t i = 0; i < n; ++i)
            delete worker_rings_[i].load(std::memory_order_relaxed);
    }
    IoDriverKind kind() const noexcept override { return IoDriverKind::Uring; }

    void signal() noexcept override { shared_.nop(kWakeToken); }

    ParkDriver* attach_worker() override {
        if (!worker_rings_enabled_ || !supported_.test(IORING_OP_POLL_ADD)) return nullptr;
        std::lock_guard lock(rings_mu_);  // (workers start together: one set-up at a time)
        std::size_t i = worker_count_.load(std::memory_order_relaxed);
        if (i >= kMaxWorkerRings) return nullptr;
        auto ring = std::make_unique<WorkerRing>(*this);
        io_uring_params p{};
        auto group = static_cast<std::uint16_t>(i + 1);
        int r = ring->init(p, kWorkerSqEntries, kWorkerCqEntries,
                           IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, group);
        if (r == -EINVAL) r = ring->init(p, kWorkerSqEntries, kWorkerCqEntries, 0, group);
        if (r < 0) return nullptr;  // (e.g. out of locked memory): this worker uses the shared one
        WorkerRing* w = ring.release();
        worker_rings_[i].store(w, std::memory_order_relaxed);
        // release: whoever reads the count sees the ring (shutdown, the destructor; a buffer's
        // group is handed out only after this, and reaches other threads through the op).
        worker_count_.store(i + 1, std::memory_order_release);
        t_ring = w;
        return w;
    }
    void detach_worker() noexcept override {
        if (WorkerRing* w = local_ring()) w->flush();
        t_ring = nullptr;
    }

    // A non-keeping worker's park in its ring (WorkerRing::turn).
    void turn_worker_ring(WorkerRing& w,
                          std::optional<std::chrono::steady_clock::time_point> until) noexcept {
        w.flush();
        count_ready(w.wait_and_reap(until, false));
    }

  protected:
    bool probe_op(std::uint8_t opcode) const noexcept override { return supported_.test(opcode); }

    int submit_op(UringOp* op, const UringSqe& s) noexcept override {
        WorkerRing* w = local_ring();
        UringRing& ring = w != nullptr ? static_cast<UringRing&>(*w) : shared_;
        return ring.submit_op(op, s, batching_here());
    }
    int resubmit_op(UringOp* op, const UringSqe& s) noexcept override {
        return ring_of(op).queue_op(op, s, batching_here());
    }
    void cancel_op(UringOp* op) noexcept override {
        // (the owner's thread, which submitted it; null: it was never submitted)
        if (op->ring_.load(std::memory_order_relaxed) != nullptr) ring_of(op).cancel(op);
    }
    void shutdown_ops() noexcept override {
        for_each_ring([](UringRing& r) { r.shut_down_ops(); });
    }
    bool arms_lazily() const noexcept override { return true; }
    void flush() noexcept override {
        if (WorkerRing* w = local_ring()) w->flush();
        shared_.flush();
    }
    void flush_all_submissions() noexcept override {
        for_each_ring([](UringRing& r) { r.flush(); });
    }
    std::size_t poll_local() noexcept override {
        WorkerRing* w = local_ring();
        return w != nullptr ? w->wait_and_reap(std::nullopt, true) : 0;
    }

    bool provided_buffers(std::uint16_t& group, std::uint32_t& size) noexcept override {
        WorkerRing* w = local_ring();
        return w != nullptr ? w->provided_buffers(group, size)
                            : shared_.provided_buffers(group, size);
    }
    std::byte* provided_buffer(std::uint16_t group, std::uint16_t id) noexcept override {
        return ring_by_group(group).buffer(id);
    }
    void recycle_buffer(std::uint16_t group, std::uint16_t id) noexcept override {
        ring_by_group(group).recycle(id);
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
        shared_.cancel(reinterpret_cast<std::uint64_t>(io));
    }

    std::size_t wait(std::optional<std::chrono::steady_clock::time_point> until,
                     bool nonblocking) noexcept override {
        free_retired();
        flush();
        WorkerRing* w = nonblocking ? nullptr : local_ring();
        if (w == nullptr) {
            if (!nonblocking) shared_.wait(until);
            return reap_shared();
        }
        // The worker keeping time: it sleeps in its own ring (its completions need it there),
        // watching the shared ring's descriptor from it. Whatever is there already first. A
        // wake-up among it ends this wait too: unpark() sent it for this turn (a stale one
        // only costs a spurious return), and once reaped here the poll below cannot see it.
        bool woken = false;
        std::size_t n = reap_shared(&woken);
        n += w->wait_and_reap(std::nullopt, true);
        if (n != 0 || woken) return n;
        if (!w->shared_poll_armed) {
            w->shared_poll_armed = true;
            int fd = shared_.ring().ring_fd;
            w->submit_now(kSharedReadyToken,
                          [fd](io_uring_sqe* sqe) { io_uring_prep_poll_add(sqe, fd, POLLIN); });
        }
        n = w->wait_and_reap(until, false);
        return n + reap_shared();
    }

  private:
    WorkerRing* local_ring() const noexcept {
        WorkerRing* w = t_ring;
        return w != nullptr && w->driver == this ? w : nullptr;
    }
    UringRing& ring_of(UringOp* op) noexcept {
        // acquire: pairs with submit_op's release (resubmit_op runs on the reaping thread).
        return *static_cast<UringRing*>(op->ring_.load(std::memory_order_acquire));
    }
    UringRing& ring_by_group(std::uint16_t group) noexcept {
        if (group == 0) return shared_;
        // relaxed: the group reached this thread with the op, after attach_worker's release.
        return *worker_rings_[group - 1u].load(std::memory_order_relaxed);
    }
    template <class F>
    void for_each_ring(F&& f) noexcept {
        std::size_t n = worker_count_.load(std::memory_order_acquire);
        for (std::size_t i = 0; i < n; ++i)
            f(static_cast<UringRing&>(*worker_rings_[i].load(std::memory_order_relaxed)));
        f(shared_);
    }
    // Dispatches the shared ring's completions; sets *woken if a wake-up (unpark's NOP) was
    // among them. Completions the kernel holds back (an overflow of the queue, kept under
    // NODROP) are posted first: only entering the ring to wait posts them, and no thread waits
    // in the shared ring on a multi-thread runtime, so without this an overflow stopped every
    // readiness report after it for good.
    std::size_t reap_shared(bool* woken = nullptr) noexcept {
        if (shared_.kernel_has_completions()) io_uring_get_events(&shared_.ring());
        return shared_.reap([this, woken](io_uring_cqe* cqe) {
            if (woken != nullptr && io_uring_cqe_get_data64(cqe) == kWakeToken) *woken = true;
            return dispatch(cqe);
        });
    }

    int arm(ScheduledIo* io) noexcept {  // under mu_
        int fd = io->fd;
        int r = shared_.submit_now(reinterpret_cast<std::uint64_t>(io), [fd](io_uring_sqe* sqe) {
            io_uring_prep_poll_multishot(sqe, fd, kPollMask);
        });
        if (r == 0) io->armed = true;
        return r;
    }

    // A shared ring's completion. Returns whether it reported readiness (or finished an op).
    bool dispatch(io_uring_cqe* cqe) noexcept {
        std::uint64_t data = io_uring_cqe_get_data64(cqe);
        if (data == kWakeToken || data == kIgnoreToken) return false;
        if ((data & 1) != 0) {
            shared_.complete_op(data, cqe);
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

    UringRing shared_;
    std::bitset<256> supported_;  // the opcodes the kernel has (set up once)
    const bool worker_rings_enabled_;
    std::mutex rings_mu_;  // attach_worker's
    std::array<std::atomic<WorkerRing*>, kMaxWorkerRings> worker_rings_{};
    std::atomic<std::size_t> worker_count_{0};
};

void WorkerRing::turn(std::optional<std::chrono::steady_clock::time_point> until) noexcept {
    driver->turn_worker_ring(*this, until);
}

IoDriver* make_uring_driver(IoDriverThreads threads) {
    return new UringDriver(threads);
}

}  // namespace weft::detail
