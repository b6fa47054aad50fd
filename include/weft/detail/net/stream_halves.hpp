#pragma once
// Internal: the read and write halves of a connected stream (TcpStream, UnixStream), borrowed
// (split) or owned (into_split). Each half only forwards to its direction of the stream,
// which keeps one waker per direction, so a reader task and a writer task never race.

#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "weft/net/shutdown.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::detail {

/// A borrowed half that reads through the stream it came from (which must outlive it).
template <class S>
class ReadHalf {
  public:
    explicit ReadHalf(S& s) noexcept : s_(&s) {}
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return s_->poll_read(cx, buf);
    }

  private:
    S* s_;
};

/// A borrowed half that writes through the stream it came from (which must outlive it).
template <class S>
class WriteHalf {
  public:
    explicit WriteHalf(S& s) noexcept : s_(&s) {}
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        return s_->poll_write(cx, buf);
    }
    Poll<void> poll_flush(Context& cx) { return s_->poll_flush(cx); }
    Poll<void> poll_shutdown(Context& cx) { return s_->poll_shutdown(cx); }

  private:
    S* s_;
};

/// The owned read half: shares the stream with its write half.
template <class S>
class OwnedReadHalf {
  public:
    explicit OwnedReadHalf(std::shared_ptr<S> s) noexcept : s_(std::move(s)) {}
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return s_->poll_read(cx, buf);
    }
    auto peer_addr() const { return s_->peer_addr(); }
    auto local_addr() const { return s_->local_addr(); }

  private:
    std::shared_ptr<S> s_;
};

/// The owned write half: dropping it shuts the write side down (the peer reads end of
/// stream) even while the read half lives on, as Tokio's does.
template <class S>
class OwnedWriteHalf {
  public:
    explicit OwnedWriteHalf(std::shared_ptr<S> s) noexcept : s_(std::move(s)) {}
    OwnedWriteHalf(OwnedWriteHalf&&) noexcept = default;
    OwnedWriteHalf& operator=(OwnedWriteHalf&& o) noexcept {
        if (this != &o) {
            shut();
            s_ = std::move(o.s_);
        }
        return *this;
    }
    ~OwnedWriteHalf() { shut(); }
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        return s_->poll_write(cx, buf);
    }
    Poll<void> poll_flush(Context& cx) { return s_->poll_flush(cx); }
    Poll<void> poll_shutdown(Context& cx) { return s_->poll_shutdown(cx); }
    auto peer_addr() const { return s_->peer_addr(); }
    auto local_addr() const { return s_->local_addr(); }

  private:
    void shut() noexcept {
        if (!s_) return;
        try {
            s_->shutdown(net::Shutdown::Write);
        } catch (...) {  // already reset: nothing to tell the peer
        }
    }
    std::shared_ptr<S> s_;
};

/// `into_split` for any of these streams.
template <class S>
std::pair<OwnedReadHalf<S>, OwnedWriteHalf<S>> into_split(S&& s) {
    auto shared = std::make_shared<S>(std::move(s));
    return {OwnedReadHalf<S>(shared), OwnedWriteHalf<S>(shared)};
}

}  // namespace weft::detail
