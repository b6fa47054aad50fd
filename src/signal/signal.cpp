#include "weft/signal/signal.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <system_error>

#include "registry.hpp"

#include "weft/signal/ctrl_c.hpp"

namespace weft::signal {

namespace ds = weft::detail::signal_registry;
using weft::detail::Direction;
using weft::detail::ReadyEvent;

Signal signal(SignalKind kind) {
    int sig = kind.as_raw();
    // The runtime first: a call that cannot listen must not change the disposition.
    weft::detail::IoDriver::current_or_throw("weft::signal::signal");
    ds::install(sig);
    weft::detail::IoSource src(ds::dup_reader(), "weft::signal::signal");
    return Signal(kind, std::move(src), ds::attach(sig));
}

Signal& Signal::operator=(Signal&& o) noexcept {
    if (this != &o) {
        if (node_ != nullptr) ds::detach(node_);
        kind_ = o.kind_;
        src_ = std::move(o.src_);
        node_ = std::exchange(o.node_, nullptr);
        closed_ = o.closed_;
    }
    return *this;
}

Signal::~Signal() {
    if (node_ != nullptr) ds::detach(node_);
}

bool Signal::drive(Context& cx) {
    bool delivered = ds::pending(kind_.as_raw());
    for (;;) {
        Poll<ReadyEvent> r = Pending;
        try {
            r = src_.poll_ready(cx, Direction::Read);
        } catch (const std::system_error&) {
            throw;
        } catch (const std::runtime_error&) {
            return true;  // ScheduledIo's "the runtime has shut down"
        }
        if (r.is_pending()) break;
        std::uint64_t count;
        ssize_t n = ::read(src_.fd(), &count, sizeof count);
        if (n < 0 && errno == EINTR) continue;
        // A read resets the eventfd to 0, so either way it is empty now; a write after the
        // read reports again with a new tick, which the clear leaves alone.
        src_.clear_readiness(r.value(), Direction::Read, n < 0);
        if (n > 0) delivered = true;
    }
    // Another listener may have read the eventfd first and broadcast already; dispatch()
    // then finds no flag and does nothing.
    if (delivered) ds::dispatch();
    return false;
}

Poll<bool> Signal::poll_recv(Context& cx) {
    if (closed_) return false;
    if (drive(cx)) {
        closed_ = true;
        forget_waker();
        return false;
    }
    return ds::poll_listener(node_, cx);
}

void Signal::forget_waker() noexcept {
    ds::forget_waker(node_);
    src_.clear_waker(Direction::Read);
}

RecvFuture::~RecvFuture() {
    if (waiting_) s_->forget_waker();
}

Poll<bool> RecvFuture::poll(Context& cx) {
    Poll<bool> p = s_->poll_recv(cx);
    waiting_ = p.is_pending();
    return p;
}

// ---- ctrl_c ----

CtrlC ctrl_c() {
    return CtrlC(signal(SignalKind::interrupt()));
}

Poll<void> CtrlC::poll(Context& cx) {
    Poll<bool> p = sig_.poll_recv(cx);
    if (p.is_pending()) return Pending;
    if (!p.value())
        throw std::runtime_error(
            "weft::signal::ctrl_c: the runtime it was created in has shut down");
    return Ready;
}

}  // namespace weft::signal
