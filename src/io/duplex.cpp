#include "weft/io/duplex.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "weft/detail/sync/waiter_list.hpp"
#include "weft/io/error.hpp"
#include "weft/task/waker.hpp"

namespace weft::detail {

// One direction: a ring buffer under a lock, with the reader's and the writer's waker.
// Wakers are taken out under the lock and woken (or, when a poll replaces one, dropped) after
// it, so a waker that runs code (or frees a task) never does so while the lock is held.
struct DuplexPipe {
    explicit DuplexPipe(std::size_t max) : ring(std::max<std::size_t>(max, 1)) {}
    std::mutex mu;
    std::vector<std::byte> ring;
    std::size_t head = 0, len = 0;
    bool write_closed = false;  // the writer shut down or is gone: end of stream after len
    bool read_closed = false;   // the reader is gone: writes fail
    Waker reader, writer;
};

}  // namespace weft::detail

namespace weft::io {

using Pipe = weft::detail::DuplexPipe;

std::pair<DuplexStream, DuplexStream> duplex(std::size_t max_buf_size) {
    auto a_to_b = std::make_shared<Pipe>(max_buf_size);
    auto b_to_a = std::make_shared<Pipe>(max_buf_size);
    return {DuplexStream(b_to_a, a_to_b), DuplexStream(a_to_b, b_to_a)};
}

DuplexStream& DuplexStream::operator=(DuplexStream&& o) noexcept {
    if (this != &o) {
        close();
        in_ = std::move(o.in_);
        out_ = std::move(o.out_);
    }
    return *this;
}

DuplexStream::~DuplexStream() {
    close();
}

void DuplexStream::close() noexcept {
    Waker wake_writer, wake_reader;
    if (in_) {
        std::lock_guard lock(in_->mu);
        in_->read_closed = true;
        wake_writer = std::move(in_->writer);
    }
    if (out_) {
        std::lock_guard lock(out_->mu);
        out_->write_closed = true;
        wake_reader = std::move(out_->reader);
    }
    std::move(wake_writer).wake();
    std::move(wake_reader).wake();
}

Poll<std::size_t> DuplexStream::poll_read(Context& cx, std::span<std::byte> buf) {
    Waker writer, replaced;  // both dropped after the lock
    std::size_t n = 0;
    {
        std::lock_guard lock(in_->mu);
        Pipe& p = *in_;
        if (p.len == 0) {
            if (p.write_closed || buf.empty()) return std::size_t{0};
            replaced = detail::replace_waker(p.reader, cx.waker());
            return Pending;
        }
        n = std::min(buf.size(), p.len);
        // At most two pieces: from head to the ring's end, then from its start.
        std::size_t first = std::min(n, p.ring.size() - p.head);
        std::memcpy(buf.data(), p.ring.data() + p.head, first);
        std::memcpy(buf.data() + first, p.ring.data(), n - first);
        p.head = (p.head + n) % p.ring.size();
        p.len -= n;
        writer = std::move(p.writer);
    }
    std::move(writer).wake();
    return n;
}

Poll<std::size_t> DuplexStream::poll_write(Context& cx, std::span<const std::byte> buf) {
    Waker reader, replaced;  // both dropped after the lock
    std::size_t n = 0;
    {
        std::lock_guard lock(out_->mu);
        Pipe& p = *out_;
        if (p.read_closed || p.write_closed)
            detail::throw_os_error(EPIPE, "weft::io::DuplexStream::write");
        if (buf.empty()) return std::size_t{0};
        std::size_t space = p.ring.size() - p.len;
        if (space == 0) {
            replaced = detail::replace_waker(p.writer, cx.waker());
            return Pending;
        }
        n = std::min(buf.size(), space);
        std::size_t tail = (p.head + p.len) % p.ring.size();
        std::size_t first = std::min(n, p.ring.size() - tail);
        std::memcpy(p.ring.data() + tail, buf.data(), first);
        std::memcpy(p.ring.data(), buf.data() + first, n - first);
        p.len += n;
        reader = std::move(p.reader);
    }
    std::move(reader).wake();
    return n;
}

Poll<void> DuplexStream::poll_shutdown(Context&) {
    Waker reader;
    {
        std::lock_guard lock(out_->mu);
        out_->write_closed = true;
        reader = std::move(out_->reader);
    }
    std::move(reader).wake();
    return Ready;
}

}  // namespace weft::io
