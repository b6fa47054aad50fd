#pragma once
/// \file
/// `BytesMut`: a growable, contiguous byte buffer with a cheap front cursor (the role of the
/// `bytes` crate's `BytesMut` in tokio-util's codecs).
///
/// Design: one heap block `[0, cap)` holding the live bytes at `[head, tail)`. Consuming from
/// the front (`advance`, `split_to`) moves `head` only, so it is O(1) whatever the size; the
/// dead front is reclaimed by `reserve`, which slides the live bytes down when the dead front is
/// at least as large as they are (so each byte is moved at most once per byte consumed:
/// amortised O(1)) and otherwise grows the block geometrically (at least doubling). Bytes are
/// never zeroed: `spare()` is raw room to read into, and `commit(n)` makes its first `n` bytes
/// data. Unlike Rust's `BytesMut`, `split_to` returns an owned copy (a buffer of its own), except
/// when it takes everything from a block it mostly fills, where it takes the block itself.

#include <compare>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace weft::codec {

/// A growable byte buffer for framing: read into its spare room, decode from its front.
///
/// ```cpp
/// weft::codec::BytesMut buf;
/// buf.extend("PING\r\nPO");
/// auto line = buf.split_to(4);  // "PING"; buf holds "\r\nPO"
/// buf.advance(2);               // buf holds "PO"
/// ```
///
/// Copying copies the live bytes; moving steals the block and leaves the source empty.
/// Preconditions (`commit`, `advance`, `split_to` past the end) throw `std::out_of_range`.
class BytesMut {
  public:
    BytesMut() noexcept = default;
    /// An empty buffer with room for `capacity` bytes.
    explicit BytesMut(std::size_t capacity);
    BytesMut(const BytesMut& o);
    BytesMut(BytesMut&& o) noexcept;
    BytesMut& operator=(const BytesMut& o);
    BytesMut& operator=(BytesMut&& o) noexcept;
    ~BytesMut() = default;

    /// A buffer holding a copy of `b` / `s`.
    static BytesMut copy_from(std::span<const std::byte> b);
    static BytesMut copy_from(std::string_view s);

    /// Bytes held.
    std::size_t size() const noexcept { return tail_ - head_; }
    bool empty() const noexcept { return tail_ == head_; }
    /// Bytes the buffer can hold from its front without growing (`size()` plus the spare room).
    std::size_t capacity() const noexcept { return cap_ - head_; }

    const std::byte* data() const noexcept { return buf_.get() + head_; }
    std::byte* data() noexcept { return buf_.get() + head_; }
    std::span<const std::byte> bytes() const noexcept { return {data(), size()}; }
    /// The bytes as characters.
    std::string_view view() const noexcept {
        return {reinterpret_cast<const char*>(data()), size()};
    }
    /// Byte `i` (unchecked: `i < size()`).
    std::byte operator[](std::size_t i) const noexcept { return buf_[head_ + i]; }

    /// Makes room for `size() + additional` bytes: afterwards `spare().size() >= additional`.
    /// May move the bytes (compacting the consumed front, or into a larger block), so it
    /// invalidates pointers and spans into the buffer.
    void reserve(std::size_t additional);
    /// The writable room after the data (read into it, then `commit`).
    std::span<std::byte> spare() noexcept { return {buf_.get() + tail_, cap_ - tail_}; }
    /// The first `n` bytes of `spare()` become data.
    void commit(std::size_t n);
    /// Appends bytes (growing as needed).
    void extend(std::span<const std::byte> b);
    void extend(std::string_view s);

    /// Drops `n` bytes from the front, in O(1).
    void advance(std::size_t n);
    /// Takes the first `n` bytes out as a buffer of their own; `*this` keeps the rest.
    BytesMut split_to(std::size_t n);
    /// Keeps only the first `n` bytes (no effect when `n >= size()`).
    void truncate(std::size_t n) noexcept;
    /// Drops every byte; keeps the block.
    void clear() noexcept { head_ = tail_ = 0; }

    /// Byte-wise comparison of the contents.
    friend bool operator==(const BytesMut& a, const BytesMut& b) noexcept {
        return a.view() == b.view();
    }
    friend bool operator==(const BytesMut& a, std::string_view b) noexcept { return a.view() == b; }

  private:
    std::unique_ptr<std::byte[]> buf_;
    std::size_t cap_ = 0;   // size of buf_
    std::size_t head_ = 0;  // first live byte
    std::size_t tail_ = 0;  // one past the last live byte
};

}  // namespace weft::codec
