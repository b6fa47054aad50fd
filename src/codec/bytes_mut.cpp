// BytesMut: the block management behind the header's inline accessors (see the design comment
// in include/weft/codec/bytes_mut.hpp).

#include "weft/codec/bytes_mut.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

namespace weft::codec {

namespace {

constexpr std::size_t kMinBlock = 64;

std::unique_ptr<std::byte[]> allocate(std::size_t n) {
    // Default-initialised: the bytes are not zeroed (they are written before they are read).
    return std::unique_ptr<std::byte[]>(new std::byte[n]);
}

}  // namespace

BytesMut::BytesMut(std::size_t capacity) {
    if (capacity > 0) {
        buf_ = allocate(capacity);
        cap_ = capacity;
    }
}

BytesMut::BytesMut(const BytesMut& o) : BytesMut(o.size()) {
    if (!o.empty()) std::memcpy(buf_.get(), o.data(), o.size());
    tail_ = o.size();
}

BytesMut::BytesMut(BytesMut&& o) noexcept
    : buf_(std::move(o.buf_)),
      cap_(std::exchange(o.cap_, 0)),
      head_(std::exchange(o.head_, 0)),
      tail_(std::exchange(o.tail_, 0)) {}

BytesMut& BytesMut::operator=(const BytesMut& o) {
    if (this != &o) {
        clear();
        extend(o.bytes());
    }
    return *this;
}

BytesMut& BytesMut::operator=(BytesMut&& o) noexcept {
    if (this != &o) {
        buf_ = std::move(o.buf_);
        cap_ = std::exchange(o.cap_, 0);
        head_ = std::exchange(o.head_, 0);
        tail_ = std::exchange(o.tail_, 0);
    }
    return *this;
}

BytesMut BytesMut::copy_from(std::span<const std::byte> b) {
    BytesMut out(b.size());
    out.extend(b);
    return out;
}

BytesMut BytesMut::copy_from(std::string_view s) {
    return copy_from(std::as_bytes(std::span(s.data(), s.size())));
}

void BytesMut::reserve(std::size_t additional) {
    if (cap_ - tail_ >= additional) return;
    const std::size_t len = size();
    // Slide down when the dead front is at least as large as the live bytes and makes room:
    // the copy costs no more than the bytes consumed since the last one.
    if (head_ >= len && cap_ - len >= additional) {
        if (len > 0) std::memmove(buf_.get(), buf_.get() + head_, len);
        head_ = 0;
        tail_ = len;
        return;
    }
    if (additional > std::numeric_limits<std::size_t>::max() - len) {
        throw std::length_error("weft::codec::BytesMut::reserve: size overflow");
    }
    const std::size_t need = len + additional;
    std::size_t grown = cap_ <= std::numeric_limits<std::size_t>::max() / 2 ? cap_ * 2 : need;
    std::size_t new_cap = std::max({need, grown, kMinBlock});
    auto block = allocate(new_cap);
    if (len > 0) std::memcpy(block.get(), buf_.get() + head_, len);
    buf_ = std::move(block);
    cap_ = new_cap;
    head_ = 0;
    tail_ = len;
}

void BytesMut::commit(std::size_t n) {
    if (n > cap_ - tail_)
        throw std::out_of_range("weft::codec::BytesMut::commit past the spare room");
    tail_ += n;
}

void BytesMut::extend(std::span<const std::byte> b) {
    if (b.empty()) return;
    reserve(b.size());
    std::memcpy(buf_.get() + tail_, b.data(), b.size());
    tail_ += b.size();
}

void BytesMut::extend(std::string_view s) {
    extend(std::as_bytes(std::span(s.data(), s.size())));
}

void BytesMut::advance(std::size_t n) {
    if (n > size()) throw std::out_of_range("weft::codec::BytesMut::advance past the end");
    head_ += n;
    if (head_ == tail_) head_ = tail_ = 0;  // empty: the whole block is room again
}

BytesMut BytesMut::split_to(std::size_t n) {
    if (n > size()) throw std::out_of_range("weft::codec::BytesMut::split_to past the end");
    if (n > 0 && n == size() && n >= cap_ / 2) {
        // Everything, from a block it mostly fills: hand over the block instead of copying.
        BytesMut out(std::move(*this));
        return out;
    }
    BytesMut out(n);
    if (n > 0) std::memcpy(out.buf_.get(), data(), n);
    out.tail_ = n;
    advance(n);
    return out;
}

void BytesMut::truncate(std::size_t n) noexcept {
    if (n < size()) tail_ = head_ + n;
    if (head_ == tail_) head_ = tail_ = 0;
}

}  // namespace weft::codec
