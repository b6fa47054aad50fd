#pragma once
/// \file
/// `OpenOptions`: how to open a file (read, write, append, truncate, create, create_new, mode).

#include <filesystem>

#include "weft/coro/task.hpp"
#include "weft/fs/file.hpp"

namespace weft::fs {

/// Options for opening a file, set one by one and then `open(path)`: Rust's `OpenOptions`,
/// with its rules. All start false; the mode of a created file is `0666` (less the umask).
///
/// - Access: `read`, `write`, or both; `append` implies writing, and every write goes to the
///   end of the file (O_APPEND).
/// - `create`: create the file if missing; `create_new`: create it, and fail with
///   `std::errc::file_exists` if it exists (O_CREAT|O_EXCL, so two openers cannot both win).
///   Both need `write` or `append`.
/// - `truncate`: empty an existing file; needs `write`, and cannot go with `append`.
///
/// A combination outside these rules (nothing to read or write, `create` read-only,
/// `truncate` with `append`) throws `std::system_error` with `std::errc::invalid_argument`.
///
/// ```cpp
/// weft::fs::File log = co_await weft::fs::OpenOptions()
///                          .append(true)
///                          .create(true)
///                          .mode(0600)
///                          .open(dir / "app.log");
/// co_await log.write_all("started\n");
/// co_await log.flush();
/// ```
class OpenOptions {
  public:
    OpenOptions() noexcept = default;

    /// Open for reading.
    OpenOptions& read(bool on) noexcept {
        read_ = on;
        return *this;
    }
    /// Open for writing (from the start, unless `append`).
    OpenOptions& write(bool on) noexcept {
        write_ = on;
        return *this;
    }
    /// Open for appending: every write goes to the end (implies writing).
    OpenOptions& append(bool on) noexcept {
        append_ = on;
        return *this;
    }
    /// Truncate an existing file to length 0 (needs `write`).
    OpenOptions& truncate(bool on) noexcept {
        truncate_ = on;
        return *this;
    }
    /// Create the file if it does not exist (needs `write` or `append`).
    OpenOptions& create(bool on) noexcept {
        create_ = on;
        return *this;
    }
    /// Create the file, failing if it exists; `create` and `truncate` are then ignored.
    OpenOptions& create_new(bool on) noexcept {
        create_new_ = on;
        return *this;
    }
    /// Permission bits for a file this open creates (default 0666; the umask applies).
    OpenOptions& mode(unsigned m) noexcept {
        mode_ = m;
        return *this;
    }
    /// Extra open(2) flags (e.g. `O_NOFOLLOW`, `O_DIRECT`); the access and creation flags are
    /// always the ones set above, and O_CLOEXEC is always on.
    OpenOptions& custom_flags(int flags) noexcept {
        custom_flags_ = flags;
        return *this;
    }

    /// Opens `path` with these options, on the blocking pool. The options are copied at the
    /// call, so a temporary `OpenOptions` is fine.
    ///
    /// ```cpp
    /// auto f = co_await weft::fs::OpenOptions().read(true).write(true).open(path);
    /// ```
    ///
    /// **Throws** `std::system_error` naming the path (`no_such_file_or_directory`,
    /// `file_exists`, `permission_denied`, `invalid_argument` for a bad combination …);
    /// `std::logic_error` when awaited outside a `weft::Runtime`. **Cancel safety:** dropped
    /// while the open is in flight, the file it opens is closed.
    Task<File> open(std::filesystem::path path) const;

  private:
    friend class File;
    // The coroutine behind every open; `what` names the public entry point in errors.
    static Task<File> open_as(OpenOptions opts, std::filesystem::path path, const char* what);
    // O_* access and creation flags, or -1 when the combination is invalid.
    int flags() const noexcept;

    bool read_ = false, write_ = false, append_ = false, truncate_ = false, create_ = false,
         create_new_ = false;
    unsigned mode_ = 0666;
    int custom_flags_ = 0;
};

}  // namespace weft::fs
