#pragma once
/// \file
/// `File`: an open file, read and written from tasks through io_uring requests or the runtime's
/// blocking pool.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "weft/coro/task.hpp"
#include "weft/detail/fs/file_op.hpp"
#include "weft/detail/task/spawner.hpp"
#include "weft/fs/metadata.hpp"
#include "weft/fs/seek_from.hpp"
#include "weft/future/poll_fn.hpp"
#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
#include "weft/task/join_handle.hpp"

namespace weft::fs {

class OpenOptions;

/// An open file: Tokio's `tokio::fs::File`. Opened with `File::open`, `File::create` or
/// `OpenOptions::open`; closed when dropped.
///
/// A read first takes what the page cache holds, inline and straight into your buffer
/// (preadv2 with RWF_NOWAIT, which never waits for a disk). Otherwise every operation is an
/// io_uring request when the runtime's I/O driver is io_uring, and runs on the runtime's
/// blocking pool otherwise (see docs/fs.md), so a `File` needs a `weft::Runtime`, either
/// flavour; awaited on a `LocalExecutor` or under the free `weft::block_on` it throws
/// `std::logic_error`. At most one operation is in flight per file. The file keeps its own
/// buffer for it (up to 2 MiB by default, `set_max_buf_size`), which the operation owns while
/// it runs, so a read that misses the page cache moves the data twice: the kernel into that
/// buffer, then the buffer into yours.
///
/// It is an `io::AsyncRead` and `io::AsyncWrite`: `io::read_to_end`, `io::BufReader` and the
/// other `weft::io` helpers work on it; the common ones are members too.
///
/// ```cpp
/// weft::Task<void> copy_upper(std::filesystem::path from, std::filesystem::path to) {
///     weft::fs::File in = co_await weft::fs::File::open(from);
///     weft::fs::File out = co_await weft::fs::File::create(to);
///     std::byte buf[65536];
///     while (std::size_t n = co_await in.read(std::span(buf))) {
///         co_await out.write_all(std::span(buf, n));
///     }
///     co_await out.flush();  // writes finish in the background until flushed
/// }
/// ```
///
/// **Writes are buffered, as in Tokio.** `write` copies your bytes into the file's buffer,
/// starts writing them on the blocking pool and returns at once; the next operation on the
/// file waits for that write. A failed write is thrown by the *next* `write`, `flush` or
/// `sync_all`. So call `flush()` (or `sync_all()`) before dropping a file you wrote: a file
/// dropped with a write in flight still finishes the write, but nobody sees its error, and
/// another handle that reads the file at once may not see the bytes yet.
///
/// **Cancel safety.** Dropping an operation's future never loses or corrupts anything: the
/// operation goes on in the background, owning its buffer, and the next operation on the file
/// waits for it. A dropped `read` keeps the bytes it fetched in the file's buffer, and the next
/// `read` returns them, so `read` is cancel safe. A dropped `seek` or `set_len` still happens.
/// `read_exact`, `read_to_end` and `write_all` are not cancel safe (see `weft/io/read.hpp`).
///
/// **Errors.** Every failure throws `std::system_error` with the OS error in
/// `std::system_category()` and a `what()` naming the operation and the path, e.g.
/// `weft::fs::File::read /tmp/x: Is a directory`.
///
/// **Threads.** One task uses a file at a time (the futures point into it; do not poll two
/// operations of one `File` at once, or move it while an operation's future is alive). The
/// awaiting task is woken from the blocking-pool thread that ran the operation, or the thread
/// that reaped the io_uring completion, and resumes on the runtime (a worker, or the
/// `block_on` thread).
class File {
  public:
    /// Opens `path` for reading (`OpenOptions().read(true)`).
    ///
    /// ```cpp
    /// weft::fs::File f = co_await weft::fs::File::open("/etc/hostname");
    /// ```
    ///
    /// **Throws** `std::system_error` naming the path, e.g. `std::errc::no_such_file_or_directory`.
    static Task<File> open(std::filesystem::path path);
    /// Opens `path` for writing, creating it, or truncating it if it exists
    /// (`OpenOptions().write(true).create(true).truncate(true)`).
    ///
    /// ```cpp
    /// weft::fs::File f = co_await weft::fs::File::create(dir / "out.txt");
    /// ```
    static Task<File> create(std::filesystem::path path);
    /// Creates `path` for reading and writing; throws `std::errc::file_exists` if it exists
    /// (`OpenOptions().read(true).write(true).create_new(true)`).
    ///
    /// ```cpp
    /// weft::fs::File lock = co_await weft::fs::File::create_new(dir / "lock");
    /// ```
    static Task<File> create_new(std::filesystem::path path);

