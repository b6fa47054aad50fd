#pragma once
/// \file
/// `Child`: a running child process made by `Command::spawn`, its pipe ends (`ChildStdin`,
/// `ChildStdout`, `ChildStderr`) and its `ExitStatus` (Tokio's `tokio::process::Child`).

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/detail/io/io_source.hpp"
#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
#include "weft/signal/signal.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"
#include "weft/time/sleep.hpp"

namespace weft::process {

/// How a child process ended: the raw wait status of waitpid(2) (Rust's `ExitStatus`).
///
/// ```cpp
/// weft::process::Command cmd("false");
/// weft::process::ExitStatus st = co_await cmd.status();
/// if (!st.success()) std::printf("exit code %d\n", st.code().value_or(-1));
/// ```
class ExitStatus {
  public:
    ExitStatus() noexcept = default;
    /// From a wait status as waitpid(2) reports it.
    explicit ExitStatus(int raw) noexcept : raw_(raw) {}
    /// The exit code, if the process exited (not killed by a signal).
    std::optional<int> code() const noexcept;
    /// The signal that killed the process, if one did.
    std::optional<int> signal() const noexcept;
    /// Exited with code 0.
    bool success() const noexcept { return code() == 0; }
    /// Whether a core was dumped (killed by a signal only).
    bool core_dumped() const noexcept;
    /// The wait status as waitpid(2) reported it.
    int raw() const noexcept { return raw_; }
    friend bool operator==(const ExitStatus&, const ExitStatus&) = default;

  private:
    int raw_ = 0;
};

namespace detail {
// Tests only: makes spawn act as if pidfd_open(2) were missing (ENOSYS), so that the SIGCHLD
// fallback and the orphan reaper's polling are exercised on kernels that have it.
void set_pidfd_disabled_for_testing(bool disabled) noexcept;

// The body of the three pipe ends: the parent's end of a pipe, non-blocking and registered
// with the runtime's I/O driver (an IoSource, as every socket), so both drivers serve it.
class PipeEnd {
  public:
    PipeEnd() noexcept = default;
    PipeEnd(weft::detail::IoSource src, const char* name) noexcept
        : src_(std::move(src)), name_(name) {}
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf);
    // write(2) with SIGPIPE held off: a child that closed its stdin gives EPIPE, thrown.
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf);
    void close() noexcept { src_.reset(); }
    int fd() const noexcept { return src_.fd(); }

  private:
    weft::detail::IoSource src_;
    const char* name_ = "";
};
}  // namespace detail

/// The parent's end of a child's stdin pipe (`Stdio::piped()`): an `io::AsyncWrite`.
/// Dropping it, or `shutdown()`, closes the pipe: the child reads end of file.
class ChildStdin {
  public:
    ChildStdin(ChildStdin&&) noexcept = default;
    ChildStdin& operator=(ChildStdin&&) noexcept = default;

    /// AsyncWrite. A child that closed its end gives `std::errc::broken_pipe` (no SIGPIPE).
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        return pipe_.poll_write(cx, buf);
    }
    /// Nothing is buffered: always ready.
    Poll<void> poll_flush(Context&) noexcept { return Ready; }
    /// Closes the pipe (the child reads end of file); later writes throw.
    Poll<void> poll_shutdown(Context&) noexcept {
        pipe_.close();
        return Ready;
    }
    /// `io::write_all(*this, buf)`. Not cancel safe (an unknown prefix was written).
    auto write_all(std::span<const std::byte> buf) noexcept { return io::write_all(*this, buf); }
    auto write_all(std::string_view text) noexcept { return io::write_all(*this, text); }
    /// The descriptor (still owned by this object; -1 once closed).
    int native_handle() const noexcept { return pipe_.fd(); }

  private:
    friend class Command;
    explicit ChildStdin(detail::PipeEnd p) noexcept : pipe_(std::move(p)) {}
    detail::PipeEnd pipe_;
};

/// The parent's end of a child's stdout or stderr pipe (`Stdio::piped()`): an
/// `io::AsyncRead`; `read` returns 0 once the child (and whoever shares its descriptor) closed
/// it. `Tag` only tells the two types apart.
template <int Tag>
class ChildOutput {
  public:
    ChildOutput(ChildOutput&&) noexcept = default;
    ChildOutput& operator=(ChildOutput&&) noexcept = default;

    /// AsyncRead. Cancel safe.
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return pipe_.poll_read(cx, buf);
    }
    /// `io::read(*this, buf)`. Cancel safe.
    auto read(std::span<std::byte> buf) noexcept { return io::read(*this, buf); }
    auto read(std::span<char> buf) noexcept { return io::read(*this, buf); }
    /// `io::read_to_string(*this, out)`: everything up to end of file.
    auto read_to_string(std::string& out) noexcept { return io::read_to_string(*this, out); }
    /// The descriptor (still owned by this object).
    int native_handle() const noexcept { return pipe_.fd(); }

  private:
    friend class Command;
    explicit ChildOutput(detail::PipeEnd p) noexcept : pipe_(std::move(p)) {}
    detail::PipeEnd pipe_;
};

