#pragma once
/// \file
/// `ReadHalf`, `WriteHalf`, `OwnedReadHalf`, `OwnedWriteHalf`: the two directions of a
/// connected stream (`TcpStream`, `UnixStream`), for a reader task and a writer task at once.
///
/// Each half forwards to its direction of the stream only, and the stream keeps one waker per
/// direction, so the reader and the writer never race. Each half is an `io::AsyncRead` or an
/// `io::AsyncWrite`, so every `weft::io` helper works on it. Tokio's `tcp::ReadHalf`,
/// `tcp::OwnedReadHalf` and friends; here one template serves `TcpStream` and `UnixStream`
/// (`TcpStream::ReadHalf` is `net::ReadHalf<TcpStream>`, and so on).

#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "weft/net/shutdown.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::net {

/// The read half of `stream.split()`: borrows the stream, which must outlive it. Cheap to
/// copy; a copy reads the same stream (only one task should read at a time).
///
/// ```cpp
/// auto [rd, wr] = stream.split();
/// co_await weft::join(copy_lines(rd), send_heartbeats(wr));
/// ```
template <class Stream>
class ReadHalf {
  public:
    explicit ReadHalf(Stream& s) noexcept : s_(&s) {}
    /// `io::AsyncRead`: reads through the stream.
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return s_->poll_read(cx, buf);
    }

  private:
    Stream* s_;
};

/// The write half of `stream.split()`: borrows the stream, which must outlive it. Dropping it
/// does nothing to the stream.
template <class Stream>
class WriteHalf {
  public:
    explicit WriteHalf(Stream& s) noexcept : s_(&s) {}
    /// `io::AsyncWrite`: writes, flushes and shuts down through the stream.
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        return s_->poll_write(cx, buf);
    }
    Poll<void> poll_flush(Context& cx) { return s_->poll_flush(cx); }
    Poll<void> poll_shutdown(Context& cx) { return s_->poll_shutdown(cx); }

  private:
    Stream* s_;
};

/// The read half of `std::move(stream).into_split()`: shares ownership of the stream with
/// its write half, so each can move into its own spawned task. The connection closes when
/// both halves are gone.
///
/// ```cpp
/// auto [rd, wr] = std::move(stream).into_split();
/// weft::spawn(read_loop(std::move(rd))).detach();
/// weft::spawn(write_loop(std::move(wr))).detach();
/// ```
template <class Stream>
class OwnedReadHalf {
  public:
    explicit OwnedReadHalf(std::shared_ptr<Stream> s) noexcept : s_(std::move(s)) {}
    /// `io::AsyncRead`: reads through the stream.
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return s_->poll_read(cx, buf);
    }
    /// The stream's `peer_addr()` and `local_addr()`.
    auto peer_addr() const { return s_->peer_addr(); }
    auto local_addr() const { return s_->local_addr(); }

  private:
    std::shared_ptr<Stream> s_;
};

/// The write half of `std::move(stream).into_split()`. Dropping it (or assigning over it)
/// shuts the write side down, so the peer reads end of stream, even while the read half
/// lives on, as Tokio's does.
template <class Stream>
class OwnedWriteHalf {
  public:
    explicit OwnedWriteHalf(std::shared_ptr<Stream> s) noexcept : s_(std::move(s)) {}
    OwnedWriteHalf(OwnedWriteHalf&&) noexcept = default;
    OwnedWriteHalf& operator=(OwnedWriteHalf&& o) noexcept {
        if (this != &o) {
            shut();
            s_ = std::move(o.s_);
        }
        return *this;
    }
    ~OwnedWriteHalf() { shut(); }
    /// `io::AsyncWrite`: writes, flushes and shuts down through the stream.
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        return s_->poll_write(cx, buf);
    }
    Poll<void> poll_flush(Context& cx) { return s_->poll_flush(cx); }
    Poll<void> poll_shutdown(Context& cx) { return s_->poll_shutdown(cx); }
    /// The stream's `peer_addr()` and `local_addr()`.
    auto peer_addr() const { return s_->peer_addr(); }
    auto local_addr() const { return s_->local_addr(); }

  private:
    void shut() noexcept {
        if (!s_) return;
        try {
            s_->shutdown(Shutdown::Write);
        } catch (...) {  // already reset: nothing to tell the peer
        }
    }
    std::shared_ptr<Stream> s_;
};

}  // namespace weft::net
