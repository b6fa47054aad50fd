#pragma once
// Internal: what a weft::fs::File hands to the blocking pool, or to the io_uring driver, and
// gets back. A File runs at most one operation at a time (Tokio's File::Inner state: Idle(buf)
// or Busy(handle)); on io_uring the operation is a FileUringOp, which owns the buffer as the
// pool's closure does.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <utility>

#include "weft/detail/io/uring_op.hpp"

namespace weft::detail {

// An open descriptor and the path it was opened with (for error messages). Shared between the
// File and the blocking operation in flight, so that dropping the File while an operation runs
// does not close the descriptor under the blocking thread.
struct FileFd {
    FileFd(int f, std::filesystem::path p) noexcept : fd(f), path(std::move(p)) {}
    FileFd(const FileFd&) = delete;
    FileFd& operator=(const FileFd&) = delete;
    ~FileFd();  // closes fd

    int fd;
    std::filesystem::path path;
    bool regular = false;  // a regular file: reads try the page cache inline first
    bool nowait = true;    // preadv2(RWF_NOWAIT) works here (cleared on EOPNOTSUPP)
};

// The File's byte buffer: read-ahead waiting to be copied out (bytes [pos, len)), or the bytes of
// a write. While an operation runs, the blocking closure owns it (it is moved there and moved
// back in the result), so a read whose future was dropped never writes into freed memory.
// Uninitialised storage rather than std::vector: a 64 KiB read must not pay a 64 KiB memset.
class FileBuf {
  public:
    FileBuf() noexcept = default;
    FileBuf(FileBuf&& o) noexcept
        : data_(std::move(o.data_)),
          cap_(std::exchange(o.cap_, 0)),
          pos_(std::exchange(o.pos_, 0)),
          len_(std::exchange(o.len_, 0)) {}
    FileBuf& operator=(FileBuf&& o) noexcept {
        data_ = std::move(o.data_);
        cap_ = std::exchange(o.cap_, 0);
        pos_ = std::exchange(o.pos_, 0);
        len_ = std::exchange(o.len_, 0);
        return *this;
    }

    bool empty() const noexcept { return pos_ == len_; }
    std::size_t remaining() const noexcept { return len_ - pos_; }
    void clear() noexcept { pos_ = len_ = 0; }

    // Empties the buffer and makes room for `n` bytes (kept between operations).
    void prepare(std::size_t n) {
        clear();
        if (cap_ < n) {
            data_ = std::make_unique_for_overwrite<std::byte[]>(n);
            cap_ = n;
        }
    }
    std::byte* data() noexcept { return data_.get(); }
    std::size_t capacity() const noexcept { return cap_; }
    std::size_t len() const noexcept { return len_; }
    // The first `n` bytes are now filled (by a read, or copy_from).
    void set_filled(std::size_t n) noexcept {
        pos_ = 0;
        len_ = n;
    }

    // Copies unread bytes out; returns how many.
    std::size_t copy_to(std::span<std::byte> dst) noexcept {
        std::size_t n = std::min(dst.size(), remaining());
        std::copy_n(data_.get() + pos_, n, dst.begin());
        pos_ += n;
        if (pos_ == len_) clear();
        return n;
    }
    // Replaces the contents with up to `max` bytes of `src`; returns how many.
    std::size_t copy_from(std::span<const std::byte> src, std::size_t max) {
        std::size_t n = std::min(src.size(), max);
        prepare(n);
        std::copy_n(src.begin(), n, data_.get());
        set_filled(n);
        return n;
    }
    // Drops the unread read-ahead; returns its size, by which the kernel's file offset is ahead
    // of the position the File's user sees.
    std::size_t discard_read() noexcept {
        std::size_t n = remaining();
        clear();
        return n;
    }

  private:
    std::unique_ptr<std::byte[]> data_;
    std::size_t cap_ = 0, pos_ = 0, len_ = 0;
};

// The result of one blocking File operation. (A class with a constructor, not an aggregate:
// GCC 12 mishandles aggregate temporaries around co_await.)
class FileOp {
  public:
    enum class Kind : std::uint8_t { Read, Write, Seek, SetLen };

    FileOp(Kind k, FileBuf b, std::int64_t r, int e) noexcept
        : kind(k), buf(std::move(b)), result(r), err(e) {}

    Kind kind;
    FileBuf buf;
    std::int64_t result;  // Read: bytes read; Seek: the new offset
    int err;              // errno, or 0
};

/// Tests only: while on, weft::fs skips its page-cache fast paths (preadv2 RWF_NOWAIT, the
/// cached openat2), so every operation takes its io_uring or blocking-pool path (src/fs/).
void skip_fs_fast_paths_for_testing(bool skip) noexcept;
bool fs_fast_paths_skipped() noexcept;

// A File's read or write in flight on io_uring: it owns the buffer and shares the descriptor
// until its completion (uring_op.hpp).
class FileUringOp final : public UringOp {
  public:
    FileUringOp(FileOp::Kind k, std::shared_ptr<FileFd> f, FileBuf b) noexcept
        : kind(k), fd(std::move(f)), buf(std::move(b)) {}
    FileOp::Kind kind;
    std::shared_ptr<FileFd> fd;
    FileBuf buf;
    std::size_t done = 0;  // a write: bytes of buf written by earlier requests
};

}  // namespace weft::detail
