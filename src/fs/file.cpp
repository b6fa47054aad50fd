// weft::fs::File: Tokio's File state machine. A file is idle (its buffer holds read-ahead, or
// nothing) or busy (one operation runs on the blocking pool, owning the buffer, and op_ is its
// JoinHandle). Every poll method first finishes the operation in flight, then starts its own.
// Whoever finishes an operation takes its buffer back; an operation nobody waits for by name
// (a read whose future was dropped, a write) is absorbed: a read's bytes stay buffered for the
// next read, a write's error is kept for the next write or flush.
//
// On io_uring (src/fs/uring.hpp) the operation in flight is a FileUringOp (uop_) instead of a
// JoinHandle: a READ or WRITE at the file's own position (offset -1, so lseek-based seek and
// the pool's operations see the same position), owning the buffer as the pool's closure does.
// poll_op turns its completion into the same FileOp, so the state machine is unchanged. A
// dropped File cancels a read in flight and lets a write finish. Before either path, a read on
// an idle, empty regular file tries preadv2(RWF_NOWAIT) straight into the caller's buffer.
// seek and set_len stay on the pool (rare, and they must not run beside an operation).

#include "weft/fs/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "blocking.hpp"
#include "uring.hpp"
#include "weft/fs/open_options.hpp"

namespace weft::detail {

FileFd::~FileFd() {
    // close(2) inline, not an io_uring CLOSE: the last reference may go on any thread (a
    // blocking-pool thread finishing a closure, after the runtime released its driver), where
    // IoDriver::current() is no driver one may still take a reference to.
    if (fd >= 0) ::close(fd);
}

}  // namespace weft::detail

