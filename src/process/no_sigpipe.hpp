#pragma once
// Internal: write(2) to a pipe without SIGPIPE. A write to a pipe whose reader is gone raises
// SIGPIPE, whose default action ends the process; sockets avoid it with MSG_NOSIGNAL, pipes
// have no such flag. So the signal is blocked in this thread around the write, and one the
// write raised (EPIPE) is taken back with sigtimedwait before the mask is restored, unless it
// was already pending before (then it was not ours). The caller sees EPIPE, as Rust and Tokio
// programs do (they ignore SIGPIPE process-wide, which a library must not do).

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <ctime>

namespace weft::detail {

inline ssize_t write_no_sigpipe(int fd, const void* data, std::size_t len) noexcept {
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    bool was_blocked = sigismember(&old, SIGPIPE) == 1;
    bool was_pending = false;
    if (!was_blocked) {
        sigset_t pending;
        sigpending(&pending);
        was_pending = sigismember(&pending, SIGPIPE) == 1;
    }
    ssize_t n = ::write(fd, data, len);
    int err = errno;
    if (n < 0 && err == EPIPE && !was_pending && !was_blocked) {
        timespec zero{};
        while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
        }
    }
    if (!was_blocked) pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = err;
    return n;
}

}  // namespace weft::detail
