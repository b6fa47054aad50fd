// weft::fs's free functions. fs::read, read_to_string, write and metadata first try the
// page-cache fast path or io_uring requests (uring.hpp; fs::read below); otherwise, and for the
// rest, each is one trip to the blocking pool: the whole job (open, read, close; mkdir; stat …)
// runs in one closure on one blocking thread, as Tokio's asyncify does.
// Paths are moved into the closure and data is owned by it, so a dropped future leaves nothing
// that the blocking thread could touch after it is freed. Every JoinHandle is a named local
// before it is awaited: GCC 12 destroys a capturing lambda temporary inside a co_await
// expression twice when the expression throws (spawn_blocking's "needs a runtime" did).

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "blocking.hpp"
#include "uring.hpp"
#include "weft/fs/dir.hpp"
#include "weft/fs/metadata.hpp"
#include "weft/fs/path_ops.hpp"
#include "weft/fs/read.hpp"
#include "weft/fs/write.hpp"
#include "weft/task/spawn.hpp"

// ---- shared helpers ----

namespace weft::detail::fs_util {

using weft::detail::FileBuf;
using weft::detail::FileFd;
using weft::detail::FileOp;
using weft::detail::FileUringOp;
using weft::detail::IoDriver;
using weft::detail::UringOpPtr;
using weft::detail::UringSqe;

UniqueFd::~UniqueFd() {
    reset();
}

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

UniqueFd open_or_throw(const std::filesystem::path& p, int flags, unsigned mode, const char* what) {
    int fd;
    do {
        fd = ::open(p.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) throw_path_error(errno, what, p);
    return UniqueFd(fd);
}

namespace {
// relaxed: a test switch, set while no runtime uses it.
std::atomic<bool> g_skip_fast_paths{false};
}  // namespace

ssize_t read_nowait(int fd, void* buf, std::size_t n, off_t off) noexcept {
    if (g_skip_fast_paths.load(std::memory_order_relaxed)) {
        errno = EAGAIN;
        return -1;
    }
    iovec iov{buf, n};
    ssize_t r;
    do {
        r = ::preadv2(fd, &iov, 1, off, RWF_NOWAIT);
    } while (r < 0 && errno == EINTR);
    return r;
}

int open_cached_any(const std::filesystem::path& p, int flags, unsigned mode) noexcept {
    if (g_skip_fast_paths.load(std::memory_order_relaxed)) {
        errno = EAGAIN;
        return -1;
    }
    // O_NONBLOCK too, as io_uring's own inline openat does: the open of a FIFO or a device may
    // wait (for the other end, for the hardware) however the path resolved.
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NONBLOCK);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
    how.resolve = RESOLVE_CACHED;
    long r;
    do {
        r = ::syscall(SYS_openat2, AT_FDCWD, p.c_str(), &how, sizeof how);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == ENXIO || errno == EWOULDBLOCK) errno = EAGAIN;  // a FIFO with no reader
        return -1;
    }
    return static_cast<int>(r);
}

int open_cached(const std::filesystem::path& p, int flags, unsigned mode) noexcept {
    int fd = open_cached_any(p, flags, mode);
    if (fd < 0) return -1;
    // Only a regular file is kept, its O_NONBLOCK cleared (it changes nothing for a regular
    // file's reads, but fcntl would show it); anything else is closed again and reported as
    // EAGAIN, for the slow path to open properly.
    if (!is_regular(fd)) {
        ::close(fd);
        errno = EAGAIN;
        return -1;
    }
    if ((flags & O_NONBLOCK) == 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK & ~O_ACCMODE);
    return fd;
}

