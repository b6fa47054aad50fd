#pragma once
/// \file
/// `fs::read_dir(path)`: a directory's entries as a `Stream` of `fs::DirEntry`.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "weft/coro/task.hpp"
#include "weft/fs/metadata.hpp"
#include "weft/future/future.hpp"
#include "weft/stream/stream.hpp"

namespace weft::fs {

/// One entry of a directory, as `ReadDir` yields it: Rust's `DirEntry`. A plain value: its
/// name and inode number come from the directory listing itself, and so does its type where
/// the file system records it (ext4, xfs, btrfs and tmpfs do); `file_type()` asks the file
/// system only where it does not.
class DirEntry {
  public:
    DirEntry(std::filesystem::path path, std::uint64_t ino,
             std::optional<std::filesystem::file_type> type) noexcept
        : path_(std::move(path)), ino_(ino), type_(type) {}

    /// The directory given to `read_dir` joined with this entry's name.
    const std::filesystem::path& path() const noexcept { return path_; }
    /// The entry's name alone (never "." or "..": `ReadDir` skips those, as Rust's does).
    std::filesystem::path file_name() const { return path_.filename(); }
    /// The inode number (`d_ino`).
    std::uint64_t ino() const noexcept { return ino_; }
    /// The entry's type, not following a symbolic link (a link is `file_type::symlink`): from
    /// the listing when it says, else from lstat(2) on the blocking pool.
    Task<std::filesystem::file_type> file_type() const;
    /// The entry's metadata, not following a symbolic link (lstat(2), as Rust's
    /// `DirEntry::metadata`); call `fs::metadata(e.path())` to follow it.
    Task<Metadata> metadata() const;

  private:
    std::filesystem::path path_;
    std::uint64_t ino_;
    std::optional<std::filesystem::file_type> type_;
};

/// The entries of one directory, in the order the file system lists them: a
/// `weft::stream::Stream` of `DirEntry` (Tokio's `ReadDir` and tokio-stream's `ReadDirStream`
/// in one). Made by `fs::read_dir`.
///
/// Entries are read on the blocking pool 32 at a time (readdir(3) on the open directory), so
/// a large directory costs one pool trip per 32 entries. "." and ".." are skipped.
///
/// ```cpp
/// weft::fs::ReadDir entries = co_await weft::fs::read_dir(dir);
/// while (std::optional<weft::fs::DirEntry> e = co_await entries.next_entry()) {
///     std::filesystem::file_type t = co_await e->file_type();
///     std::printf("%s%s\n", e->file_name().c_str(),
///                 t == std::filesystem::file_type::directory ? "/" : "");
/// }
/// ```
///
/// **Cancel safety:** `next_entry()` (and `stream::next`) is cancel safe: the batch being read
/// belongs to the `ReadDir`, so a dropped `next_entry()` loses no entry and the next call
/// picks it up. Dropping the `ReadDir` while a batch is being read lets the blocking thread
/// finish that batch, then close the directory.
///
/// **Errors:** a failed read (the directory removed meanwhile is *not* one: it reads as
/// ended) throws `std::system_error` naming the directory from `poll_next`, and the stream
/// ends there.
class ReadDir {
  public:
    using Item = DirEntry;
    struct State;

    explicit ReadDir(std::unique_ptr<State> state) noexcept;
    ReadDir(ReadDir&&) noexcept;
    ReadDir& operator=(ReadDir&&) noexcept;
    ~ReadDir();

    /// The stream's poll: the next entry, `std::nullopt` after the last, or Pending while a
    /// batch is read.
    Poll<std::optional<DirEntry>> poll_next(Context& cx);

    /// The future of the next entry: `co_await entries.next_entry()` (Tokio's name).
    /// (A `stream::Next<ReadDir>`, defined below the class: the Stream concept needs it whole.)
    auto next_entry() noexcept;

  private:
    std::unique_ptr<State> state_;
};

inline auto ReadDir::next_entry() noexcept {
    return stream::Next<ReadDir>(*this);
}

/// Opens the directory `path` for listing (opendir(3), on the blocking pool).
///
/// ```cpp
/// weft::fs::ReadDir entries = co_await weft::fs::read_dir("/etc");
/// ```
///
/// **Throws** `std::system_error` naming `path`: `std::errc::no_such_file_or_directory`,
/// `std::errc::not_a_directory`, `std::errc::permission_denied`. Like every `fs` function,
/// `std::logic_error` when awaited outside a `weft::Runtime`.
Task<ReadDir> read_dir(std::filesystem::path path);

}  // namespace weft::fs
