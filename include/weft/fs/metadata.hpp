#pragma once
/// \file
/// `Metadata` (a file's size, type, permissions and times) and `fs::metadata(path)`,
/// `fs::symlink_metadata(path)`.

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "weft/coro/task.hpp"

namespace weft::fs {

/// What stat(2) says about a file: Rust's `std::fs::Metadata`. Returned by `fs::metadata`,
/// `fs::symlink_metadata` and `File::metadata`. A plain value: reading it does no I/O.
///
/// Types and permissions use `std::filesystem`'s enums; times are `system_clock` time points
/// (Rust's `SystemTime`), so they compare with `std::chrono::system_clock::now()`. The whole
/// `struct stat` is there too, for the Unix fields (`st_ino`, `st_uid`, …).
///
/// ```cpp
/// weft::fs::Metadata m = co_await weft::fs::metadata("/etc/hostname");
/// if (m.is_file()) std::printf("%llu bytes\n", static_cast<unsigned long long>(m.len()));
/// auto age = std::chrono::system_clock::now() - m.modified();
/// ```
class Metadata {
  public:
    explicit Metadata(const struct stat& st) noexcept : st_(st) {}

    /// Size in bytes (`st_size`).
    std::uint64_t len() const noexcept { return static_cast<std::uint64_t>(st_.st_size); }
    bool is_file() const noexcept { return S_ISREG(st_.st_mode); }
    bool is_dir() const noexcept { return S_ISDIR(st_.st_mode); }
    /// Only from `symlink_metadata` (the others follow links).
    bool is_symlink() const noexcept { return S_ISLNK(st_.st_mode); }
    std::filesystem::file_type file_type() const noexcept;
    /// The permission bits (`st_mode & 07777`).
    std::filesystem::perms permissions() const noexcept {
        return static_cast<std::filesystem::perms>(st_.st_mode & 07777);
    }
    /// True when nobody has write permission (Rust's `Permissions::readonly`).
    bool readonly() const noexcept { return (st_.st_mode & 0222) == 0; }
    /// Last modification (`st_mtim`).
    std::chrono::system_clock::time_point modified() const noexcept { return time(st_.st_mtim); }
    /// Last access (`st_atim`).
    std::chrono::system_clock::time_point accessed() const noexcept { return time(st_.st_atim); }
    /// The raw stat(2) result.
    const struct stat& as_stat() const noexcept { return st_; }

  private:
    static std::chrono::system_clock::time_point time(const timespec& ts) noexcept {
        auto d = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
        return std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(d));
    }
    struct stat st_;
};

/// The metadata of `path`, following symbolic links (stat(2)), read on the blocking pool.
///
/// ```cpp
/// auto m = co_await weft::fs::metadata(dir / "data.bin");
/// if (m.len() == 0) co_return;  // nothing cached yet
/// ```
///
/// **Throws** `std::system_error` naming `path` (e.g. `std::errc::no_such_file_or_directory`);
/// `std::logic_error` when awaited outside a `weft::Runtime` (see docs/fs.md).
Task<Metadata> metadata(std::filesystem::path path);

/// Like `metadata`, but a symbolic link describes itself (lstat(2)).
///
/// ```cpp
/// bool link = (co_await weft::fs::symlink_metadata(p)).is_symlink();
/// ```
Task<Metadata> symlink_metadata(std::filesystem::path path);

}  // namespace weft::fs