bool is_regular(int fd) noexcept {
    struct stat st;
    return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

OpenOp::~OpenOp() {
    if (done() && result() >= 0 && !taken) ::close(result());
}

struct stat stat_from_statx(const struct statx& sx) noexcept {
    struct stat st {};
    st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    st.st_ino = sx.stx_ino;
    st.st_mode = sx.stx_mode;
    st.st_nlink = sx.stx_nlink;
    st.st_uid = sx.stx_uid;
    st.st_gid = sx.stx_gid;
    st.st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
    st.st_size = static_cast<off_t>(sx.stx_size);
    st.st_blksize = static_cast<blksize_t>(sx.stx_blksize);
    st.st_blocks = static_cast<blkcnt_t>(sx.stx_blocks);
    st.st_atim.tv_sec = sx.stx_atime.tv_sec;
    st.st_atim.tv_nsec = sx.stx_atime.tv_nsec;
    st.st_mtim.tv_sec = sx.stx_mtime.tv_sec;
    st.st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
    st.st_ctim.tv_sec = sx.stx_ctime.tv_sec;
    st.st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
    return st;
}

bool cached_open_missed(int err) noexcept {
    // EAGAIN: not in the dentry cache (or flags that may wait); ENOSYS, EINVAL, E2BIG, EPERM:
    // a kernel (or seccomp policy) without openat2 or RESOLVE_CACHED. Anything else is the
    // open's real answer (a cached negative entry is a real ENOENT).
    return err == EAGAIN || err == ENOSYS || err == EINVAL || err == E2BIG || err == EPERM;
}

Task<int> open_on_ring(IoDriver& d, std::filesystem::path p, int flags, unsigned mode,
                       const char* what) {
    auto op = UringOpPtr<OpenOp>::make(d, p.native());
    UringSqe s;
    s.opcode = IORING_OP_OPENAT;
    s.fd = AT_FDCWD;
    s.addr = reinterpret_cast<std::uint64_t>(op->path.c_str());
    s.len = mode;
    s.op_flags = static_cast<std::uint32_t>(flags | O_CLOEXEC);
    if (int r = op.submit(s); r < 0) throw_path_error(-r, what, p);
    auto waiting = await_op(op);
    int r = co_await waiting;
    if (r < 0) throw_path_error(-r, what, p);
    op->taken = true;
    co_return r;
}

Task<std::size_t> read_at(std::shared_ptr<FileFd> fd, std::byte* dst, std::size_t n,
                          std::uint64_t off, const char* what) {
    n = std::min<std::size_t>(n, std::size_t{1} << 30);
    if (IoDriver* d = uring_for(IORING_OP_READ)) {
        FileBuf b;
        b.prepare(n);
        auto op = UringOpPtr<FileUringOp>::make(*d, FileOp::Kind::Read, fd, std::move(b));
        UringSqe s;
        s.opcode = IORING_OP_READ;
        s.fd = fd->fd;
        s.addr = reinterpret_cast<std::uint64_t>(op->buf.data());
        s.len = static_cast<std::uint32_t>(n);
        s.off = off;
        if (op.submit(s) == 0) {
            auto waiting = await_op(op);
            int r = co_await waiting;
            if (r < 0) throw_path_error(-r, what, fd->path);
            std::memcpy(dst, op->buf.data(), static_cast<std::size_t>(r));
            co_return static_cast<std::size_t>(r);
        }
    }
    // The pool, into a buffer of its own (a dropped caller frees `dst`).
    auto reading = run_blocking(what, [fd, n, off, what] {
        std::vector<std::byte> tmp(n);
        ssize_t r;
        do {
            r = off == kAtPosition ? ::read(fd->fd, tmp.data(), n)
                                   : ::pread(fd->fd, tmp.data(), n, static_cast<off_t>(off));
        } while (r < 0 && errno == EINTR);
        if (r < 0) throw_path_error(errno, what, fd->path);
        tmp.resize(static_cast<std::size_t>(r));
        return tmp;
    });
    std::vector<std::byte> got_bytes = co_await reading;
    std::memcpy(dst, got_bytes.data(), got_bytes.size());
    co_return got_bytes.size();
}

}  // namespace weft::detail::fs_util

namespace weft::detail {
void skip_fs_fast_paths_for_testing(bool skip) noexcept {
    fs_util::g_skip_fast_paths.store(skip, std::memory_order_relaxed);
}
bool fs_fast_paths_skipped() noexcept {
    return fs_util::g_skip_fast_paths.load(std::memory_order_relaxed);
}
}  // namespace weft::detail

