#pragma once
/// \file
/// The OpenSSL connection behind a `TlsStream`, without any I/O of its own (sans-I/O).
///
/// Design: OpenSSL never sees a file descriptor. Each `Session` owns an `SSL` with two memory
/// BIOs: ciphertext received from the peer is written into the read BIO (`received`), and
/// whatever OpenSSL wants to send (handshake messages, records, alerts, close_notify) is moved
/// out of the write BIO into `out_` after every call (`outgoing` / `consume`). `TlsStream<S>`
/// (a template over the transport) pumps the bytes between these buffers and the transport
/// with the transport's own `poll_read` / `poll_write`, so the same code runs over TCP, Unix
/// sockets and the in-memory duplex on either I/O driver. All state lives here, never in a
/// future, which is what makes the stream's reads cancel safe: bytes decrypted but not yet
/// handed out stay in the `SSL`, ciphertext not yet sent stays in `out_`.
///
/// OpenSSL's types stay out of weft's headers (this one only names opaque pointers), so
/// including `weft/tls/tls.hpp` needs no OpenSSL headers; `weft::tls` links OpenSSL privately.
/// A session is used by one task at a time (the stream's owner); OpenSSL's error queue is
/// per-thread, and each call here clears it first and reads it before returning, within one
/// poll, so a task moving between worker threads is fine.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::tls {
struct ClientConfig;
struct ServerConfig;
}  // namespace weft::tls

namespace weft::detail::tls {

/// An `SSL_CTX` with the settings of a `ClientConfig` or `ServerConfig` (shared by all the
/// sessions a connector or acceptor makes; OpenSSL's contexts are thread safe once set up).
class ContextHolder;
std::shared_ptr<ContextHolder> make_client_context(const weft::tls::ClientConfig& cfg);
std::shared_ptr<ContextHolder> make_server_context(const weft::tls::ServerConfig& cfg);

class Session {
  public:
    /// A client session for `server_name` (SNI and the name verified; an IP address is
    /// verified as an address and sent no SNI), or a server session (`server_name` empty).
    Session(std::shared_ptr<ContextHolder> ctx, bool client, std::string_view server_name);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// One step of the handshake: true once it is complete, false when it needs more input
    /// from the peer. Throws `std::system_error` (`weft::tls::Errc`) if it fails.
    bool handshake();

    enum class Status { data, want_read, closed };
    struct ReadResult {
        std::size_t n;
        Status status;
    };
    /// Decrypts into `buf` (non-empty): `data` with n > 0, or `want_read` (feed more input),
    /// or `closed` (the peer's close_notify: end of stream). Throws on a bad record, an alert
    /// or a transport end without close_notify.
    ReadResult read(std::span<std::byte> buf);
    /// Encrypts all of `buf` into records (queued in `outgoing`); returns `buf.size()`.
    std::size_t write(std::span<const std::byte> buf);
    /// Queues close_notify (once; later calls do nothing).
    void close();
    bool close_sent() const noexcept { return close_sent_; }

    /// Ciphertext waiting to be sent, and how much of it the transport took.
    std::span<const std::byte> outgoing() const noexcept {
        return std::span<const std::byte>(out_).subspan(out_pos_);
    }
    void consume(std::size_t n) noexcept;

    /// Where to read ciphertext from the transport, then how much came (0: end of stream).
    std::span<std::byte> input_buffer() noexcept { return in_; }
    void received(std::size_t n);

    /// The ALPN protocol agreed on (empty if none).
    std::string alpn_protocol() const;
    /// The peer certificate's subject (RFC 2253), if the peer sent one.
    std::optional<std::string> peer_subject() const;

  private:
    void drain();
    [[noreturn]] void fail(int ssl_error, const char* op);
    std::shared_ptr<ContextHolder> ctx_;
    void* ssl_ = nullptr;   // SSL*
    void* rbio_ = nullptr;  // BIO*: ciphertext from the peer, owned by ssl_
    void* wbio_ = nullptr;  // BIO*: ciphertext for the peer, owned by ssl_
    std::string name_;      // for messages: the server's name, or "client"
    std::vector<std::byte> out_;
    std::size_t out_pos_ = 0;
    std::vector<std::byte> in_;
    bool eof_ = false;
    bool close_sent_ = false;
    bool handshake_done_ = false;
};

}  // namespace weft::detail::tls
