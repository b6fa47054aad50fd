#pragma once
/// \file
/// `fs::write`: create or replace a file's contents in one call.

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

#include "weft/coro/task.hpp"

namespace weft::fs {

/// Writes `contents` to the file at `path`, creating it (mode 0666 less the umask) or
/// truncating it first (Tokio's `fs::write`). Done when the bytes are written (not synced:
/// open a `File` and `sync_all` for that).
///
/// `contents` is copied when `write` is called, before it returns, so the caller's buffer
/// may go away at once, and a blocking write that outlives a dropped future writes from its
/// own copy.
///
/// ```cpp
/// std::vector<std::byte> blob = make_blob();
/// co_await weft::fs::write(dir / "blob.bin", blob);
/// ```
///
/// **Throws** `std::system_error` naming `path`; `std::logic_error` when awaited outside a
/// `weft::Runtime`. **Cancel safety:** dropped after it started, the write still completes.
Task<void> write(std::filesystem::path path, std::span<const std::byte> contents);

/// `write` of text.
///
/// ```cpp
/// co_await weft::fs::write(dir / "hello.txt", "hello\n");
/// ```
Task<void> write(std::filesystem::path path, std::string_view contents);

}  // namespace weft::fs