namespace weft::fs {

namespace {

using weft::detail::UringOpPtr;
using weft::detail::UringSqe;
using weft::detail::fs_util::run_blocking;
using weft::detail::fs_util::throw_path_error;
using weft::detail::fs_util::UniqueFd;

// read(2) retried on EINTR; -1 with errno on failure.
ssize_t read_some(int fd, void* buf, std::size_t n) {
    ssize_t r;
    do {
        r = ::read(fd, buf, n);
    } while (r < 0 && errno == EINTR);
    return r;
}

// The whole-file read, as a state object that does no I/O, so that the blocking pool's loop
// (read_whole) and the coroutine (read_file) drive the same logic with their own reads. The
// buffer is sized from fstat, so one read usually does it; when it is full, a 32-byte probe read
// confirms the end instead of doubling the buffer (as Rust's read_to_end does). A probe that
// finds more (a file that grew since fstat, a /proc file whose size says 0) grows the buffer by
// at least 8 KiB, and reading goes on to the end of the file. A read that returns 0 before the
// buffer is full (a file that shrank) ends it too.
//
//     WholeFileReader<C> whole(size_hint(st));
//     do { span next = whole.next_read(); n = <read next.size() bytes at whole.offset()>; }
//     while (!whole.advance(n));
//     C out = std::move(whole).take();
template <class Container>
class WholeFileReader {
  public:
    // Sized from fstat (0 where it has no size: read to the end all the same).
    explicit WholeFileReader(std::size_t size_hint) { out_.resize(size_hint); }
    // `head` holds the file's first bytes, read already; what follows is unknown, so the next
    // read is the probe.
    explicit WholeFileReader(Container head) noexcept : out_(std::move(head)), len_(out_.size()) {}

    // Where the next read goes: the rest of the buffer, or the probe when the buffer is full.
    std::span<std::byte> next_read() noexcept {
        if (len_ == out_.size()) return std::span(probe_);
        return std::span(reinterpret_cast<std::byte*>(out_.data()) + len_, out_.size() - len_);
    }
    // The file offset that read starts at (the bytes read so far).
    std::uint64_t offset() const noexcept { return len_; }
    // The read from next_read() returned `n` bytes (0: end of file). True when the file is read.
    bool advance(std::size_t n) {
        if (n == 0) return true;
        if (len_ == out_.size()) {  // the probe found more: grow, and read on
            out_.resize(std::max<std::size_t>(out_.size() * 2, out_.size() + 8192));
            std::memcpy(out_.data() + len_, probe_, n);
        }
        len_ += n;
        return false;
    }
    // The contents, once advance() has said so.
    Container take() && {
        out_.resize(len_);
        return std::move(out_);
    }

