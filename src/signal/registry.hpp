#pragma once
// Internal: the process-wide signal registry behind weft::signal (see registry.cpp for the
// design, and docs/signal.md).

#include <cstdint>

#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail::signal_registry {

/// One Signal's entry in its signal number's list of listeners.
struct Listener {
    int signum;
    std::uint64_t seen;  // the number's generation at the last completed receive
    Waker waker;         // the task awaiting a receive, or the no-op waker
    Listener* prev = nullptr;
    Listener* next = nullptr;
};

/// Checks `signum` and installs weft's handler for it (once per process); throws
/// std::system_error (EINVAL for a refused number, or the kernel's error).
void install(int signum);
/// A new descriptor (close-on-exec) for the registry's eventfd, for a listener to register
/// with its runtime's driver. Only after install(). Throws std::system_error.
int dup_reader();
/// A listener for `signum` that sees deliveries from now on: the deliveries recorded so far
/// are broadcast to the existing listeners first.
Listener* attach(int signum);
/// Unlinks and frees `l`.
void detach(Listener* l) noexcept;
/// Whether the handler recorded a delivery of `signum` not yet broadcast.
bool pending(int signum) noexcept;
/// Broadcasts every recorded delivery: bumps each delivered number's generation and wakes its
/// listeners.
void dispatch();
/// true (and marks it seen) if `l`'s number was broadcast since `l` last saw it, else Pending
/// with cx's waker stored in `l`.
Poll<bool> poll_listener(Listener* l, Context& cx);
/// Drops the waker stored in `l`.
void forget_waker(Listener* l) noexcept;

}  // namespace weft::detail::signal_registry
