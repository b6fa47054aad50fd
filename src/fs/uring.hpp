#pragma once
// Internal: weft::fs on the io_uring driver's completion operations (UringOp, uring_op.hpp),
// and the page-cache fast paths that every driver takes first.
//
// Which path. An operation runs as an io_uring request when the current runtime's driver is
// io_uring and its probe lists the opcode (uring_for); otherwise on the blocking pool, as
// before. Before either, where the kernel can say "not without waiting" instead of waiting,
// the call is tried inline on the calling worker: preadv2(RWF_NOWAIT) reads only what the page
// cache holds, and openat2(RESOLVE_CACHED) opens only when the path resolves from the dentry
// cache (and never with O_CREAT or O_TRUNC, which may wait for the disk). Both fail with
// EAGAIN rather than block, so a worker never waits for a disk; a miss costs one syscall (a
// microsecond or so) before the slow path.
//
// Ownership. Each op owns what the kernel touches: the path string of an openat or statx, the
// statx result, the buffer of a read or write (and the descriptor, through a FileFd), until the
// last completion (see uring_op.hpp), so a future dropped at any point leaves the kernel
// writing only into memory that is still the op's.

#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/detail/fs/file_op.hpp"
#include "weft/detail/io/io_driver.hpp"
#include "weft/future/poll_fn.hpp"

namespace weft::detail::fs_util {

// The current runtime's driver if it runs `opcode` as a completion; else null.
inline IoDriver* uring_for(std::uint8_t opcode) noexcept {
    IoDriver* d = IoDriver::current();
    return d != nullptr && d->supports_op(opcode) ? d : nullptr;
}

// preadv2(fd, buf, n, off, RWF_NOWAIT): what the page cache holds, never waiting for a disk.
// >= 0: bytes read (0: end of file); -1 with errno (EAGAIN: not cached; EOPNOTSUPP: this file
// system cannot say).
ssize_t read_nowait(int fd, void* buf, std::size_t n, off_t off) noexcept;
// openat2(path, flags | O_CLOEXEC | O_NONBLOCK, RESOLVE_CACHED): the descriptor, of whatever
// type (the caller checks; O_NONBLOCK stays), or -1 with errno (EAGAIN: the lookup needs the
// disk, or flags that may wait; ENOSYS, EINVAL: a kernel without it).
int open_cached_any(const std::filesystem::path& p, int flags, unsigned mode) noexcept;
// open_cached_any of a regular file, its O_NONBLOCK cleared unless `flags` has it; anything
// else is closed again, and -1 with EAGAIN.
int open_cached(const std::filesystem::path& p, int flags, unsigned mode) noexcept;
// Whether `fd` is a regular file (fstat: no disk access for an open descriptor).
bool is_regular(int fd) noexcept;
// A statx result as the struct stat that Metadata keeps.
struct stat stat_from_statx(const struct statx& sx) noexcept;

// An op owning a path (openat, statx) and statx's result.
struct PathOp final : UringOp {
    explicit PathOp(std::string p) : path(std::move(p)) {}
    std::string path;
    struct statx sx {};
};

// An openat's op: owns the path; closes what it opened if nobody took it (a dropped open).
struct OpenOp final : UringOp {
    explicit OpenOp(std::string p) : path(std::move(p)) {}
    ~OpenOp() override;
    std::string path;
    bool taken = false;  // the owner has the descriptor
};

// An op owning a byte vector (fs::read / fs::write's contents).
struct BytesOp final : UringOp {
    explicit BytesOp(std::vector<std::byte> d) noexcept : data(std::move(d)) {}
    std::vector<std::byte> data;
};

// An op for a File's descriptor (fsync, statx: the FileFd keeps the descriptor open).
struct PlainOp final : UringOp {
    explicit PlainOp(std::shared_ptr<FileFd> f = nullptr) noexcept : fd(std::move(f)) {}
    std::shared_ptr<FileFd> fd;
    struct statx sx {};
};

// Submits `op` and waits for its result (>= 0, or -errno). `op` stays the caller's: dropped
// unfinished, it is cancelled (or not: set_cancel_on_drop) and freed at its last completion.
template <class Op>
auto await_op(UringOpPtr<Op>& op) {
    return weft::poll_fn([&op](Context& cx) { return op->poll(cx); });
}

// Whether a failed open_cached should go the slow way (see fs.cpp); else errno is the answer.
bool cached_open_missed(int err) noexcept;
// openat(path, flags | O_CLOEXEC, mode) as an io_uring request on `d`; throws naming `what`.
Task<int> open_on_ring(IoDriver& d, std::filesystem::path p, int flags, unsigned mode,
                       const char* what);
// read_at's offset for "the file's own position" (-1 to io_uring; read(2) on the pool).
inline constexpr std::uint64_t kAtPosition = ~std::uint64_t{0};
// Up to n bytes at `off` (or kAtPosition) into dst, off the worker (for a read that read_nowait
// could not do): an io_uring READ (into the op's buffer, then copied), else a pread (read) on
// the pool. Throws naming `what` and the path.
Task<std::size_t> read_at(std::shared_ptr<FileFd> fd, std::byte* dst, std::size_t n,
                          std::uint64_t off, const char* what);

}  // namespace weft::detail::fs_util