  private:
    Container out_;
    std::size_t len_ = 0;  // bytes read, at the front of out_
    std::byte probe_[32];
};

// What fstat says a file holds: its size if it is a regular file, else 0 (read to the end all
// the same).
std::size_t size_hint(const struct stat& st) noexcept {
    return S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0;
}

// The whole file on a blocking thread: open, fstat, read(2) as WholeFileReader says, close.
template <class Container>
Container read_whole(const std::filesystem::path& p, const char* what) {
    UniqueFd fd = weft::detail::fs_util::open_or_throw(p, O_RDONLY, 0, what);
    struct stat st;
    WholeFileReader<Container> whole(::fstat(fd.get(), &st) == 0 ? size_hint(st) : 0);
    for (;;) {
        std::span<std::byte> next = whole.next_read();
        ssize_t n = read_some(fd.get(), next.data(), next.size());
        if (n < 0) throw_path_error(errno, what, p);
        if (whole.advance(static_cast<std::size_t>(n))) return std::move(whole).take();
    }
}

// write(2) until all of it is written; throws naming `what`.
void write_all_fd(int fd, const std::byte* data, std::size_t len, const std::string& what) {
    std::size_t done = 0;
    while (done < len) {
        ssize_t n = ::write(fd, data + done, len - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n == 0) {
            weft::detail::throw_os_error(EIO, what);  // no progress: fail rather than spin
        } else if (errno != EINTR) {
            weft::detail::throw_os_error(errno, what);
        }
    }
}

constexpr const char* kRead = "weft::fs::read";
constexpr const char* kReadToString = "weft::fs::read_to_string";
constexpr const char* kWrite = "weft::fs::write";
constexpr const char* kCreateDir = "weft::fs::create_dir";
constexpr const char* kCreateDirAll = "weft::fs::create_dir_all";
constexpr const char* kRemoveDir = "weft::fs::remove_dir";
constexpr const char* kRemoveDirAll = "weft::fs::remove_dir_all";
constexpr const char* kRemoveFile = "weft::fs::remove_file";
constexpr const char* kRename = "weft::fs::rename";
constexpr const char* kCopy = "weft::fs::copy";
constexpr const char* kCanonicalize = "weft::fs::canonicalize";
constexpr const char* kMetadata = "weft::fs::metadata";
constexpr const char* kSymlinkMetadata = "weft::fs::symlink_metadata";
constexpr const char* kReadLink = "weft::fs::read_link";
constexpr const char* kSymlink = "weft::fs::symlink";
constexpr const char* kHardLink = "weft::fs::hard_link";
constexpr const char* kSetPermissions = "weft::fs::set_permissions";
constexpr const char* kTryExists = "weft::fs::try_exists";

// A syscall on two paths (0, or -1 with errno), on the pool; its error names both.
template <class Sys>
Task<void> two_path_call(std::filesystem::path from, std::filesystem::path to, const char* what,
                         Sys sys) {
    auto calling = run_blocking(what, [from = std::move(from), to = std::move(to), what, sys] {
        if (sys(from.c_str(), to.c_str()) != 0) {
            weft::detail::throw_os_error(errno, weft::detail::fs_util::describe(what, from, to));
        }
    });
    co_await calling;
}

// `fn(path, ec)` on the pool; the error it reports in `ec` (or throws) names `what` and path.
template <class Fn>
Task<void> path_call(std::filesystem::path path, const char* what, Fn fn) {
    auto call = run_blocking(what, [path = std::move(path), what, fn] {
        std::error_code ec;
        fn(path, ec);
        if (ec) throw_path_error(ec.value(), what, path);
    });
    co_await call;
}

// A syscall on one path that returns 0 or -1 with errno, on the pool.
template <class Sys>
Task<void> sys_call(std::filesystem::path path, const char* what, Sys sys) {
    return path_call(std::move(path), what,
                     [sys](const std::filesystem::path& p, std::error_code& ec) {
                         if (sys(p.c_str()) != 0) ec.assign(errno, std::system_category());
                     });
}

// fs::write on io_uring: open, write and close as requests, in a task of its own so that a
// dropped future still lets the write complete (as the pool's closure does). The op owns the
// bytes until its completion.
Task<void> write_on_ring(std::filesystem::path path, std::vector<std::byte> data) {
    weft::detail::IoDriver* d = weft::detail::fs_util::uring_for(IORING_OP_WRITE);
    if (d == nullptr) throw std::runtime_error("weft::fs::write: the runtime shut down");
    auto opening =
        weft::detail::fs_util::open_on_ring(*d, path, O_WRONLY | O_CREAT | O_TRUNC, 0666, kWrite);
    int raw = co_await opening;
    auto fd = std::make_shared<weft::detail::FileFd>(raw, std::move(path));
    auto op = UringOpPtr<weft::detail::fs_util::BytesOp>::make(*d, std::move(data));
    op.set_cancel_on_drop(false);
    std::size_t done = 0;
    std::size_t len = op->data.size();
    while (done < len) {
        if (done != 0) {  // a short write: the rest in a new request owning the same bytes
            auto next = UringOpPtr<weft::detail::fs_util::BytesOp>::make(*d, std::move(op->data));
            next.set_cancel_on_drop(false);
            op = std::move(next);
        }
        UringSqe s;
        s.opcode = IORING_OP_WRITE;
        s.fd = fd->fd;
        s.addr = reinterpret_cast<std::uint64_t>(op->data.data() + done);
        s.len = static_cast<std::uint32_t>(std::min<std::size_t>(len - done, 1u << 30));
        s.off = done;
        if (int r = op.submit(s); r < 0) throw_path_error(-r, kWrite, fd->path);
        auto waiting = weft::detail::fs_util::await_op(op);
        int r = co_await waiting;
        if (r == -EINTR || r == -EAGAIN) continue;
        if (r < 0) throw_path_error(-r, kWrite, fd->path);
        if (r == 0) throw_path_error(EIO, kWrite, fd->path);  // no progress (Rust's WriteZero)
        done += static_cast<std::size_t>(r);
    }
}

Task<void> write_owned(std::filesystem::path path, std::vector<std::byte> data) {
    if (weft::detail::fs_util::uring_for(IORING_OP_WRITE) != nullptr &&
        weft::detail::fs_util::uring_for(IORING_OP_OPENAT) != nullptr) {
        auto task = weft::spawn(write_on_ring(std::move(path), std::move(data)));
        co_await task;
        co_return;
    }
    auto writing = run_blocking(kWrite, [path = std::move(path), data = std::move(data)] {
        UniqueFd fd =
            weft::detail::fs_util::open_or_throw(path, O_WRONLY | O_CREAT | O_TRUNC, 0666, kWrite);
        write_all_fd(fd.get(), data.data(), data.size(),
                     weft::detail::fs_util::describe(kWrite, path));
    });
    co_await writing;
}

Task<Metadata> stat_call(std::filesystem::path path, const char* what, bool follow) {
    if (weft::detail::IoDriver* d = weft::detail::fs_util::uring_for(IORING_OP_STATX)) {
        auto op = UringOpPtr<weft::detail::fs_util::PathOp>::make(*d, path.native());
        UringSqe s;
        s.opcode = IORING_OP_STATX;
        s.fd = AT_FDCWD;
        s.addr = reinterpret_cast<std::uint64_t>(op->path.c_str());
        s.len = STATX_BASIC_STATS;
        s.off = reinterpret_cast<std::uint64_t>(&op->sx);
        s.op_flags = follow ? 0u : static_cast<std::uint32_t>(AT_SYMLINK_NOFOLLOW);
        if (op.submit(s) == 0) {
            auto waiting = weft::detail::fs_util::await_op(op);
            int r = co_await waiting;
            if (r < 0) throw_path_error(-r, what, path);
            co_return Metadata(weft::detail::fs_util::stat_from_statx(op->sx));
        }
    }
    auto statting = run_blocking(what, [path = std::move(path), what, follow] {
        struct stat st;
        int r = follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
        if (r != 0) throw_path_error(errno, what, path);
        return Metadata(st);
    });
    co_return co_await statting;
}

// Rust's fs::copy on Linux: contents by copy_file_range(2), falling back to read/write where
// the kernel cannot (another file system before 5.3, special files), then the permissions.
std::uint64_t copy_contents(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::string what = weft::detail::fs_util::describe(kCopy, from, to);
    auto fail = [&](int err) { weft::detail::throw_os_error(err, what); };
    int raw_in;
    do {
        raw_in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    } while (raw_in < 0 && errno == EINTR);
    if (raw_in < 0) fail(errno);
    UniqueFd in(raw_in);
    struct stat st;
    if (::fstat(in.get(), &st) != 0) fail(errno);
    if (!S_ISREG(st.st_mode)) fail(EINVAL);
    mode_t perms = st.st_mode & 07777;
    int raw_out;
    do {
        raw_out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, perms);
    } while (raw_out < 0 && errno == EINTR);
    if (raw_out < 0) fail(errno);
    UniqueFd out(raw_out);
    if (::fchmod(out.get(), perms) != 0) fail(errno);  // an existing `to` keeps its mode otherwise

