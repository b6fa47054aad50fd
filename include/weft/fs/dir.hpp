#pragma once
/// \file
/// Directories: `fs::create_dir`, `create_dir_all`, `remove_dir`, `remove_dir_all`.

#include <filesystem>

#include "weft/coro/task.hpp"

namespace weft::fs {

/// Creates the directory `path` (mkdir(2), mode 0777 less the umask). Its parent must exist.
///
/// ```cpp
/// co_await weft::fs::create_dir(dir / "cache");
/// ```
///
/// **Throws** `std::system_error` naming `path`: `std::errc::file_exists` if something is there
/// already, `std::errc::no_such_file_or_directory` if the parent is missing. Like every `fs`
/// function, `std::logic_error` when awaited outside a `weft::Runtime`.
Task<void> create_dir(std::filesystem::path path);

/// Creates `path` and every missing parent. A directory that already exists is not an error.
///
/// ```cpp
/// co_await weft::fs::create_dir_all(dir / "a" / "b" / "c");
/// ```
///
/// **Throws** `std::system_error` naming `path`: `std::errc::not_a_directory` when `path` or
/// one of its parents is a file.
Task<void> create_dir_all(std::filesystem::path path);

/// Removes the empty directory `path` (rmdir(2)).
///
/// ```cpp
/// co_await weft::fs::remove_dir(dir / "cache");
/// ```
///
/// **Throws** `std::system_error` naming `path`: `std::errc::directory_not_empty`,
/// `std::errc::no_such_file_or_directory`, `std::errc::not_a_directory`.
Task<void> remove_dir(std::filesystem::path path);

/// Removes the directory `path` and everything in it. Symbolic links inside are removed, not
/// followed; if `path` itself is a symbolic link, the link is removed.
///
/// ```cpp
/// co_await weft::fs::remove_dir_all(dir / "build");
/// ```
///
/// **Throws** `std::system_error` naming `path`: `std::errc::no_such_file_or_directory` if it
/// does not exist, `std::errc::not_a_directory` if it is a file (Rust's behaviour; unlike
/// `std::filesystem::remove_all`, which accepts both).
Task<void> remove_dir_all(std::filesystem::path path);

}  // namespace weft::fs
