#pragma once
/// \file
/// How `weft::tls` reports failure: `std::system_error` with a `weft::tls::Errc` code.

#include <system_error>

namespace weft::tls {

/// The failures of a TLS connection or configuration. They are thrown as `std::system_error`
/// whose `code()` is one of these (category "weft.tls") and whose `what()` names the operation,
/// the peer's name where there is one, and OpenSSL's own error text (for a rejected certificate
/// also `X509_verify_cert_error_string`'s reason, such as "unable to get local issuer
/// certificate" or "hostname mismatch"). Errors of the stream underneath (a reset, a refused
/// connection) pass through unchanged, with their OS code. Each error ends only the connection
/// it happened on: the acceptor, the runtime and the other connections go on.
///
/// ```cpp
/// try {
///     auto tls = co_await connector.connect("example.com", std::move(tcp));
/// } catch (const std::system_error& e) {
///     if (e.code() == weft::tls::Errc::certificate_verify_failed) { /* e.what() says why */ }
/// }
/// ```
enum class Errc {
    /// A certificate, key or CA file could not be loaded, or the key does not match the
    /// certificate (thrown by `TlsConnector` / `TlsAcceptor` construction).
    config = 1,
    /// The handshake failed: no common version, cipher or ALPN protocol, a malformed
    /// handshake message (garbage instead of a ClientHello), an alert from the peer.
    handshake_failed,
    /// The peer's certificate was rejected: unknown CA, expired, wrong host name, or no
    /// certificate where one is required.
    certificate_verify_failed,
    /// A malformed, undecryptable or unexpected record after the handshake, or a fatal alert.
    protocol_error,
    /// The transport ended without close_notify: mid-handshake, or mid-stream (the data may
    /// have been truncated by an attacker, so it is not a clean end of stream).
    unexpected_eof,
};

/// The category of `Errc` codes (name "weft.tls").
const std::error_category& tls_category() noexcept;

/// Makes `std::error_code` from `Errc` (found by argument-dependent lookup).
inline std::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), tls_category()};
}

}  // namespace weft::tls

template <>
struct std::is_error_code_enum<weft::tls::Errc> : std::true_type {};
