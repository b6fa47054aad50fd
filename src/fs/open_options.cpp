#include "weft/fs/open_options.hpp"

#include <fcntl.h>

#include <cerrno>
#include <memory>

#include "blocking.hpp"
#include "uring.hpp"

namespace weft::fs {

// Rust's rules (std's sys/unix/fs.rs, get_access_mode and get_creation_mode).
int OpenOptions::flags() const noexcept {
    bool writes = write_ || append_;
    int access;
    if (read_ && !writes) {
        access = O_RDONLY;
    } else if (writes) {
        access = read_ ? O_RDWR : O_WRONLY;
        if (append_) access |= O_APPEND;
    } else {
        return -1;  // neither reading nor writing
    }
    if (!writes) {
        if (truncate_ || create_ || create_new_) return -1;
    } else if (append_ && truncate_ && !create_new_) {
        return -1;
    }
    int creation = 0;
    if (create_new_) {
        creation = O_CREAT | O_EXCL;
    } else {
        if (create_) creation |= O_CREAT;
        if (truncate_) creation |= O_TRUNC;
    }
    return access | creation;
}

Task<File> OpenOptions::open(std::filesystem::path path) const {
    return open_as(*this, std::move(path), "weft::fs::OpenOptions::open");
}

Task<File> OpenOptions::open_as(OpenOptions opts, std::filesystem::path path, const char* what) {
    int flags = opts.flags();
    if (flags < 0) weft::detail::fs_util::throw_path_error(EINVAL, what, path);
    flags |= opts.custom_flags_ & ~O_ACCMODE;
    unsigned mode = opts.mode_;
    // The result is a shared_ptr that closes the descriptor, so an open whose awaiter was
    // dropped closes what it opened.
    // (A named handle: GCC 12 destroys a capturing lambda temporary inside a throwing co_await
    // expression twice.)
    namespace u = weft::detail::fs_util;
    (void)u::blocking_spawner(what);  // a weft::Runtime, as for every fs operation
    // The dentry-cache fast path first (uring.hpp): an open that cannot wait for a disk.
    int raw = u::open_cached(path, flags, mode);
    bool regular = raw >= 0;  // open_cached keeps regular files only
    if (raw < 0 && !u::cached_open_missed(errno)) u::throw_path_error(errno, what, path);
    if (raw < 0) {
        if (weft::detail::IoDriver* d = u::uring_for(IORING_OP_OPENAT)) {
            auto ring_open = u::open_on_ring(*d, path, flags, mode, what);
            raw = co_await ring_open;
        }
    }
    if (raw >= 0) {
        auto fd = std::make_shared<weft::detail::FileFd>(raw, std::move(path));
        fd->regular = regular || u::is_regular(raw);
        co_return File(std::move(fd));
    }
    auto opening = u::run_blocking(what, [path = std::move(path), flags, mode, what]() mutable {
        int raw = u::open_or_throw(path, flags, mode, what).release();
        auto fd = std::make_shared<weft::detail::FileFd>(raw, std::move(path));
        fd->regular = u::is_regular(raw);
        return fd;
    });
    std::shared_ptr<weft::detail::FileFd> fd = co_await opening;
    co_return File(std::move(fd));
}

}  // namespace weft::fs
