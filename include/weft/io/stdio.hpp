#pragma once
/// \file
/// `io::stdin()`, `io::stdout()`, `io::stderr()`: the process's descriptors 0, 1 and 2 as an
/// `AsyncRead` and two `AsyncWrite`s (Tokio's `tokio::io::stdin` etc.).
///
/// **On the blocking pool, always.** Descriptors 0 to 2 may be regular files or terminals,
/// which epoll refuses (EPERM) and io_uring's poll reports always ready; and making a shared
/// pipe or terminal non-blocking would change it for every other process that holds it (the
/// shell, a parent that reads our output). So, as in Tokio, each operation is a plain
/// read(2) or write(2) on the runtime's blocking pool, one at a time per object: these need a
/// `weft::Runtime` (either flavour); on a `LocalExecutor` they throw `std::logic_error`.
///
/// ```cpp
/// weft::io::Stdout out = weft::io::stdout();
/// co_await out.write_all("hello\n");
/// co_await out.flush();  // writes finish in the background until flushed
/// ```
///
/// **Writes are buffered, as in Tokio:** `write` copies the bytes (up to 2 MiB) and starts
/// writing them on the pool, returning at once; the next operation on the object waits for
/// it, and a failed write is thrown by the next `write` or `flush`. So `flush()` before the
/// object goes, or the last bytes may come out after later output from elsewhere.
///
/// **Cancel safety.** A dropped `read` loses nothing: the bytes its blocking read fetched are
/// kept for the next `read` of the same object. A dropped write still happens. But a read of
/// stdin that never completes (a terminal nobody types into) keeps its pool thread blocked
/// until something arrives, and the runtime waits for it when it shuts down (Tokio's caveat
/// too): read stdin from a task that lives as long as the program, or not at all.
///
/// Separate objects for one descriptor do not share a buffer; use one object per stream.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
#include "weft/task/context.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/task/poll.hpp"

namespace weft::detail {
// One operation run on the blocking pool: its buffer (owned by it while it runs), the bytes
// read or written, and errno.
struct StdioOp {
    std::vector<std::byte> buf;
    std::size_t n = 0;
    int err = 0;
    bool write = false;
};

// The state machine behind all three: idle (buf_[pos_..] is read-ahead) or busy (one read or
// write in flight on the blocking pool, op_ its JoinHandle).
class BlockingStdio {
  public:
    BlockingStdio(int fd, const char* name) noexcept : fd_(fd), name_(name) {}
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf);
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf);
    Poll<void> poll_flush(Context& cx);

  private:
    // Waits for the operation in flight and takes its buffer back; a read's error throws, a
    // write's is thrown by the next write or flush (throw_write_error).
    Poll<void> poll_idle(Context& cx);
    void throw_write_error();
    int fd_;
    const char* name_;
    std::vector<std::byte> buf_;
    std::size_t pos_ = 0;
    JoinHandle<StdioOp> op_;
    bool busy_ = false;
    bool eof_ = false;  // the last read returned 0, not yet reported
    int write_err_ = 0;
};
}  // namespace weft::detail

namespace weft::io {

/// Descriptor 0 as an `AsyncRead`. Made by `io::stdin()`.
class Stdin {
  public:
    /// AsyncRead: a read(2) of up to `buf.size()` bytes (at most 2 MiB) on the blocking pool.
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return s_.poll_read(cx, buf);
    }
    /// `io::read(*this, buf)`. Cancel safe.
    auto read(std::span<std::byte> buf) noexcept { return io::read(*this, buf); }
    auto read(std::span<char> buf) noexcept { return io::read(*this, buf); }
    /// `io::read_to_string(*this, out)`: everything up to end of file.
    auto read_to_string(std::string& out) noexcept { return io::read_to_string(*this, out); }

  private:
    friend Stdin stdin() noexcept;
    Stdin() noexcept : s_(0, "weft::io::Stdin::read") {}
    weft::detail::BlockingStdio s_;
};

/// Descriptor 1 (`Stdout`) or 2 (`Stderr`) as an `AsyncWrite`. Made by `io::stdout()` and
/// `io::stderr()`.
template <int Fd>
class StdWriter {
  public:
    /// AsyncWrite: copies up to 2 MiB of `buf` and writes them on the blocking pool; Ready at
    /// once unless a write is still in flight. Throws an earlier write's error.
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        return s_.poll_write(cx, buf);
    }
    /// Waits for the write in flight; throws its error.
    Poll<void> poll_flush(Context& cx) { return s_.poll_flush(cx); }
    /// Same as `poll_flush` (the descriptor stays open).
    Poll<void> poll_shutdown(Context& cx) { return s_.poll_flush(cx); }
    /// `io::write_all(*this, buf)`. Not cancel safe.
    auto write_all(std::span<const std::byte> buf) noexcept { return io::write_all(*this, buf); }
    auto write_all(std::string_view text) noexcept { return io::write_all(*this, text); }
    /// `io::flush(*this)`.
    auto flush() noexcept { return io::flush(*this); }

  private:
    friend StdWriter<1> stdout() noexcept;
    friend StdWriter<2> stderr() noexcept;
    StdWriter() noexcept
        : s_(Fd, Fd == 1 ? "weft::io::Stdout::write" : "weft::io::Stderr::write") {}
    weft::detail::BlockingStdio s_;
};
using Stdout = StdWriter<1>;
using Stderr = StdWriter<2>;

/// The process's standard input (descriptor 0).
inline Stdin stdin() noexcept {
    return Stdin();
}
/// The process's standard output (descriptor 1).
inline Stdout stdout() noexcept {
    return Stdout();
}
/// The process's standard error (descriptor 2).
inline Stderr stderr() noexcept {
    return Stderr();
}

}  // namespace weft::io
