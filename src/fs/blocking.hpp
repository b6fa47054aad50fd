#pragma once
// Internal: the one way weft::fs reaches the blocking pool, and the small POSIX helpers the fs
// sources share.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>

#include "weft/detail/task/spawn_on.hpp"
#include "weft/io/error.hpp"

namespace weft::detail::fs_util {

// The current runtime's spawner, or a std::logic_error naming `what` (see
// require_blocking_spawner: the messages follow the net and time modules, with the reason a
// LocalExecutor will not do).
inline weft::detail::Spawner& blocking_spawner(const char* what) {
    return weft::detail::require_blocking_spawner(what, "file operations run");
}

// spawn_blocking(fn), refused with the message above outside a weft::Runtime.
template <class Fn>
auto run_blocking(const char* what, Fn&& fn) {
    weft::detail::Spawner& s = blocking_spawner(what);
    return weft::detail::spawn_blocking_on(s, std::forward<Fn>(fn));
}

// "weft::fs::read /tmp/x", the what() of an error on one path.
inline std::string describe(const char* what, const std::filesystem::path& p) {
    return std::string(what) + " " + p.native();
}
// "weft::fs::rename /a to /b".
inline std::string describe(const char* what, const std::filesystem::path& from,
                            const std::filesystem::path& to) {
    return std::string(what) + " " + from.native() + " to " + to.native();
}

[[noreturn]] inline void throw_path_error(int err, const char* what,
                                          const std::filesystem::path& p) {
    weft::detail::throw_os_error(err, describe(what, p));
}

// A descriptor closed on scope exit (errors from close(2) are ignored, as Rust's File does).
class UniqueFd {
  public:
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();
    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept;  // closes the one held, if any, and holds `fd`

  private:
    int fd_;
};

// open(2) with O_CLOEXEC, retried on EINTR; throws std::system_error naming `what` and `p`.
UniqueFd open_or_throw(const std::filesystem::path& p, int flags, unsigned mode, const char* what);

}  // namespace weft::detail::fs_util
