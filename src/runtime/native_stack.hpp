#pragma once
// Internal: another thread's native stack, taken by a signal to that thread (the stall
// detector's; see native_stack.cpp for the protocol and why it is safe).

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstddef>
#include <vector>

#include "weft/runtime/stall_report.hpp"

namespace weft::detail::native_stack {

/// The most frames taken from a stack.
inline constexpr int kMaxFrames = 48;

/// Installs the handler (once per process) and loads the unwinder. Returns false when the
/// signal is taken by someone else's handler: then `capture` always fails.
bool prepare() noexcept;

/// The signal used (a real-time signal; see native_stack.cpp).
int signal_number() noexcept;

/// Run by the handler on the target thread before it takes the stack; the stack is taken only
/// if it returns true. Must be async-signal-safe (lock-free atomics only).
using Check = bool (*)(void* arg) noexcept;

struct Capture {
    void* frames[kMaxFrames];
    int depth = 0;
};

enum class Outcome {
    Taken,     // the handler ran the check, which said yes, and took the stack into `out`
    Declined,  // the handler ran the check, which said no
    NoAnswer,  // the handler did not run within the timeout (signal blocked or deferred, thread
               // gone, signal not ours, no free request slot)
};

/// Sends the signal: `send(ctx, thread, sig, value)` must queue signal `sig` with `value` to
/// `thread` with pthread_sigqueue if that thread is still alive (a pthread_t of a thread that
/// exited is undefined behaviour: the caller knows how to tell) and return whether it did.
using Send = bool (*)(void* ctx, pthread_t thread, int sig, union sigval value) noexcept;

/// Asks `thread` for its stack through `send` and waits up to `timeout` for its handler to
/// start (then until it is done: it writes into `arg` until then).
Outcome capture(pthread_t thread, Send send, void* send_ctx, Check check, void* arg,
                std::chrono::nanoseconds timeout, Capture& out) noexcept;

/// Symbolises what `capture` took (dladdr and the demangler; not async-signal-safe).
std::vector<runtime::NativeFrame> symbolise(const Capture& c);

}  // namespace weft::detail::native_stack
