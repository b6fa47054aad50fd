#pragma once
/// \file
/// `SeekFrom`: where `File::seek` moves to (Rust's `std::io::SeekFrom`).

#include <cstdint>

namespace weft::fs {

/// A seek target: an offset from the start, the end, or the current position of a file.
/// Rust's `SeekFrom` enum, as a value made by one of three named constructors (the C
/// `whence` + offset pair, with the whence spelled out).
///
/// ```cpp
/// std::uint64_t at = co_await file.seek(weft::fs::SeekFrom::start(128));      // at == 128
/// co_await file.seek(weft::fs::SeekFrom::current(-16));                        // back 16
/// std::uint64_t size = co_await file.seek(weft::fs::SeekFrom::end(0));         // the length
/// ```
class SeekFrom {
  public:
    /// What the offset is relative to (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`).
    enum class Whence : std::uint8_t { Start, Current, End };

    /// `offset` bytes from the start of the file.
    static constexpr SeekFrom start(std::uint64_t offset) noexcept {
        return {Whence::Start, static_cast<std::int64_t>(offset)};
    }
    /// `offset` bytes from the current position (negative: backwards).
    static constexpr SeekFrom current(std::int64_t offset) noexcept {
        return {Whence::Current, offset};
    }
    /// `offset` bytes from the end of the file (0: the end; negative: before it).
    static constexpr SeekFrom end(std::int64_t offset) noexcept { return {Whence::End, offset}; }

    constexpr Whence whence() const noexcept { return whence_; }
    /// The offset. For `start`, an offset above `INT64_MAX` reads as negative here, and the
    /// seek fails with `EINVAL`, as lseek(2) does.
    constexpr std::int64_t offset() const noexcept { return offset_; }

    friend constexpr bool operator==(SeekFrom, SeekFrom) noexcept = default;

  private:
    constexpr SeekFrom(Whence w, std::int64_t off) noexcept : whence_(w), offset_(off) {}
    Whence whence_;
    std::int64_t offset_;
};

}  // namespace weft::fs
