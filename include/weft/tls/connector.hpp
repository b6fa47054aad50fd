#pragma once
/// \file
/// `TlsConnector` and `TlsAcceptor`: the client and server sides' handshakes.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "weft/detail/tls/session.hpp"
#include "weft/io/async_read.hpp"
#include "weft/io/async_write.hpp"
#include "weft/tls/config.hpp"
#include "weft/tls/tls_stream.hpp"

namespace weft::tls {

/// Makes client TLS connections over any stream (tokio-rustls' `TlsConnector`). Built once
/// from a `ClientConfig` (the CA files are read then: a bad file throws `Errc::config`), then
/// cheap to copy and to use from many tasks and threads at once.
///
/// ```cpp
/// weft::tls::ClientConfig cfg;
/// cfg.ca_file = "ca.pem";
/// weft::tls::TlsConnector connector(cfg);
/// auto tcp = co_await weft::net::TcpStream::connect(addr);
/// auto tls = co_await connector.connect("localhost", std::move(tcp));
/// co_await tls.write_all("GET / HTTP/1.0\r\n\r\n");
/// ```
class TlsConnector {
  public:
    explicit TlsConnector(const ClientConfig& cfg = ClientConfig{})
        : ctx_(weft::detail::tls::make_client_context(cfg)) {}

    /// Starts a handshake with the server `server_name` over `stream`, which it takes. The
    /// name is sent as SNI and the certificate must be valid for it (a DNS name, or an IP
    /// address such as "127.0.0.1", checked against the certificate's IP entries).
    template <class S>
    requires io::AsyncRead<S> && io::AsyncWrite<S> Handshake<S> connect(
        std::string_view server_name, S stream)
    const {
        return Handshake<S>(std::move(stream),
                            std::make_unique<weft::detail::tls::Session>(ctx_, true, server_name));
    }

  private:
    std::shared_ptr<weft::detail::tls::ContextHolder> ctx_;
};

/// Accepts server TLS connections over any stream (tokio-rustls' `TlsAcceptor`). Built once
/// from a `ServerConfig` (certificate and key are read then: a bad file throws
/// `Errc::config`), then cheap to copy and to use from many tasks at once.
///
/// ```cpp
/// weft::tls::ServerConfig cfg;
/// cfg.cert_chain_file = "server.pem";
/// cfg.key_file = "server.key";
/// weft::tls::TlsAcceptor acceptor(cfg);
/// auto [tcp, peer] = co_await listener.accept();
/// auto tls = co_await acceptor.accept(std::move(tcp));
/// ```
class TlsAcceptor {
  public:
    explicit TlsAcceptor(const ServerConfig& cfg)
        : ctx_(weft::detail::tls::make_server_context(cfg)) {}

    /// Starts the server's handshake over `stream`, which it takes.
    template <class S>
    requires io::AsyncRead<S> && io::AsyncWrite<S> Handshake<S> accept(S stream)
    const {
        return Handshake<S>(std::move(stream),
                            std::make_unique<weft::detail::tls::Session>(ctx_, false, ""));
    }

  private:
    std::shared_ptr<weft::detail::tls::ContextHolder> ctx_;
};

}  // namespace weft::tls