    std::uint64_t total = 0;
    bool kernel_copy = true;
    while (kernel_copy) {
        ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
        if (n > 0) {
            total += static_cast<std::uint64_t>(n);
        } else if (n == 0) {
            return total;
        } else if (errno == EINTR) {
            continue;
        } else if (total == 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                                  errno == EOPNOTSUPP || errno == EPERM)) {
            kernel_copy = false;  // not supported here: copy through user space
        } else {
            fail(errno);
        }
    }
    // A 64 KiB buffer: large enough that the syscalls do not dominate, small for the stack.
    auto buf = std::make_unique_for_overwrite<std::byte[]>(65536);
    for (;;) {
        ssize_t n = read_some(in.get(), buf.get(), 65536);
        if (n < 0) fail(errno);
        if (n == 0) return total;
        write_all_fd(out.get(), buf.get(), static_cast<std::size_t>(n), what);
        total += static_cast<std::uint64_t>(n);
    }
}

}  // namespace

// ---- Metadata ----

std::filesystem::file_type Metadata::file_type() const noexcept {
    using std::filesystem::file_type;
    switch (st_.st_mode & S_IFMT) {
        case S_IFREG:
            return file_type::regular;
        case S_IFDIR:
            return file_type::directory;
        case S_IFLNK:
            return file_type::symlink;
        case S_IFBLK:
            return file_type::block;
        case S_IFCHR:
            return file_type::character;
        case S_IFIFO:
            return file_type::fifo;
        case S_IFSOCK:
            return file_type::socket;
        default:
            return file_type::unknown;
    }
}

Task<Metadata> metadata(std::filesystem::path path) {
    return stat_call(std::move(path), kMetadata, true);
}

