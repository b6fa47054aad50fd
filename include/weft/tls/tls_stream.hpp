#pragma once
/// \file
/// `TlsStream<S>`: a TLS connection over any byte stream `S`, and `Handshake<S>`, the future
/// that makes one.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "weft/detail/tls/session.hpp"
#include "weft/io/async_read.hpp"
#include "weft/io/async_write.hpp"
#include "weft/io/error.hpp"
#include "weft/io/read.hpp"
#include "weft/io/write.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::tls {

template <class S>
class Handshake;

/// A TLS connection over `S` (`net::TcpStream`, `net::UnixStream`, `io::DuplexStream`, or any
/// other `AsyncRead + AsyncWrite`): tokio-rustls' `TlsStream`. Made by `TlsConnector::connect`
/// or `TlsAcceptor::accept`; it is itself an `io::AsyncRead` and `io::AsyncWrite`, so every
/// `weft::io` helper (`read_exact`, `BufReader`, `copy`, codecs' `Framed`) works on it.
///
/// - Reading gives the peer's plaintext; 0 is end of stream only after the peer's
///   close_notify. A transport that ends without one throws `Errc::unexpected_eof` (the data
///   may have been cut short by someone in the middle).
/// - Writing encrypts at once and starts sending; records the transport did not take yet are
///   kept and pushed out by the next read, write, `flush` or `shutdown`. Call `flush` (or
///   `shutdown`) when the bytes must have left, as with a `BufWriter`.
/// - `shutdown` sends close_notify, flushes, then shuts the transport's write side down.
/// - Dropping it drops the transport (closing a socket) without close_notify.
///
/// Cancel safety: see docs/tls.md. Reads are cancel safe (nothing is lost when a read is
/// dropped, even mid-record); `write` is cancel safe in that a dropped write wrote nothing or
/// returned; `write_all` is not (as for any stream).
template <class S>
class TlsStream {
  public:
    TlsStream(TlsStream&&) noexcept = default;
    TlsStream& operator=(TlsStream&&) noexcept = default;
    ~TlsStream() = default;

    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        if (buf.empty()) return std::size_t{0};
        for (;;) {
            auto r = s_->read(buf);
            // A read may have to answer (a TLS 1.3 key update) or may find records an
            // earlier write left: send them along, without waiting for them.
            (void)poll_push(cx);
            if (r.status == Status::data) return r.n;
            if (r.status == Status::closed) return std::size_t{0};
            if (poll_fill(cx).is_pending()) return Pending;
        }
    }

    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        if (buf.empty()) return std::size_t{0};
        // Older records first, so the buffer stays bounded by one write's worth.
        if (poll_push(cx).is_pending()) return Pending;
        std::size_t n = s_->write(buf.first(std::min(buf.size(), kMaxWrite)));
        (void)poll_push(cx);  // start sending; the rest goes with the next call
        return n;
    }

    Poll<void> poll_flush(Context& cx) {
        if (poll_push(cx).is_pending()) return Pending;
        return stream_.poll_flush(cx);
    }

    /// Sends close_notify, flushes it, then shuts down the transport's writing.
    Poll<void> poll_shutdown(Context& cx) {
        s_->close();
        if (poll_push(cx).is_pending()) return Pending;
        return stream_.poll_shutdown(cx);
    }

    /// `io::read(*this, buf)`: what is available, 0 after the peer's close_notify. Cancel safe.
    auto read(std::span<std::byte> buf) noexcept { return io::read(*this, buf); }
    auto read(std::span<char> buf) noexcept { return io::read(*this, buf); }
    /// `io::write_all(*this, ...)`. Not cancel safe.
    auto write_all(std::span<const std::byte> buf) noexcept { return io::write_all(*this, buf); }
    auto write_all(std::string_view text) noexcept { return io::write_all(*this, text); }
    /// `io::flush(*this)`: waits until every record has gone to the transport.
    auto flush() noexcept { return io::flush(*this); }
    /// `io::shutdown(*this)`: close_notify, then the transport's write side.
    auto shutdown() noexcept { return io::shutdown(*this); }

    /// The ALPN protocol agreed on in the handshake; empty if none.
    std::string alpn_protocol() const { return s_->alpn_protocol(); }
    /// The subject of the peer's certificate (RFC 2253, "CN=localhost,O=..."), if it sent one.
    std::optional<std::string> peer_certificate_subject() const { return s_->peer_subject(); }

    /// The transport underneath. Reading or writing it directly breaks the TLS stream.
    S& get_ref() noexcept { return stream_; }
    const S& get_ref() const noexcept { return stream_; }

  private:
    friend class Handshake<S>;
    using Status = weft::detail::tls::Session::Status;
    static constexpr std::size_t kMaxWrite = 64 * 1024;

    TlsStream(S stream, std::unique_ptr<weft::detail::tls::Session> s)
        : stream_(std::move(stream)), s_(std::move(s)) {}

    // Sends queued ciphertext until none is left (Ready) or the transport is full (Pending).
    Poll<void> poll_push(Context& cx) {
        for (;;) {
            std::span<const std::byte> out = s_->outgoing();
            if (out.empty()) return Ready;
            Poll<std::size_t> p = stream_.poll_write(cx, out);
            if (p.is_pending()) return Pending;
            if (p.value() == 0) throw std::system_error(io::Errc::write_zero, "weft::tls write");
            s_->consume(p.value());
        }
    }

    // Reads one batch of ciphertext from the transport into the session (Ready), or Pending.
    // End of stream is handed on too: the session then fails what still needs input.
    Poll<void> poll_fill(Context& cx) {
        Poll<std::size_t> p = stream_.poll_read(cx, s_->input_buffer());
        if (p.is_pending()) return Pending;
        s_->received(p.value());
        return Ready;
    }

    S stream_;
    std::unique_ptr<weft::detail::tls::Session> s_;
};

/// The future of `TlsConnector::connect` and `TlsAcceptor::accept`: drives the handshake over
/// the transport it owns, and is Ready with the `TlsStream` once the handshake is done and its
/// last message sent. (The server sends no TLS 1.3 session tickets, so nothing is left for the
/// client to read after its handshake: weft offers no resumption, and a client waiting for the
/// server to speak first would otherwise hold up the server's handshake over a small pipe.) Throws
/// `std::system_error` (`weft::tls::Errc`, or the transport's own error) if it fails; before
/// throwing it tries once to send OpenSSL's alert, so the peer learns why.
///
/// Cancel safety: dropping it drops the half-made session and the transport with it (a socket
/// is closed); nothing is left behind. It has no time limit of its own: a peer that says
/// nothing is bounded with `weft::time::timeout(5s, acceptor.accept(std::move(tcp)))`.
template <class S>
class Handshake {
  public:
    using Output = TlsStream<S>;

    Handshake(S stream, std::unique_ptr<weft::detail::tls::Session> s)
        : stream_(TlsStream<S>(std::move(stream), std::move(s))) {}

    Poll<TlsStream<S>> poll(Context& cx) {
        TlsStream<S>& t = *stream_;
        try {
            for (;;) {
                // (Called again after a Pending push, a step without new input does nothing.)
                if (!done_) done_ = t.s_->handshake();
                if (t.poll_push(cx).is_pending()) return Pending;
                if (done_) return std::move(*stream_);
                if (t.poll_fill(cx).is_pending()) return Pending;
            }
        } catch (...) {
            try {
                (void)t.poll_push(cx);  // the alert, if the transport takes it now
            } catch (...) {
            }
            throw;
        }
    }

  private:
    std::optional<TlsStream<S>> stream_;
    bool done_ = false;
};

}  // namespace weft::tls
