#pragma once
/// \file
/// Operations on paths: `fs::remove_file`, `fs::rename`, `fs::copy`, `fs::canonicalize`,
/// `fs::read_link`, `fs::symlink`, `fs::hard_link`, `fs::set_permissions`, `fs::try_exists`.

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

/// What the symbolic link `path` points to, as stored in the link (readlink(2)): not resolved,
/// so it may be relative or dangling.
///
/// ```cpp
/// std::filesystem::path target = co_await weft::fs::read_link("/etc/localtime");
/// ```
///
/// **Throws** `std::system_error` naming `path`: `std::errc::invalid_argument` if it is not a
/// symbolic link, `std::errc::no_such_file_or_directory` if nothing is there.
Task<std::filesystem::path> read_link(std::filesystem::path path);

/// Creates the symbolic link `link` pointing to `original` (symlink(2); Tokio's
/// `fs::symlink`, Rust's `std::os::unix::fs::symlink`). `original` is stored as given and need
/// not exist.
///
/// ```cpp
/// co_await weft::fs::symlink("releases/v2", dir / "current");
/// ```
///
/// **Throws** `std::system_error` naming both paths: `std::errc::file_exists` if `link` exists.
Task<void> symlink(std::filesystem::path original, std::filesystem::path link);

/// Creates `link` as a new name for the file `original` (link(2)): both names are the same file
/// from then on. Both must be on one file system.
///
/// ```cpp
/// co_await weft::fs::hard_link(dir / "data.bin", dir / "backup.bin");
/// ```
///
/// **Throws** `std::system_error` naming both paths: `std::errc::file_exists`,
/// `std::errc::no_such_file_or_directory`, `std::errc::cross_device_link`.
Task<void> hard_link(std::filesystem::path original, std::filesystem::path link);

/// Sets the permission bits of `path` (chmod(2), following symbolic links) to `perms` (the
/// same bits `Metadata::permissions()` reads back).
///
/// ```cpp
/// using std::filesystem::perms;
/// co_await weft::fs::set_permissions(dir / "key.pem", perms::owner_read | perms::owner_write);
/// ```
///
/// **Throws** `std::system_error` naming `path`.
Task<void> set_permissions(std::filesystem::path path, std::filesystem::perms perms);

/// Whether something exists at `path`, following symbolic links (a dangling link: `false`).
/// Unlike `std::filesystem::exists`, an error other than "not there" (a directory on the way
/// that may not be searched, say) is thrown rather than taken for `false` (Tokio's
/// `try_exists`).
///
/// ```cpp
/// if (!co_await weft::fs::try_exists(dir / "config")) co_await weft::fs::write(dir / "config",
/// "");
/// ```
///
/// **Throws** `std::system_error` naming `path` (`std::errc::permission_denied` …).
Task<bool> try_exists(std::filesystem::path path);

}  // namespace weft::fs
