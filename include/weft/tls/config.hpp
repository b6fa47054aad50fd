#pragma once
/// \file
/// `ClientConfig` and `ServerConfig`: what a `TlsConnector` and a `TlsAcceptor` are built from.

#include <string>
#include <vector>

namespace weft::tls {

/// A TLS client's settings (rustls' `ClientConfig`, in plain fields). The defaults are the
/// safe ones: the peer's certificate is verified against the system's trusted roots
/// (`SSL_CTX_set_default_verify_paths`: Debian's /etc/ssl/certs) and its name is checked
/// against the name given to `connect`.
///
/// ```cpp
/// weft::tls::ClientConfig cfg;
/// cfg.ca_file = "ca.pem";            // trust this CA as well as the system's
/// cfg.alpn_protocols = {"h2", "http/1.1"};
/// weft::tls::TlsConnector connector(cfg);
/// ```
struct ClientConfig {
    /// Trust the system's root certificates.
    bool use_system_roots = true;
    /// A PEM file of further CA certificates to trust (empty: none).
    std::string ca_file;
    /// Verify the server's certificate and host name. Turning it off makes the connection
    /// open to anyone in the middle: only for tests against a throwaway certificate.
    bool verify = true;
    /// A client certificate (PEM, leaf first, then its chain) and its private key (PEM), for
    /// servers that ask for one. Both or neither.
    std::string cert_chain_file;
    std::string key_file;
    /// The application protocols offered by ALPN, most preferred first (empty: no ALPN).
    std::vector<std::string> alpn_protocols;
};

/// A TLS server's settings.
///
/// ```cpp
/// weft::tls::ServerConfig cfg;
/// cfg.cert_chain_file = "server.pem";  // leaf first, then intermediates
/// cfg.key_file = "server.key";
/// weft::tls::TlsAcceptor acceptor(cfg);
/// ```
struct ServerConfig {
    /// The server's certificate chain (PEM, leaf first) and private key (PEM). Required.
    std::string cert_chain_file;
    std::string key_file;
    /// Client certificates: a PEM file of the CAs they must chain to. Empty: clients are not
    /// asked for a certificate.
    std::string client_ca_file;
    /// With `client_ca_file`: refuse a client that sends no certificate (otherwise a client
    /// without one is let in, and one with a bad one is still refused).
    bool require_client_cert = true;
    /// The application protocols this server speaks, most preferred first (empty: no ALPN).
    /// A client offering ALPN with none of them is refused (no_application_protocol), as
    /// rustls does.
    std::vector<std::string> alpn_protocols;
};

}  // namespace weft::tls