Task<Metadata> symlink_metadata(std::filesystem::path path) {
    return stat_call(std::move(path), kSymlinkMetadata, false);
}

// ---- whole files ----

// fs::read and read_to_string. The page-cache fast path first (uring.hpp): where the path
// resolves from the dentry cache, open, read and close inline, each read that misses the page
// cache going to io_uring or the pool alone (read_at). An open that misses goes to io_uring
// (then the same reads), or on other drivers hands the whole job to the pool in one trip
// (read_whole).
//
// Syscalls are most of the cost of a small file (about a microsecond each on the VM the
// benchmarks run on), so the fast path spends as few as a blocking open/fstat/read/close: a
// file shorter than kHead is read into a stack buffer with no fstat (the read says how long it
// is), then the probe confirms the end: openat2, preadv2, preadv2, close. A longer file costs
// one read more that way (the head, read again after the fstat), so each thread guesses from
// the last file it read (t_short_files) which way to start; either way the bytes are the same.

namespace {

constexpr std::size_t kHead = 16 * 1024;
// Whether this thread's last fs::read found a file shorter than kHead: then the next one starts
// with the head read, else with fstat. (A guess for speed only; thread_local: no sharing.) Only
// these two functions touch it, never inlined into the coroutine: a coroutine may resume on
// another thread, and a compiler may keep a thread_local's address across the suspension.
thread_local bool t_short_files = true;
[[gnu::noinline]] bool guess_short_file() noexcept {
    return t_short_files;
}
[[gnu::noinline]] void note_file_size(const struct stat& st) noexcept {
    t_short_files = S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) < kHead;
}

// A file shorter than kHead, read whole inline without fstat: one read into a stack buffer, and
// WholeFileReader's probe, which must find the end. Otherwise (a longer file, one the page cache
// does not hold all of, a file system that cannot say, or not a regular file) nullopt, having
// consumed nothing: every read is at an offset, and the caller starts again from 0 after fstat.
// A non-regular file that answers both reads (an empty or short block device, /dev/null) reads
// as the slow path would read it.
template <class Container>
std::optional<Container> read_short_inline(int fd) {
    std::byte head[kHead];
    ssize_t r = weft::detail::fs_util::read_nowait(fd, head, sizeof head, 0);
    if (r < 0 || static_cast<std::size_t>(r) == sizeof head) return std::nullopt;
    using V = typename Container::value_type;
    const V* bytes = reinterpret_cast<const V*>(head);
    WholeFileReader<Container> whole(Container(bytes, bytes + r));
    if (r != 0) {  // (a read that returned 0 is the end already)
        std::span<std::byte> probe = whole.next_read();
        ssize_t more = weft::detail::fs_util::read_nowait(fd, probe.data(), probe.size(),
                                                          static_cast<off_t>(whole.offset()));
        if (more != 0) return std::nullopt;  // it grew, or is not all cached: the long way
    }
    return std::move(whole).take();
}

// A FIFO that the page-cache open found. That open (O_NONBLOCK) did not wait for a writer, as
// Rust's open does, and it counts as a reader: a writer waiting in its own open went on, and
// closing this descriptor now could leave that writer facing EPIPE (SIGPIPE). So where a writer
// has been there (the read gets bytes, or EAGAIN: connected, nothing written yet), this is the
// descriptor read to the end, blocking from now on; true, with what it read in `head`. Where
// none is (the read gets 0), false: the caller opens the FIFO again the way Rust does, waiting
// for a writer, and keeps this one open until that open returns.
template <class Container>
bool keep_fifo_probe(int fd, std::optional<Container>& head) {
    std::byte buf[kHead];
    ssize_t r;
    do {
        r = ::read(fd, buf, sizeof buf);
    } while (r < 0 && errno == EINTR);
    if (r == 0 || (r < 0 && errno != EAGAIN)) return false;
    if (int fl = ::fcntl(fd, F_GETFL); fl >= 0) ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    using V = typename Container::value_type;
    const V* bytes = reinterpret_cast<const V*>(buf);
    head.emplace(bytes, bytes + (r > 0 ? r : 0));
    return true;
}

}  // namespace

