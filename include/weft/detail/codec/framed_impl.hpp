#pragma once
/// \file
/// The machinery shared by `FramedRead`, `FramedWrite` and `Framed`: the read loop (decode
/// first, read only when the decoder needs more bytes) and the write loop (write from the
/// front of the write buffer until it is below a limit).
///
/// Read state machine, per poll:
///   - `readable`: bytes arrived (or a frame was just given) since `decode` last gave nullopt,
///     so decoding may give a frame. Decoding is tried only then, so a decoder is not asked
///     twice about the same bytes.
///   - otherwise the buffer is given at least `kReadChunk` bytes of spare room and read into;
///     a read of 0 is end of stream (`eof`): from then on `decode_eof` is asked until it gives
///     nullopt, and the stream ends (`done`).
///   - any exception (a `FrameError` from the decoder, an I/O error from the reader) ends the
///     stream too: after it, the framing of what follows is unknown.
/// Nothing is held outside the read buffer and these flags, so a poll may be abandoned
/// anywhere (the `next()` future dropped) and the next poll goes on where it stopped.

#include <cstddef>
#include <optional>
#include <system_error>

#include "weft/codec/bytes_mut.hpp"
#include "weft/codec/decoder.hpp"
#include "weft/io/error.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::detail::codec {

/// The least spare room given to each read of the inner reader.
inline constexpr std::size_t kReadChunk = 8 * 1024;
/// The default backpressure boundary of the write buffer.
inline constexpr std::size_t kDefaultBackpressureBoundary = 8 * 1024;

struct ReadState {
    weft::codec::BytesMut buf;
    bool readable = false;  // decode may give a frame (new bytes since it last gave nullopt)
    bool eof = false;       // the reader gave end of stream
    bool done = false;      // the stream has ended (clean end, or after an exception)
};

template <class IO, class D>
Poll<std::optional<weft::codec::decoder_item_t<D>>> poll_next_frame(IO& io, D& codec, ReadState& st,
                                                                    Context& cx) {
    using Out = std::optional<weft::codec::decoder_item_t<D>>;
    try {
        for (;;) {
            if (st.done) return Out();
            if (st.readable) {
                if (st.eof) {
                    Out frame = weft::codec::decode_eof(codec, st.buf);
                    if (frame) return frame;
                    st.done = true;
                    return Out();
                }
                Out frame = codec.decode(st.buf);
                if (frame) return frame;
                st.readable = false;
            }
            st.buf.reserve(kReadChunk);
            Poll<std::size_t> p = io.poll_read(cx, st.buf.spare());
            if (p.is_pending()) return Pending;
            if (p.value() == 0) {
                st.eof = true;
            } else {
                st.buf.commit(p.value());
            }
            st.readable = true;
        }
    } catch (...) {
        st.done = true;
        throw;
    }
}

struct WriteState {
    weft::codec::BytesMut buf;
    std::size_t boundary = kDefaultBackpressureBoundary;
};

/// Writes from the front of `buf` until it holds fewer than `limit` bytes (or none).
template <class IO>
Poll<void> poll_write_below(IO& io, weft::codec::BytesMut& buf, std::size_t limit, Context& cx) {
    while (!buf.empty() && buf.size() >= limit) {
        Poll<std::size_t> p = io.poll_write(cx, buf.bytes());
        if (p.is_pending()) return Pending;
        if (p.value() == 0) {
            throw std::system_error(weft::io::Errc::write_zero, "weft::codec: write returned 0");
        }
        buf.advance(p.value());
    }
    return Ready;
}

template <class IO>
Poll<void> poll_ready(IO& io, WriteState& st, Context& cx) {
    return poll_write_below(io, st.buf, st.boundary, cx);
}

template <class IO>
Poll<void> poll_flush(IO& io, WriteState& st, Context& cx) {
    if (poll_write_below(io, st.buf, 1, cx).is_pending()) return Pending;
    return io.poll_flush(cx);
}

template <class IO>
Poll<void> poll_close(IO& io, WriteState& st, Context& cx) {
    if (poll_flush(io, st, cx).is_pending()) return Pending;
    return io.poll_shutdown(cx);
}

}  // namespace weft::detail::codec
