#include "weft/fs/open_options.hpp"

#include <fcntl.h>

#include <cerrno>
#include <memory>

#include "blocking.hpp"

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
    auto opening = weft::detail::fs_util::run_blocking(
        what, [path = std::move(path), flags, mode, what]() mutable {
            int raw = weft::detail::fs_util::open_or_throw(path, flags, mode, what).release();
            return std::make_shared<weft::detail::FileFd>(raw, std::move(path));
        });
    std::shared_ptr<weft::detail::FileFd> fd = co_await opening;
    co_return File(std::move(fd));
}

}  // namespace weft::fs