namespace weft::fs {

namespace {

using weft::detail::FileBuf;
using weft::detail::FileFd;
using weft::detail::FileOp;
using Kind = FileOp::Kind;
using weft::detail::FileUringOp;
using weft::detail::IoDriver;
using weft::detail::UringOpPtr;
using weft::detail::UringSqe;

constexpr const char* kRead = "weft::fs::File::read";
constexpr const char* kWrite = "weft::fs::File::write";
constexpr const char* kSeek = "weft::fs::File::seek";
constexpr const char* kSetLen = "weft::fs::File::set_len";
constexpr const char* kSyncAll = "weft::fs::File::sync_all";
constexpr const char* kSyncData = "weft::fs::File::sync_data";
constexpr const char* kMetadata = "weft::fs::File::metadata";

// The blocking halves. Each runs on a pool thread and owns `buf` for the duration. They report
// errno in the result rather than throwing: the File decides who hears of it (the awaiter, or
// the next write or flush).

FileOp blocking_read(const FileFd& f, FileBuf buf, std::size_t want) {
    ssize_t n;
    do {
        n = ::read(f.fd, buf.data(), want);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;
        buf.clear();
        return FileOp(Kind::Read, std::move(buf), 0, err);
    }
    buf.set_filled(static_cast<std::size_t>(n));
    return FileOp(Kind::Read, std::move(buf), n, 0);
}

// `unread`: read-ahead the File dropped; the kernel's offset is that far ahead of the
// position the user sees, so step back before writing there.
FileOp blocking_write(const FileFd& f, FileBuf buf, std::size_t unread) {
    int err = 0;
    if (unread != 0 && ::lseek(f.fd, -static_cast<off_t>(unread), SEEK_CUR) < 0) err = errno;
    std::size_t done = 0;
    while (err == 0 && done < buf.len()) {
        ssize_t n = ::write(f.fd, buf.data() + done, buf.len() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n == 0) {
            err = EIO;  // no progress and no errno: fail rather than spin (Rust's WriteZero)
        } else if (errno != EINTR) {
            err = errno;
        }
    }
    buf.clear();
    return FileOp(Kind::Write, std::move(buf), static_cast<std::int64_t>(done), err);
}

FileOp blocking_seek(const FileFd& f, FileBuf buf, SeekFrom pos, std::size_t unread) {
    off_t off = pos.offset();
    int whence = SEEK_SET;
    switch (pos.whence()) {
        case SeekFrom::Whence::Start:
            whence = SEEK_SET;
            break;
        case SeekFrom::Whence::Current:
            whence = SEEK_CUR;
            off -= static_cast<off_t>(unread);  // relative to what the user has read
            break;
        case SeekFrom::Whence::End:
            whence = SEEK_END;
            break;
    }
    off_t r = ::lseek(f.fd, off, whence);
    int err = r < 0 ? errno : 0;
    return FileOp(Kind::Seek, std::move(buf), r < 0 ? 0 : r, err);
}

FileOp blocking_set_len(const FileFd& f, FileBuf buf, std::uint64_t size, std::size_t unread) {
    int err = 0;
    if (unread != 0 && ::lseek(f.fd, -static_cast<off_t>(unread), SEEK_CUR) < 0) err = errno;
    if (err == 0) {
        int r;
        do {
            r = ::ftruncate(f.fd, static_cast<off_t>(size));  // above INT64_MAX: EINVAL
        } while (r < 0 && errno == EINTR);
        if (r < 0) err = errno;
    }
    return FileOp(Kind::SetLen, std::move(buf), 0, err);
}

}  // namespace

// ---- opening ----

Task<File> File::open(std::filesystem::path path) {
    return OpenOptions::open_as(OpenOptions().read(true), std::move(path), "weft::fs::File::open");
}

Task<File> File::create(std::filesystem::path path) {
    return OpenOptions::open_as(OpenOptions().write(true).create(true).truncate(true),
                                std::move(path), "weft::fs::File::create");
}

Task<File> File::create_new(std::filesystem::path path) {
    return OpenOptions::open_as(OpenOptions().read(true).write(true).create_new(true),
                                std::move(path), "weft::fs::File::create_new");
}

// ---- the state machine ----

// Hands the buffer and `fn` (FileFd&, FileBuf) -> FileOp to the pool. The caller got `s` from
// blocking_spawner before touching buf_, so a refusal (no runtime) leaves the file as it was.
template <class Fn>
void File::start(weft::detail::Spawner& s, Fn&& fn) {
    op_ = weft::detail::spawn_blocking_on(
        s, [fd = fd_, buf = std::move(buf_), fn = std::forward<Fn>(fn)]() mutable {
            return fn(*fd, std::move(buf));
        });
    busy_ = true;
}

bool File::start_uring(IoDriver& d, Kind kind, std::size_t len, std::size_t done) {
    auto op = UringOpPtr<FileUringOp>::make(d, kind, fd_, std::move(buf_));
    op->done = done;
    UringSqe s;
    s.fd = fd_->fd;
    s.off = ~std::uint64_t{0};  // the file's position, as read(2) and write(2)
    if (kind == Kind::Read) {
        s.opcode = IORING_OP_READ;
        s.addr = reinterpret_cast<std::uint64_t>(op->buf.data());
    } else {
        op.set_cancel_on_drop(false);  // a dropped File still finishes its write
        s.opcode = IORING_OP_WRITE;
        s.addr = reinterpret_cast<std::uint64_t>(op->buf.data() + done);
        len = op->buf.len() - done;
    }
    s.len = static_cast<std::uint32_t>(std::min<std::size_t>(len, std::size_t{1} << 30));
    if (op.submit(s) != 0) {
        buf_ = std::move(op->buf);
        return false;
    }
    uop_ = std::move(op);
    busy_ = true;
    return true;
}

Poll<FileOp> File::poll_uring_op(Context& cx) {
    for (;;) {
        Poll<std::int32_t> p = Pending;
        try {
            p = uop_->poll(cx);
        } catch (...) {
            // The runtime shut down: the op keeps its buffer until the kernel lets go of it.
            busy_ = false;
            uop_.reset();
            buf_ = FileBuf();
            throw;
        }
        if (p.is_pending()) return Pending;
        std::int32_t res = p.value();
        FileUringOp& op = *uop_;
        FileBuf b = std::move(op.buf);
        Kind kind = op.kind;
        std::size_t done = op.done;
        UringOpPtr<FileUringOp> finished = std::move(uop_);
        IoDriver* d = finished.driver();  // held by `finished` while the rest is submitted
        int err = res < 0 ? -res : 0;
        if (kind == Kind::Read) {
            busy_ = false;
            if (err != 0) {
                b.clear();
            } else {
                b.set_filled(static_cast<std::size_t>(res));
            }
            buf_ = std::move(b);
            return FileOp(Kind::Read, FileBuf(), err != 0 ? 0 : res, err);
        }
        if (res == 0) err = EIO;  // no progress and no errno: fail rather than spin
        if (err == 0) done += static_cast<std::size_t>(res);
        bool again = err == EINTR || err == EAGAIN || (err == 0 && done < b.len());
        buf_ = std::move(b);
        if (again && d != nullptr && start_uring(*d, Kind::Write, 0, done)) continue;
        if (again && err == 0) err = EIO;  // could not resubmit the rest (shutting down)
        busy_ = false;
        buf_.clear();
        return FileOp(Kind::Write, FileBuf(), static_cast<std::int64_t>(done), err);
    }
}

Poll<FileOp> File::poll_op(Context& cx) {
    if (uop_) return poll_uring_op(cx);
    Poll<FileOp> p = Pending;
    try {
        p = op_.poll(cx);
    } catch (...) {
        // JoinError: the runtime shut down before the operation ran, and its buffer went with
        // it. The file is idle again, with an empty buffer.
        busy_ = false;
        buf_ = FileBuf();
        throw;
    }
    if (p.is_pending()) return Pending;
    busy_ = false;
    buf_ = std::move(p.value().buf);
    return p;
}

void File::absorb(const FileOp& op) noexcept {
    switch (op.kind) {
        case Kind::Read:  // its bytes (none after an error) stay in buf_ for the next read
            break;
        case Kind::Write:
            if (op.err != 0) last_write_err_ = op.err;
            break;
        case Kind::Seek:
            if (op.err == 0) pos_ = static_cast<std::uint64_t>(op.result);
            break;
        case Kind::SetLen:  // its awaiter was dropped; so is its error, as in Tokio
            break;
    }
}

Poll<void> File::poll_complete_inflight(Context& cx) {
    while (busy_) {
        Poll<FileOp> p = poll_op(cx);
        if (p.is_pending()) return Pending;
        absorb(p.value());
    }
    return Ready;
}

Poll<void> File::poll_inflight_write(Context& cx) {
    Poll<FileOp> p = poll_op(cx);
    if (p.is_pending()) return Pending;
    const FileOp& op = p.value();
    if (op.kind == Kind::Write && op.err != 0) {
        weft::detail::fs_util::throw_path_error(op.err, kWrite, fd_->path);
    }
    absorb(op);
    return Ready;
}

void File::throw_write_error() {
    if (last_write_err_ != 0) {
        weft::detail::fs_util::throw_path_error(std::exchange(last_write_err_, 0), kWrite,
                                                fd_->path);
    }
}

Poll<std::size_t> File::poll_read(Context& cx, std::span<std::byte> dst) {
    for (;;) {
        if (!busy_) {
            if (!buf_.empty()) return buf_.copy_to(dst);
            if (dst.empty()) return std::size_t{0};
            weft::detail::Spawner& s = weft::detail::fs_util::blocking_spawner(kRead);
            std::size_t want = std::min(dst.size(), max_buf_size_);
            if (fd_->regular && fd_->nowait) {  // the page cache, inline, never waiting
                ssize_t n = weft::detail::fs_util::read_nowait(fd_->fd, dst.data(), want, -1);
                if (n >= 0) return static_cast<std::size_t>(n);
                if (errno == EOPNOTSUPP) fd_->nowait = false;  // this file system cannot say
            }
            buf_.prepare(want);
            IoDriver* d = weft::detail::fs_util::uring_for(IORING_OP_READ);
            if (d == nullptr || !start_uring(*d, Kind::Read, want)) {
                start(s, [want](const FileFd& f, FileBuf b) {
                    return blocking_read(f, std::move(b), want);
                });
            }
        }
        Poll<FileOp> p = poll_op(cx);
        if (p.is_pending()) return Pending;
        const FileOp& op = p.value();
        if (op.kind == Kind::Read) {
            if (op.err != 0) weft::detail::fs_util::throw_path_error(op.err, kRead, fd_->path);
            return buf_.copy_to(dst);  // 0: end of file
        }
        absorb(op);
    }
}

Poll<std::size_t> File::poll_write(Context& cx, std::span<const std::byte> src) {
    throw_write_error();
    for (;;) {
        if (!busy_) {
            if (src.empty()) return std::size_t{0};
            weft::detail::Spawner& s = weft::detail::fs_util::blocking_spawner(kWrite);
            std::size_t unread = buf_.discard_read();
            std::size_t n = buf_.copy_from(src, max_buf_size_);
            if (IoDriver* d = weft::detail::fs_util::uring_for(IORING_OP_WRITE)) {
                // Step back over the dropped read-ahead first (lseek: no disk access).
                if (unread != 0 && ::lseek(fd_->fd, -static_cast<off_t>(unread), SEEK_CUR) < 0) {
                    buf_.clear();
                    weft::detail::fs_util::throw_path_error(errno, kWrite, fd_->path);
                }
                unread = 0;
                if (start_uring(*d, Kind::Write, 0)) return n;
            }
            start(s, [unread](const FileFd& f, FileBuf b) {
                return blocking_write(f, std::move(b), unread);
            });
            return n;  // accepted; written in the background
        }
        if (poll_inflight_write(cx).is_pending()) return Pending;
    }
}

Poll<void> File::poll_flush(Context& cx) {
    throw_write_error();
    while (busy_) {
        if (poll_inflight_write(cx).is_pending()) return Pending;
    }
    return Ready;
}

Poll<std::uint64_t> File::poll_seek(Context& cx, SeekFrom pos, bool& started) {
    if (!started) {
        if (poll_complete_inflight(cx).is_pending()) return Pending;
        weft::detail::Spawner& s = weft::detail::fs_util::blocking_spawner(kSeek);
        std::size_t unread = buf_.discard_read();
        start(s, [pos, unread](const FileFd& f, FileBuf b) {
            return blocking_seek(f, std::move(b), pos, unread);
        });
        started = true;
    }
    while (busy_) {
        Poll<FileOp> p = poll_op(cx);
        if (p.is_pending()) return Pending;
        const FileOp& op = p.value();
        if (op.kind == Kind::Seek) {
            if (op.err != 0) weft::detail::fs_util::throw_path_error(op.err, kSeek, fd_->path);
            pos_ = static_cast<std::uint64_t>(op.result);
            return pos_;
        }
        absorb(op);
    }
    return pos_;  // only if someone else finished our seek (two tasks on one file)
}

// ---- the other operations ----

// (In the coroutines below every future is a named local before it is awaited: GCC 12 destroys
// a capturing lambda temporary inside a co_await expression twice when the expression throws.)

Task<void> File::set_len(std::uint64_t size) {
    auto inflight = poll_fn([this](Context& cx) { return poll_complete_inflight(cx); });
    co_await inflight;
    // Through the state machine, not a side call: a set_len that steps the offset back must
    // not run beside another operation on this file, even when its awaiter is dropped.
    weft::detail::Spawner& s = weft::detail::fs_util::blocking_spawner(kSetLen);
    std::size_t unread = buf_.discard_read();
    start(s, [size, unread](const FileFd& f, FileBuf b) {
        return blocking_set_len(f, std::move(b), size, unread);
    });
    auto done = poll_fn([this](Context& cx) { return poll_op(cx); });
    FileOp op = co_await done;
    if (op.kind != Kind::SetLen) {
        absorb(op);  // only if two tasks use the file at once
    } else if (op.err != 0) {
        weft::detail::fs_util::throw_path_error(op.err, kSetLen, fd_->path);
    }
}

namespace {
// fsync(2) or fdatasync(2) of `fd` on the blocking pool.
JoinHandle<void> sync_on_pool(std::shared_ptr<FileFd> fd, bool data_only) {
    const char* what = data_only ? kSyncData : kSyncAll;
    return weft::detail::fs_util::run_blocking(what, [fd = std::move(fd), data_only, what] {
        int r;
        do {
            r = data_only ? ::fdatasync(fd->fd) : ::fsync(fd->fd);
        } while (r < 0 && errno == EINTR);
        if (r < 0) weft::detail::fs_util::throw_path_error(errno, what, fd->path);
    });
}

// fsync(2) or fdatasync(2) of `fd` as an io_uring request; false if none could be submitted.
Task<bool> sync_on_ring(std::shared_ptr<FileFd> fd, bool data_only) {
    IoDriver* d = weft::detail::fs_util::uring_for(IORING_OP_FSYNC);
    if (d == nullptr) co_return false;
    auto op = UringOpPtr<weft::detail::fs_util::PlainOp>::make(*d, fd);
    UringSqe s;
    s.opcode = IORING_OP_FSYNC;
    s.fd = fd->fd;
    s.op_flags = data_only ? IORING_FSYNC_DATASYNC : 0u;
    if (op.submit(s) != 0) co_return false;
    auto waiting = weft::detail::fs_util::await_op(op);
    int r = co_await waiting;
    if (r < 0)
        weft::detail::fs_util::throw_path_error(-r, data_only ? kSyncData : kSyncAll, fd->path);
    co_return true;
}
}  // namespace

Task<void> File::sync_all() {
    co_await flush();
    auto ring = sync_on_ring(fd_, false);
    if (co_await ring) co_return;
    auto syncing = sync_on_pool(fd_, false);
    co_await syncing;
}

Task<void> File::sync_data() {
    co_await flush();
    auto ring = sync_on_ring(fd_, true);
    if (co_await ring) co_return;
    auto syncing = sync_on_pool(fd_, true);
    co_await syncing;
}

Task<Metadata> File::metadata() {
    auto inflight = poll_fn([this](Context& cx) { return poll_complete_inflight(cx); });
    co_await inflight;
    if (IoDriver* d = weft::detail::fs_util::uring_for(IORING_OP_STATX)) {
        auto op = UringOpPtr<weft::detail::fs_util::PlainOp>::make(*d, fd_);
        UringSqe s;
        s.opcode = IORING_OP_STATX;
        s.fd = fd_->fd;
        s.addr = reinterpret_cast<std::uint64_t>("");  // the descriptor itself (AT_EMPTY_PATH)
        s.len = STATX_BASIC_STATS;
        s.off = reinterpret_cast<std::uint64_t>(&op->sx);
        s.op_flags = AT_EMPTY_PATH;
        if (op.submit(s) == 0) {
            auto waiting = weft::detail::fs_util::await_op(op);
            int r = co_await waiting;
            if (r < 0) weft::detail::fs_util::throw_path_error(-r, kMetadata, fd_->path);
            co_return Metadata(weft::detail::fs_util::stat_from_statx(op->sx));
        }
    }
    auto statting = weft::detail::fs_util::run_blocking(kMetadata, [fd = fd_] {
        struct stat st;
        if (::fstat(fd->fd, &st) != 0)
            weft::detail::fs_util::throw_path_error(errno, kMetadata, fd->path);
        return Metadata(st);
    });
    co_return co_await statting;
}

}  // namespace weft::fs
