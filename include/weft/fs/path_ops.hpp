#pragma once
/// \file
/// Operations on paths: `fs::remove_file`, `fs::rename`, `fs::copy`, `fs::canonicalize`.

#include <cstdint>
#include <filesystem>

#include "weft/coro/task.hpp"

namespace weft::fs {

/// Removes the file (or symbolic link) `path` (unlink(2)).
///
/// ```cpp
/// co_await weft::fs::remove_file(dir / "stale.lock");
/// ```
///
/// **Throws** `std::system_error` naming `path` (`std::errc::no_such_file_or_directory`,
/// `std::errc::is_a_directory` …). Like every `fs` function, `std::logic_error` when awaited
/// outside a `weft::Runtime`.
Task<void> remove_file(std::filesystem::path path);

/// Renames `from` to `to` (rename(2)), replacing `to` if it exists and the kinds agree. Both
/// must be on one file system.
///
/// ```cpp
/// co_await weft::fs::write(dir / "config.tmp", text);
/// co_await weft::fs::rename(dir / "config.tmp", dir / "config");  // atomic replace
/// ```
///
/// **Throws** `std::system_error` naming both paths (`std::errc::cross_device_link` …).
Task<void> rename(std::filesystem::path from, std::filesystem::path to);

/// Copies the contents and the permission bits of the file `from` to `to`, creating or
/// truncating `to`; returns the bytes copied (Tokio's `fs::copy`). The kernel copies
/// (copy_file_range(2)) where it can. As with Rust's, copying a file onto itself (the same
/// path, or a link to it) truncates it.
///
/// ```cpp
/// std::uint64_t n = co_await weft::fs::copy(dir / "a.bin", dir / "b.bin");
/// ```
///
/// **Throws** `std::system_error` naming both paths; `std::errc::invalid_argument` if `from`
/// is not a regular file.
Task<std::uint64_t> copy(std::filesystem::path from, std::filesystem::path to);

/// The absolute path of `path` with every symbolic link, `.` and `..` resolved
/// (realpath(3)). The file must exist.
///
/// ```cpp
/// std::filesystem::path abs = co_await weft::fs::canonicalize("../data/./x");
/// ```
///
/// **Throws** `std::system_error` naming `path`.
Task<std::filesystem::path> canonicalize(std::filesystem::path path);

}  // namespace weft::fs
