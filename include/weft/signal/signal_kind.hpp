#pragma once
/// \file
/// `SignalKind`: which Unix signal a `weft::signal::Signal` listens for.

#include <signal.h>

namespace weft::signal {

/// A Unix signal number, with named constructors for the common ones: Tokio's
/// `tokio::signal::unix::SignalKind`.
///
/// Any number can be made with `from_raw`; whether it may be listened for is checked by
/// `weft::signal::signal`, which refuses the signals a handler cannot sensibly catch (see
/// there).
///
/// ```cpp
/// auto term = weft::signal::signal(weft::signal::SignalKind::terminate());
/// auto rt_signal = weft::signal::SignalKind::from_raw(SIGRTMIN + 1);
/// ```
///
/// (weft has no `signal::unix` namespace as Tokio does: `unix` is a predefined macro in
/// GCC's and Clang's GNU modes, the default `-std=gnu++20`, so the name cannot be used.)
class SignalKind {
  public:
    /// Any signal number (not checked here).
    static constexpr SignalKind from_raw(int signum) noexcept { return SignalKind(signum); }
    /// The number, for `kill(2)` and friends.
    constexpr int as_raw() const noexcept { return signum_; }

    /// `SIGINT`: the terminal's interrupt key (Ctrl-C). `weft::signal::ctrl_c()` listens for it.
    static constexpr SignalKind interrupt() noexcept { return SignalKind(SIGINT); }
    /// `SIGTERM`: the polite request to terminate (what `kill PID`, systemd and Docker send).
    static constexpr SignalKind terminate() noexcept { return SignalKind(SIGTERM); }
    /// `SIGHUP`: the terminal went away; daemons often take it as "reload the configuration".
    static constexpr SignalKind hangup() noexcept { return SignalKind(SIGHUP); }
    /// `SIGQUIT`: the terminal's quit key (Ctrl-\).
    static constexpr SignalKind quit() noexcept { return SignalKind(SIGQUIT); }
    /// `SIGUSR1`: free for the application's own use.
    static constexpr SignalKind user_defined1() noexcept { return SignalKind(SIGUSR1); }
    /// `SIGUSR2`: free for the application's own use.
    static constexpr SignalKind user_defined2() noexcept { return SignalKind(SIGUSR2); }
    /// `SIGALRM`: a timer set with `alarm(2)` or `setitimer(2)` expired.
    static constexpr SignalKind alarm() noexcept { return SignalKind(SIGALRM); }
    /// `SIGCHLD`: a child process stopped or terminated.
    static constexpr SignalKind child() noexcept { return SignalKind(SIGCHLD); }
    /// `SIGIO`: I/O is possible on a descriptor set up with `O_ASYNC`.
    static constexpr SignalKind io() noexcept { return SignalKind(SIGIO); }
    /// `SIGPIPE`: a write to a pipe or socket with no reader (weft's own sockets never raise it).
    static constexpr SignalKind pipe() noexcept { return SignalKind(SIGPIPE); }
    /// `SIGWINCH`: the terminal's window size changed.
    static constexpr SignalKind window_change() noexcept { return SignalKind(SIGWINCH); }

    friend constexpr bool operator==(SignalKind, SignalKind) noexcept = default;

  private:
    explicit constexpr SignalKind(int signum) noexcept : signum_(signum) {}
    int signum_;
};

}  // namespace weft::signal
