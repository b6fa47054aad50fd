#pragma once
/// \file
/// `fs::read` and `fs::read_to_string`: a whole file in one call.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "weft/coro/task.hpp"

namespace weft::fs {

/// The whole contents of the file at `path`, as bytes (Tokio's `fs::read`). A cached file is
/// opened and read inline (openat2 RESOLVE_CACHED, preadv2 RWF_NOWAIT: calls that never wait
/// for a disk); what misses goes to io_uring requests on an io_uring runtime, and otherwise
/// the whole job is one trip to the blocking pool (docs/fs.md).
///
/// ```cpp
/// std::vector<std::byte> data = co_await weft::fs::read(dir / "image.png");
/// ```
///
/// **Throws** `std::system_error` naming `path` (e.g. `std::errc::no_such_file_or_directory`,
/// `std::errc::is_a_directory`); `std::logic_error` when awaited outside a `weft::Runtime`.
/// **Cancel safety:** dropped midway, a blocking read finishes and its bytes are dropped; an
/// io_uring request is cancelled, and its buffer freed when the kernel lets go of it.
Task<std::vector<std::byte>> read(std::filesystem::path path);

/// The whole contents of the file at `path`, as a `std::string`. Unlike Tokio's, it does not
/// check that the bytes are UTF-8 (weft's `io::read_to_string` does not either).
///
/// ```cpp
/// std::string config = co_await weft::fs::read_to_string("/etc/hostname");
/// ```
///
/// **Throws** as `read`.
Task<std::string> read_to_string(std::filesystem::path path);

}  // namespace weft::fs
