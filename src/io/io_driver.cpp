#include "weft/detail/io/io_driver.hpp"

#include <linux/io_uring.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "weft/detail/sync/waiter_list.hpp"

namespace weft::detail {

IoDriver* make_epoll_driver();                         // epoll_driver.cpp
IoDriver* make_uring_driver(IoDriverThreads threads);  // uring_driver.cpp

// ---- ScheduledIo ----

namespace {
constexpr std::uint32_t ready_mask(Direction dir) noexcept {
    switch (dir) {
        case Direction::Read:
            return kReadable | kReadClosed | kIoShutdown;
        case Direction::Write:
            return kWritable | kWriteClosed | kIoShutdown;
        case Direction::Priority:
            // A hang-up ends a priority wait too: the next syscall reports it.
            return kPriority | kReadClosed | kIoShutdown;
    }
    return kIoShutdown;
}
[[noreturn]] void throw_shut_down() {
    throw std::runtime_error(
        "weft: the runtime that owns this I/O resource has shut down (it cannot be used any "
        "more)");
}
}  // namespace

Poll<ReadyEvent> ScheduledIo::poll_ready(Context& cx, Direction dir) {
    arm_if_lazy();
    std::uint32_t cur = readiness_.load(std::memory_order_acquire);
    if ((cur & ready_mask(dir)) == 0) {
        // Store the waker, then look again under the lock: set_readiness ORs in its bits
        // before it takes the lock to collect wakers, so either we see its bits here or it
        // sees our waker. A replaced waker is dropped after the lock (declared before it):
        // its destructor is user code that may come back here.
        Waker old;
        std::lock_guard lock(mu_);
        old = replace_waker(waker_slot(dir), cx.waker());
        cur = readiness_.load(std::memory_order_acquire);
        if ((cur & ready_mask(dir)) == 0) return Pending;
    }
    if (cur & kIoShutdown) throw_shut_down();
    return ReadyEvent{cur >> 16, cur & kBitsMask};
}

ReadyEvent ScheduledIo::snapshot() const {
    arm_if_lazy();
    std::uint32_t cur = readiness_.load(std::memory_order_acquire);
    if (cur & kIoShutdown) throw_shut_down();
    return ReadyEvent{cur >> 16, cur & kBitsMask};
}

void ScheduledIo::clear_readiness(ReadyEvent ev, Direction dir, bool eagain) noexcept {
    std::uint32_t clear = dir == Direction::Read    ? kReadable
                          : dir == Direction::Write ? kWritable
                                                    : kPriority;
    if (eagain && dir != Direction::Priority)
        clear |= dir == Direction::Read ? kReadClosed : kWriteClosed;
    std::uint32_t cur = readiness_.load(std::memory_order_relaxed);
    while ((cur >> 16) == ev.tick && (cur & clear) != 0) {
        if (readiness_.compare_exchange_weak(cur, cur & ~clear, std::memory_order_relaxed)) return;
    }
}

void ScheduledIo::set_readiness(std::uint32_t bits) noexcept {
    // acquire: pairs with register_fd's release store. The kernel hands this pointer from the
    // registering thread to the driver's, which orders the two, but invisibly to
    // ThreadSanitizer; this pair makes the hand-over explicit.
    std::uint32_t cur = readiness_.load(std::memory_order_acquire);
    std::uint32_t next;
    do {
        std::uint32_t tick = ((cur >> 16) + 1) & 0xFFFF;
        next = (tick << 16) | ((cur | bits) & kBitsMask);
        // release: the poller that sees the bits also sees what the kernel reported before.
    } while (!readiness_.compare_exchange_weak(cur, next, std::memory_order_acq_rel));
    Waker r, w, p;
    {
        std::lock_guard lock(mu_);
        if (bits & ready_mask(Direction::Read)) r = std::move(reader_);
        if (bits & ready_mask(Direction::Write)) w = std::move(writer_);
        if (bits & ready_mask(Direction::Priority)) p = std::move(prio_);
    }
    if (!r.is_noop()) std::move(r).wake();
    if (!w.is_noop()) std::move(w).wake();
    if (!p.is_noop()) std::move(p).wake();
}

void ScheduledIo::arm_now() const noexcept {
    auto* self = const_cast<ScheduledIo*>(this);  // (called from the const snapshot too)
    bool failed = false;
    {
        std::lock_guard lock(driver->mu_);
        if (!needs_arm_.load(std::memory_order_relaxed)) return;  // another poll armed it
        if (!owner_dropped && !driver->shut_down_) {
            try {
                driver->add(self);
            } catch (...) {
                failed = true;  // the next syscall meets the error: report readiness
            }
        }
        // release: see arm_if_lazy.
        needs_arm_.store(false, std::memory_order_release);
    }
    if (failed) self->set_readiness(kReadable | kWritable);
}

void ScheduledIo::clear_waker(Direction dir) noexcept {
    Waker old;
    std::lock_guard lock(mu_);
    old = std::move(waker_slot(dir));
}

// ---- IoDriver ----

IoDriver* IoDriver::create(IoDriverKind kind, IoDriverThreads threads) {
    if (kind == IoDriverKind::Auto) {
        if (const char* env = std::getenv("WEFT_IO_DRIVER")) {
            if (std::strcmp(env, "epoll") == 0) kind = IoDriverKind::Epoll;
            if (std::strcmp(env, "uring") == 0) kind = IoDriverKind::Uring;
        }
    }
    // Auto is epoll. io_uring runs stream reads and writes as batched completions, in a ring
    // per worker, which costs less CPU per request than epoll on long-lived connections; but
    // a new connection per request still costs more there than on epoll on several workers,
    // and datagram sockets and accept are still readiness (docs/io.md, benches/README.md).
    switch (kind) {
        case IoDriverKind::Uring:
            return make_uring_driver(threads);
        case IoDriverKind::Epoll:
        case IoDriverKind::Auto:
            break;
    }
    return make_epoll_driver();
}

IoDriver::~IoDriver() {
    // Every owner is gone (each held a reference): what is left only waited for the kernel.
    free_retired();
    while (live_ != nullptr)
        free_io(live_);
}

ScheduledIo* IoDriver::register_fd(int fd, bool lazy) {
    auto* io = new ScheduledIo(this, fd);
    io->readiness_.store(0, std::memory_order_release);  // publishes *io (see set_readiness)
    std::lock_guard lock(mu_);
    if (shut_down_) {
        delete io;
        throw_shut_down();
    }
    if (lazy && arms_lazily()) {
        io->needs_arm_.store(true, std::memory_order_relaxed);  // published by the lock
    } else {
        try {
            add(io);
        } catch (...) {
            delete io;
            throw;
        }
    }
    io->next = live_;
    if (live_ != nullptr) live_->prev = io;
    live_ = io;
    return io;
}

void IoDriver::deregister(ScheduledIo* io) noexcept {
    io->clear_waker(Direction::Read);
    io->clear_waker(Direction::Write);
    io->clear_waker(Direction::Priority);
    std::lock_guard lock(mu_);
    io->owner_dropped = true;
    remove(io);
}

void IoDriver::retire(ScheduledIo* io) noexcept {
    io->next_retired = retired_;
    retired_ = io;
    has_retired_.store(true, std::memory_order_relaxed);
}

void IoDriver::free_retired() noexcept {
    // Every turn calls this; most have nothing to free and skip the lock. (relaxed: a retire
    // missed here is freed at the next turn, which is all the deferral asks.)
    if (!has_retired_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(mu_);
    has_retired_.store(false, std::memory_order_relaxed);
    while (retired_ != nullptr) {
        ScheduledIo* io = retired_;
        retired_ = io->next_retired;
        free_io(io);
    }
}

void IoDriver::free_io(ScheduledIo* io) noexcept {
    // (under mu_, or from the destructor)
    if (io->prev != nullptr) io->prev->next = io->next;
    if (io->next != nullptr) io->next->prev = io->prev;
    if (live_ == io) live_ = io->next;
    delete io;
}

void IoDriver::turn(std::optional<std::chrono::steady_clock::time_point> until) noexcept {
    // Only a non-blocking turn can hold turning_ meanwhile (one thread parks on the driver at
    // a time), and it is short: wait for it.
    while (turning_.exchange(true, std::memory_order_acquire))
        std::this_thread::yield();
    count_ready(wait(until, unparked_.exchange(false, std::memory_order_seq_cst)));
    turning_.store(false, std::memory_order_release);
}

std::size_t IoDriver::poll_nonblocking() noexcept {
    flush_submissions();  // (whoever turns the driver now may be asleep in it)
    std::size_t local = poll_local();
    count_ready(local);
    if (turning_.load(std::memory_order_relaxed) ||
        turning_.exchange(true, std::memory_order_acquire))
        return local;
    std::size_t n = wait(std::nullopt, true);
    count_ready(n);
    turning_.store(false, std::memory_order_release);
    return local + n;
}

void IoDriver::shutdown() noexcept {
    // Marked outside the lock: set_readiness calls wakers. No turn runs any more (the runtime
    // stopped its threads first), so nothing deregistered meanwhile is freed under our feet.
    std::vector<ScheduledIo*> live;
    {
        std::lock_guard lock(mu_);
        shut_down_ = true;
        for (ScheduledIo* io = live_; io != nullptr; io = io->next) {
            if (!io->owner_dropped) live.push_back(io);
        }
    }
    for (ScheduledIo* io : live)
        io->set_readiness(kIoShutdown);
    shutdown_ops();
}

// ---- completion operations ----

namespace {
// relaxed: test switches, set while no runtime uses them.
std::atomic<bool> g_refuse_uring_ops{false};

std::atomic<bool> g_readiness_sockets{false};
// The driver whose SubmitBatch the calling thread holds.
thread_local IoDriver* t_batch = nullptr;
}  // namespace

void refuse_uring_ops_for_testing(bool refuse) noexcept {
    g_refuse_uring_ops.store(refuse, std::memory_order_relaxed);
}

void readiness_sockets_for_testing(bool on) noexcept {
    g_readiness_sockets.store(on, std::memory_order_relaxed);
}

bool IoDriver::supports_op(std::uint8_t opcode) const noexcept {
    return !g_refuse_uring_ops.load(std::memory_order_relaxed) && probe_op(opcode);
}

bool IoDriver::completion_sockets() const noexcept {
    return !g_readiness_sockets.load(std::memory_order_relaxed) && supports_op(IORING_OP_RECV) &&
           supports_op(IORING_OP_SEND);
}

IoDriver::SubmitBatch::SubmitBatch(IoDriver& d) noexcept : prev_(t_batch), d_(d) {
    t_batch = &d;
}

IoDriver::SubmitBatch::~SubmitBatch() {
    t_batch = prev_;
    d_.flush_submissions();
}

bool IoDriver::batching_here() const noexcept {
    return t_batch == this;
}

Poll<std::int32_t> UringOp::poll(Context& cx) {
    if (!done()) {
        Waker old;  // dropped after the lock (see replace_waker)
        std::lock_guard lock(mu_);
        old = replace_waker(waker_, cx.waker());
        if (!done()) {
            if (shut_down_.load(std::memory_order_relaxed)) throw_shut_down();
            return Pending;
        }
    }
    return res_;
}

bool UringOp::on_completion(std::int32_t res, std::uint32_t /*cqe_flags*/) noexcept {
    finish(res);
    return true;
}

void UringOp::finish(std::int32_t res) noexcept {
    res_ = res;
    Waker w;
    {
        std::lock_guard lock(mu_);
        // release: the owner that sees done_ sees res_ and what the kernel wrote.
        done_.store(true, std::memory_order_release);
        w = std::move(waker_);
    }
    if (!w.is_noop()) std::move(w).wake();
}

void UringOp::shut_down() noexcept {
    Waker w;
    {
        std::lock_guard lock(mu_);
        shut_down_.store(true, std::memory_order_relaxed);  // read under mu_ by poll
        w = std::move(waker_);
    }
    if (!w.is_noop()) std::move(w).wake();
}

void UringOp::clear_waker() noexcept {
    Waker old;
    std::lock_guard lock(mu_);
    old = std::move(waker_);
}

namespace uring_op_detail {

IoDriver* hold(IoDriver* d) noexcept {
    d->add_ref();
    return d;
}

int submit(IoDriver* d, UringOp* op, const UringSqe& sqe) noexcept {
    // The kernel's reference, dropped by the driver after the last completion. release: the
    // kernel hands the op to the turning thread, which orders everything written into it so
    // far before its completion, but invisibly to ThreadSanitizer; complete_op's acquire load
    // pairs with this and makes the hand-over explicit (as set_readiness does for ScheduledIo).
    op->refs_.fetch_add(1, std::memory_order_release);
    int r = d->submit_op(op, sqe);
    if (r < 0) op->release();
    return r;
}

int resubmit(IoDriver* d, UringOp* op, const UringSqe& sqe) noexcept {
    return d->resubmit_op(op, sqe);
}

void abandon(IoDriver* d, UringOp* op, bool cancel) noexcept {
    op->clear_waker();  // it must not keep the owner's task alive
    if (cancel && !op->done()) d->cancel_op(op);
    op->release();
    d->release();  // last: the driver's destructor reaps what is still in flight
}

}  // namespace uring_op_detail

}  // namespace weft::detail
