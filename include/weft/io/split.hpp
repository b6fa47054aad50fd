#pragma once
/// \file
/// `io::split`: any stream that is both `AsyncRead` and `AsyncWrite` as a read half and a
/// write half, for two tasks; `io::unsplit` puts it back together. Tokio's `tokio::io::split`.
///
/// Design. Both halves share ownership of the stream and a mutex; each poll takes the mutex
/// for the length of one `poll_read` or `poll_write` call (never across a suspension), so two
/// tasks on two threads never run into the stream at once. That is enough when the stream
/// keeps one waker per direction, as every weft stream does (the sockets, `DuplexStream`, a
/// `BufReader` over them): the reader's waker and the writer's are stored apart and both are
/// woken. A stream with a single waker for everything would lose one of them: it needs its
/// own split. For weft's sockets `TcpStream::split()`/`into_split()` (weft/net/split.hpp)
/// need no lock at all: prefer them there.

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <utility>

#include "weft/io/async_read.hpp"
#include "weft/io/async_write.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::io {

namespace detail_split {
template <class S>
struct Shared {
    explicit Shared(S s) : stream(std::move(s)) {}
    std::mutex mu;  // held for one poll of `stream`
    S stream;
};
}  // namespace detail_split

template <class S>
class WriteHalf;

/// The read half of `io::split(stream)`: an `AsyncRead`. Move-only; the stream lives until
/// both halves are gone (or `unsplit` takes it back).
template <class S>
class ReadHalf {
  public:
    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        std::lock_guard lock(s_->mu);
        return s_->stream.poll_read(cx, buf);
    }
    /// Whether `w` is the other half of the same split.
    bool is_pair_of(const WriteHalf<S>& w) const noexcept { return s_ == w.s_; }

  private:
    template <class T>
    friend std::pair<ReadHalf<T>, WriteHalf<T>> split(T stream);
    template <class T>
    friend T unsplit(ReadHalf<T> r, WriteHalf<T> w);
    friend class WriteHalf<S>;
    explicit ReadHalf(std::shared_ptr<detail_split::Shared<S>> s) noexcept : s_(std::move(s)) {}
    std::shared_ptr<detail_split::Shared<S>> s_;
};

/// The write half of `io::split(stream)`: an `AsyncWrite`. Dropping it does not shut the
/// stream down (call `io::shutdown` on it first if the peer should see end of stream).
template <class S>
class WriteHalf {
  public:
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        std::lock_guard lock(s_->mu);
        return s_->stream.poll_write(cx, buf);
    }
    Poll<void> poll_flush(Context& cx) {
        std::lock_guard lock(s_->mu);
        return s_->stream.poll_flush(cx);
    }
    Poll<void> poll_shutdown(Context& cx) {
        std::lock_guard lock(s_->mu);
        return s_->stream.poll_shutdown(cx);
    }
    bool is_pair_of(const ReadHalf<S>& r) const noexcept { return s_ == r.s_; }

  private:
    template <class T>
    friend std::pair<ReadHalf<T>, WriteHalf<T>> split(T stream);
    template <class T>
    friend T unsplit(ReadHalf<T> r, WriteHalf<T> w);
    friend class ReadHalf<S>;
    explicit WriteHalf(std::shared_ptr<detail_split::Shared<S>> s) noexcept : s_(std::move(s)) {}
    std::shared_ptr<detail_split::Shared<S>> s_;
};

/// Splits `stream` (moved in) into a read half and a write half that two tasks, on any
/// threads, may use at once.
///
/// ```cpp
/// auto [client, server] = weft::io::duplex(1024);
/// auto [rd, wr] = weft::io::split(std::move(server));
/// co_await weft::io::write_all(wr, std::string_view("hello"));
/// ```
template <class S>
std::pair<ReadHalf<S>, WriteHalf<S>> split(S stream) {
    static_assert(AsyncRead<S> && AsyncWrite<S>, "io::split needs an AsyncRead + AsyncWrite");
    auto shared = std::make_shared<detail_split::Shared<S>>(std::move(stream));
    return {ReadHalf<S>(shared), WriteHalf<S>(shared)};
}

/// The stream back from its two halves. Throws `std::invalid_argument` if they are not the
/// two halves of one split.
template <class S>
S unsplit(ReadHalf<S> r, WriteHalf<S> w) {
    if (!r.is_pair_of(w))
        throw std::invalid_argument("weft::io::unsplit: the halves are not from the same split");
    std::shared_ptr<detail_split::Shared<S>> s = std::move(r.s_);
    w.s_.reset();
    return std::move(s->stream);
}

}  // namespace weft::io