template <class Container>
Task<Container> read_file(std::filesystem::path path, const char* what) {
    namespace u = weft::detail::fs_util;
    (void)u::blocking_spawner(what);  // a weft::Runtime, as everywhere
    // (O_NONBLOCK kept: this descriptor is only ever read with preadv2, io_uring or pread, on
    // a regular file, where it changes nothing.)
    UniqueFd fd(u::open_cached_any(path, O_RDONLY, 0));
    int open_err = errno;
    struct stat st;
    bool have_stat = false;
    UniqueFd fifo_probe(-1);  // a FIFO's first descriptor, open until the second's open returns
    std::optional<Container> head;  // what a FIFO's first descriptor read already
    if (fd.get() >= 0) {
        if (guess_short_file()) {
            std::optional<Container> whole = read_short_inline<Container>(fd.get());
            if (whole) co_return std::move(*whole);
        }
        bool stat_ok = ::fstat(fd.get(), &st) == 0;
        have_stat = stat_ok && (S_ISREG(st.st_mode) ||
                                (S_ISFIFO(st.st_mode) && keep_fifo_probe(fd.get(), head)));
        if (!have_stat) {  // not a regular file: opened properly below
            if (stat_ok && S_ISFIFO(st.st_mode)) {
                fifo_probe.reset(fd.release());
            } else {
                fd.reset();
            }
            open_err = EAGAIN;
        }
    }
    if (fd.get() < 0) {
        if (!u::cached_open_missed(open_err)) throw_path_error(open_err, what, path);
        weft::detail::IoDriver* d = u::uring_for(IORING_OP_OPENAT);
        if (d == nullptr) {
            auto reading = run_blocking(
                what, [path = std::move(path), what] { return read_whole<Container>(path, what); });
            co_return co_await reading;
        }
        auto opening = u::open_on_ring(*d, path, O_RDONLY, 0, what);
        int raw = co_await opening;
        fd.reset(raw);
        fifo_probe.reset();
    }
    if (!have_stat && ::fstat(fd.get(), &st) != 0) st.st_mode = 0;  // no size: read to the end
    note_file_size(st);
    // A file that is not regular (a FIFO, a character device) may have no offsets: reads at
    // one fail there with ESPIPE. It is read at its own position (offset -1), which is where
    // the reads would be anyway: the descriptor is fresh, and nothing else reads it.
    const bool at_position = !S_ISREG(st.st_mode);
    // WholeFileReader's reads: inline from the page cache first, else read_at's io_uring request
    // or pool trip, which share the descriptor (a FileFd, made at the first of them) until their
    // last completion.
    std::shared_ptr<weft::detail::FileFd> shared;
    bool nowait = true;  // cleared where the file system cannot say (EOPNOTSUPP)
    WholeFileReader<Container> whole = head ? WholeFileReader<Container>(std::move(*head))
                                            : WholeFileReader<Container>(size_hint(st));
    for (;;) {
        std::span<std::byte> next = whole.next_read();
        int raw = shared ? shared->fd : fd.get();
        ssize_t got = -1;
        if (nowait) {
            got = u::read_nowait(raw, next.data(), next.size(),
                                 at_position ? -1 : static_cast<off_t>(whole.offset()));
            if (got < 0 && errno != EAGAIN) {
                if (errno != EOPNOTSUPP)
                    throw_path_error(errno, what, shared ? shared->path : path);
                nowait = false;
            }
        }
        std::size_t n = static_cast<std::size_t>(got);
        if (got < 0) {
            if (!shared) {
                shared = std::make_shared<weft::detail::FileFd>(raw, std::move(path));
                (void)fd.release();
            }
            auto reading = u::read_at(shared, next.data(), next.size(),
                                      at_position ? u::kAtPosition : whole.offset(), what);
            n = co_await reading;
        }
        if (whole.advance(n)) co_return std::move(whole).take();
    }
}

Task<std::vector<std::byte>> read(std::filesystem::path path) {
    return read_file<std::vector<std::byte>>(std::move(path), kRead);
}

Task<std::string> read_to_string(std::filesystem::path path) {
    return read_file<std::string>(std::move(path), kReadToString);
}

Task<void> write(std::filesystem::path path, std::span<const std::byte> contents) {
    return write_owned(std::move(path), std::vector<std::byte>(contents.begin(), contents.end()));
}

Task<void> write(std::filesystem::path path, std::string_view contents) {
    auto bytes = std::as_bytes(std::span(contents.data(), contents.size()));
    return write_owned(std::move(path), std::vector<std::byte>(bytes.begin(), bytes.end()));
}

// ---- directories ----