    File(File&&) noexcept = default;
    File& operator=(File&&) noexcept = default;
    ~File() = default;

    // ---- AsyncRead / AsyncWrite ----

    /// AsyncRead: buffered read-ahead if there is some, otherwise a read(2) of up to
    /// `min(buf.size(), max_buf_size)` bytes on the blocking pool. 0 at end of file.
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf);
    /// AsyncWrite: copies up to `max_buf_size` bytes of `buf` into the file's buffer and starts
    /// writing them on the blocking pool; Ready at once unless an earlier operation is still in
    /// flight. Throws the error of an earlier write that failed.
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf);
    /// Waits for the operation in flight; throws the error of a write that failed.
    Poll<void> poll_flush(Context& cx);
    /// Same as `poll_flush` (a file has no write side to close).
    Poll<void> poll_shutdown(Context& cx) { return poll_flush(cx); }

    // ---- the helpers, as members ----

    /// `io::read(*this, buf)`: up to `buf.size()` bytes, 0 at end of file. Cancel safe.
    ///
    /// ```cpp
    /// std::byte buf[4096];
    /// std::size_t n = co_await file.read(std::span(buf));
    /// ```
    auto read(std::span<std::byte> buf) noexcept { return io::read(*this, buf); }
    auto read(std::span<char> buf) noexcept { return io::read(*this, buf); }
    /// `io::read_exact(*this, buf)`; `io::Errc::unexpected_eof` if the file ends first. Not
    /// cancel safe.
    auto read_exact(std::span<std::byte> buf) noexcept { return io::read_exact(*this, buf); }
    auto read_exact(std::span<char> buf) noexcept { return io::read_exact(*this, buf); }
    /// `io::write(*this, buf)`: accepts some bytes (see above); returns how many.
    ///
    /// ```cpp
    /// std::size_t n = co_await file.write(std::as_bytes(std::span(data)));
    /// ```
    auto write(std::span<const std::byte> buf) noexcept { return io::write(*this, buf); }
    /// `io::write_all(*this, buf)`. Not cancel safe (an unknown prefix was written).
    ///
    /// ```cpp
    /// co_await file.write_all("hello\n");
    /// co_await file.flush();
    /// ```
    auto write_all(std::span<const std::byte> buf) noexcept { return io::write_all(*this, buf); }
    auto write_all(std::string_view text) noexcept { return io::write_all(*this, text); }
    /// `io::flush(*this)`: waits until the writes so far are done, and throws if one failed.
    auto flush() noexcept { return io::flush(*this); }

    /// Moves the file position; its output is the new position from the start. Waits for the
    /// operation in flight first. `SeekFrom::current` counts from the position the reader
    /// sees: read-ahead still in the buffer is dropped and allowed for.
    ///
    /// ```cpp
    /// co_await file.seek(weft::fs::SeekFrom::start(0));  // rewind
    /// ```
    ///
    /// **Throws** `std::system_error` (`EINVAL` for a position before the start).
    /// **Cancel safety:** dropped after it started, the seek still happens.
    auto seek(SeekFrom pos) noexcept {
        return poll_fn([this, pos, started = false](Context& cx) mutable {
            return poll_seek(cx, pos, started);
        });
    }

    /// Flushes (see `flush`), then fsync(2)s data and metadata to the device.
    ///
    /// ```cpp
    /// co_await file.write_all(record);
    /// co_await file.sync_all();  // durable now
    /// ```
    Task<void> sync_all();
    /// Flushes, then fdatasync(2)s: the data, and the metadata needed to read it back.
    ///
    /// ```cpp
    /// co_await file.sync_data();
    /// ```
    Task<void> sync_data();
    /// Truncates or extends the file to `size` bytes (ftruncate(2)); the position is unchanged
    /// (extending fills with zeros). Waits for the operation in flight first. Dropped after it
    /// started, it still happens.
    ///
    /// ```cpp
    /// co_await file.set_len(0);  // empty it
    /// ```
    Task<void> set_len(std::uint64_t size);
    /// The file's metadata (fstat(2)), after the operation in flight is done.
    ///
    /// ```cpp
    /// std::uint64_t size = (co_await file.metadata()).len();
    /// ```
    Task<Metadata> metadata();

    /// Caps the bytes one blocking operation reads or writes (default 2 MiB, Tokio's). Larger
    /// means fewer trips to the pool for large reads and writes, and a larger buffer.
    ///
    /// ```cpp
    /// file.set_max_buf_size(8 << 20);
    /// ```
    void set_max_buf_size(std::size_t n) noexcept { max_buf_size_ = n == 0 ? 1 : n; }
    /// The descriptor (still owned by the file). Using it while an operation is in flight
    /// races with that operation.
    int native_handle() const noexcept { return fd_->fd; }

  private:
    friend class OpenOptions;
    explicit File(std::shared_ptr<weft::detail::FileFd> fd) noexcept : fd_(std::move(fd)) {}

    // Waits for the operation in flight; returns its result with the buffer back in buf_.
    Poll<weft::detail::FileOp> poll_op(Context& cx);
    // Waits for the operation in flight, keeping a write's error for later (Tokio's
    // complete_inflight).
    Poll<void> poll_complete_inflight(Context& cx);
    // Waits for the operation in flight, for poll_write and poll_flush: a write's error
    // throws, any other operation is absorbed.
    Poll<void> poll_inflight_write(Context& cx);
    // Throws the error a background write left (last_write_err_), once.
    void throw_write_error();
    Poll<std::uint64_t> poll_seek(Context& cx, SeekFrom pos, bool& started);
    // Takes in a finished operation that nobody is waiting for by name.
    void absorb(const weft::detail::FileOp& op) noexcept;
    template <class Fn>
    void start(weft::detail::Spawner& s, Fn&& fn);
    // Hands buf_ to an io_uring request of `kind` (a read of `len` bytes, or a write of buf_'s
    // bytes from `done` on) at the file's position; false if none was submitted (buf_ is back).
    bool start_uring(weft::detail::IoDriver& d, weft::detail::FileOp::Kind kind, std::size_t len,
                     std::size_t done = 0);
    Poll<weft::detail::FileOp> poll_uring_op(Context& cx);

    // Tokio's default max_buf_size: large sequential reads need few trips to the pool.
    static constexpr std::size_t kDefaultMaxBufSize = std::size_t{2} << 20;

    std::shared_ptr<weft::detail::FileFd> fd_;
    weft::detail::FileBuf buf_;            // idle: read-ahead; busy: moved into the operation
    JoinHandle<weft::detail::FileOp> op_;  // the operation in flight, while busy_ ...
    weft::detail::UringOpPtr<weft::detail::FileUringOp> uop_;  // ... or this one, on io_uring
    bool busy_ = false;
    int last_write_err_ = 0;  // a background write's errno, thrown by the next write or flush
    std::uint64_t pos_ = 0;   // the position after the last seek (what an idle seek reports)
    std::size_t max_buf_size_ = kDefaultMaxBufSize;
};

}  // namespace weft::fs
