#pragma once
/// \file
/// `weft::io::copy_bidirectional`: joins two streams, each one's reads going to the other.

#include <cstdint>
#include <utility>

#include "weft/detail/io/copy_buffer.hpp"

namespace weft::io {

/// The future of `copy_bidirectional`.
template <class A, class B>
requires AsyncRead<A> && AsyncWrite<A> && AsyncRead<B> && AsyncWrite<B>
class CopyBidirectional {
  public:
    using Output = std::pair<std::uint64_t, std::uint64_t>;
    CopyBidirectional(A& a, B& b) : a_(&a), b_(&b) {}

    Poll<Output> poll(Context& cx) {
        // Both directions are polled every time: each registers its own wakers, and one
        // waiting never holds the other back.
        step(cx, a_to_b_, *a_, *b_);
        step(cx, b_to_a_, *b_, *a_);
        if (a_to_b_.done && b_to_a_.done) return Output{a_to_b_.total, b_to_a_.total};
        return Pending;
    }

  private:
    struct Direction {
        weft::detail::CopyBuffer buf;
        std::uint64_t total = 0;
        bool copied = false;  // the reader ended and the writer is flushed
        bool done = false;    // ... and the writer is shut down
    };
    template <class R, class W>
    static void step(Context& cx, Direction& d, R& r, W& w) {
        if (d.done) return;
        if (!d.copied) {
            Poll<std::uint64_t> p = d.buf.poll_copy(cx, r, w);
            if (p.is_pending()) return;
            d.total = p.value();
            d.copied = true;
        }
        // End of stream one way: pass it on (the other side's reader sees it), as a proxy
        // must, while the other direction goes on.
        if (w.poll_shutdown(cx).is_pending()) return;
        d.done = true;
    }

    A* a_;
    B* b_;
    Direction a_to_b_, b_to_a_;
};

/// Copies `a`'s reads into `b` and `b`'s reads into `a` at the same time, until both have
/// ended: Tokio's `copy_bidirectional`, the heart of a proxy. When one side's stream ends,
/// the other side's write half is shut down (it reads end of stream) and the other
/// direction goes on. Returns the bytes copied `{a to b, b to a}`. An error either way ends
/// both (it is thrown).
///
/// Cancel safety: **not** cancel safe (as `copy`).
///
/// ```cpp
/// auto upstream = co_await weft::net::TcpStream::connect(backend);
/// auto [up, down] = co_await weft::io::copy_bidirectional(client, upstream);
/// ```
template <class A, class B>
requires AsyncRead<A> && AsyncWrite<A> && AsyncRead<B> && AsyncWrite<B> CopyBidirectional<A, B>
copy_bidirectional(A& a, B& b) {
    return CopyBidirectional<A, B>(a, b);
}

}  // namespace weft::io