/// The parent's end of a child's stdout pipe.
using ChildStdout = ChildOutput<1>;
/// The parent's end of a child's stderr pipe.
using ChildStderr = ChildOutput<2>;

class Child;

/// The future of `Child::wait`: the child's `ExitStatus`. It borrows the `Child`; keep the
/// child alive, and in place, while it lives. Cancel safe.
class WaitFuture {
  public:
    using Output = ExitStatus;
    WaitFuture(WaitFuture&& o) noexcept : c_(o.c_), waiting_(std::exchange(o.waiting_, false)) {}
    WaitFuture& operator=(WaitFuture&&) = delete;
    ~WaitFuture();
    Poll<ExitStatus> poll(Context& cx);

  private:
    friend class Child;
    explicit WaitFuture(Child& c) noexcept : c_(&c) {}
    Child* c_;
    bool waiting_ = false;
};

/// A child process: Tokio's `tokio::process::Child`. Made by `Command::spawn`.
///
/// ```cpp
/// weft::process::Command cmd("cat");
/// cmd.stdin(weft::process::Stdio::piped()).stdout(weft::process::Stdio::piped());
/// weft::process::Child child = cmd.spawn();
/// co_await child.stdin->write_all("hello");
/// child.stdin.reset();  // close it: cat sees end of file
/// std::string echoed;
/// co_await child.stdout->read_to_string(echoed);
/// weft::process::ExitStatus st = co_await child.wait();
/// ```
///
/// **Reaping.** The child is waited for through a pidfd registered with the runtime's I/O
/// driver (readable once the child exits), or, where pidfd_open(2) is missing (Linux before
/// 5.3), through `SIGCHLD`. A `Child` dropped before its child was reaped hands the pid to
/// the process-wide orphan reaper (docs/process.md), so no zombie is left whatever the path:
/// with `kill_on_drop(true)` the child is sent `SIGKILL` first; without, it keeps running
/// and is reaped when it exits.
///
/// **Errors** throw `std::system_error` naming the operation. **Threads:** one task uses a
/// `Child` at a time; it belongs to the runtime it was spawned in (its descriptors are
/// registered with that runtime's driver).
class Child {
  public:
    Child(Child&& o) noexcept
        : stdin(std::move(o.stdin)),
          stdout(std::move(o.stdout)),
          stderr(std::move(o.stderr)),
          pid_(std::exchange(o.pid_, -1)),
          status_(o.status_),
          kill_on_drop_(o.kill_on_drop_),
          pidfd_(std::move(o.pidfd_)),
          sigchld_(std::move(o.sigchld_)),
          backstop_(std::move(o.backstop_)) {}
    Child& operator=(Child&& o) noexcept;
    /// Kills the child first if `kill_on_drop(true)` was set; reaps it now if it has exited,
    /// else hands it to the orphan reaper. Never blocks.
    ~Child();

    /// The child's stdin, stdout and stderr pipes, where `Stdio::piped()` asked for them
    /// (take them with `std::move`, or `reset()` to close).
    std::optional<ChildStdin> stdin;
    std::optional<ChildStdout> stdout;
    std::optional<ChildStderr> stderr;

    /// The process id, until the child has been reaped (then `std::nullopt`: the number may
    /// already belong to another process).
    std::optional<pid_t> id() const noexcept {
        if (status_ || pid_ < 0) return std::nullopt;
        return pid_;
    }

    /// Waits for the child to exit and returns its status (at once if it has already been
    /// reaped). Closes `stdin` first, as Tokio does, so that a child reading its stdin to the
    /// end is not waited for forever. Cancel safe.
    WaitFuture wait() noexcept {
        stdin.reset();
        return WaitFuture(*this);
    }
    /// The status if the child has exited (reaping it), else `std::nullopt`. Never blocks.
    std::optional<ExitStatus> try_wait();
    /// Sends `SIGKILL`; does not wait. Nothing happens once the child has been reaped.
    void start_kill();
    /// `start_kill()`, then `wait()`. Cancel safe (the signal is sent at the first poll).
    Task<void> kill();

    /// One look at the child: Ready with its status once it has exited (and is reaped), else
    /// Pending with cx's waker stored.
    Poll<ExitStatus> poll_wait(Context& cx);

  private:
    friend class Command;
    friend class WaitFuture;
    Child() noexcept = default;
    void forget_waker() noexcept;
    void reaped(int raw) noexcept;

    pid_t pid_ = -1;
    std::optional<ExitStatus> status_;
    bool kill_on_drop_ = false;
    weft::detail::IoSource pidfd_;                 // readable once the child exits
    std::optional<weft::signal::Signal> sigchld_;  // the fallback without pidfd
    // The fallback's periodic look; on the heap, as a polled future must not move.
    std::unique_ptr<weft::time::Sleep> backstop_;
};

}  // namespace weft::process