Task<void> create_dir(std::filesystem::path path) {
    return sys_call(std::move(path), kCreateDir, [](const char* p) { return ::mkdir(p, 0777); });
}

Task<void> create_dir_all(std::filesystem::path path) {
    return path_call(std::move(path), kCreateDirAll,
                     [](const std::filesystem::path& p, std::error_code& ec) {
                         std::filesystem::create_directories(p, ec);
                     });
}

Task<void> remove_dir(std::filesystem::path path) {
    return sys_call(std::move(path), kRemoveDir, [](const char* p) { return ::rmdir(p); });
}

Task<void> remove_dir_all(std::filesystem::path path) {
    return path_call(std::move(path), kRemoveDirAll,
                     [](const std::filesystem::path& p, std::error_code& ec) {
                         struct stat st;
                         if (::lstat(p.c_str(), &st) != 0)
                             throw_path_error(errno, kRemoveDirAll, p);
                         if (S_ISLNK(st.st_mode)) {  // the link goes, not what it points to
                             if (::unlink(p.c_str()) != 0)
                                 throw_path_error(errno, kRemoveDirAll, p);
                             return;
                         }
                         if (!S_ISDIR(st.st_mode)) throw_path_error(ENOTDIR, kRemoveDirAll, p);
                         std::filesystem::remove_all(p, ec);
                     });
}

// ---- paths ----

Task<void> remove_file(std::filesystem::path path) {
    return sys_call(std::move(path), kRemoveFile, [](const char* p) { return ::unlink(p); });
}

Task<void> rename(std::filesystem::path from, std::filesystem::path to) {
    auto renaming = run_blocking(kRename, [from = std::move(from), to = std::move(to)] {
        if (::rename(from.c_str(), to.c_str()) != 0) {
            weft::detail::throw_os_error(errno, weft::detail::fs_util::describe(kRename, from, to));
        }
    });
    co_await renaming;
}

Task<std::uint64_t> copy(std::filesystem::path from, std::filesystem::path to) {
    auto copying = run_blocking(
        kCopy, [from = std::move(from), to = std::move(to)] { return copy_contents(from, to); });
    co_return co_await copying;
}

Task<std::filesystem::path> canonicalize(std::filesystem::path path) {
    auto resolving = run_blocking(kCanonicalize, [path = std::move(path)] {
        char* resolved = ::realpath(path.c_str(), nullptr);
        if (resolved == nullptr) throw_path_error(errno, kCanonicalize, path);
        std::filesystem::path out(resolved);
        std::free(resolved);
        return out;
    });
    co_return co_await resolving;
}

Task<std::filesystem::path> read_link(std::filesystem::path path) {
    auto reading = run_blocking(kReadLink, [path = std::move(path)] {
        // readlink(2) does not say how long the target is: grow until it fits with room over.
        std::string buf(256, '\0');
        for (;;) {
            ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
            if (n < 0) throw_path_error(errno, kReadLink, path);
            if (static_cast<std::size_t>(n) < buf.size()) {
                buf.resize(static_cast<std::size_t>(n));
                return std::filesystem::path(std::move(buf));
            }
            buf.resize(buf.size() * 2);
        }
    });
    co_return co_await reading;
}

Task<void> symlink(std::filesystem::path original, std::filesystem::path link) {
    return two_path_call(std::move(original), std::move(link), kSymlink,
                         [](const char* o, const char* l) { return ::symlink(o, l); });
}

Task<void> hard_link(std::filesystem::path original, std::filesystem::path link) {
    return two_path_call(std::move(original), std::move(link), kHardLink,
                         [](const char* o, const char* l) { return ::link(o, l); });
}

Task<void> set_permissions(std::filesystem::path path, std::filesystem::perms perms) {
    auto mode = static_cast<mode_t>(static_cast<unsigned>(perms) & 07777);
    return sys_call(std::move(path), kSetPermissions,
                    [mode](const char* p) { return ::chmod(p, mode); });
}

Task<bool> try_exists(std::filesystem::path path) {
    auto checking = run_blocking(kTryExists, [path = std::move(path)] {
        struct stat st;
        if (::stat(path.c_str(), &st) == 0) return true;
        if (errno == ENOENT) return false;  // nothing there, or a dangling link
        throw_path_error(errno, kTryExists, path);
    });
    co_return co_await checking;
}

}  // namespace weft::fs
