// weft::tls on OpenSSL 3: the contexts (SSL_CTX) built from the configs, the sans-I/O session
// (an SSL between two memory BIOs; include/weft/detail/tls/session.hpp has the design), and
// the error category. OpenSSL's headers are included here only.
//
// Errors: every SSL call clears the thread's error queue first and, on failure, turns the queue
// into the message of one std::system_error with a weft::tls::Errc code:
//   - certificate_verify_failed when OpenSSL's reason is "certificate verify failed" (our side
//     rejected the peer's certificate); the message has X509_verify_cert_error_string's reason;
//   - unexpected_eof when the transport ended (without close_notify, or mid-handshake);
//   - handshake_failed for anything else before the handshake finished, protocol_error after.

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <string>

#include "weft/detail/tls/session.hpp"
#include "weft/tls/config.hpp"
#include "weft/tls/error.hpp"

namespace weft::tls {

namespace {
class TlsCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "weft.tls"; }
    std::string message(int c) const override {
        switch (static_cast<Errc>(c)) {
            case Errc::config:
                return "TLS configuration error";
            case Errc::handshake_failed:
                return "TLS handshake failed";
            case Errc::certificate_verify_failed:
                return "TLS certificate verification failed";
            case Errc::protocol_error:
                return "TLS protocol error";
            case Errc::unexpected_eof:
                return "TLS connection closed without close_notify";
        }
        return "unknown weft.tls error";
    }
};
}  // namespace

const std::error_category& tls_category() noexcept {
    static const TlsCategory category;
    return category;
}

}  // namespace weft::tls

namespace weft::detail::tls {

using weft::tls::Errc;

namespace {

// OpenSSL's queued errors as text ("error:0A000086:SSL routines::certificate verify failed"),
// emptying the queue; `first_reason` gets the first one's reason code.
std::string take_errors(int* first_reason = nullptr) {
    std::string out;
    bool first = true;
    while (unsigned long e = ERR_get_error()) {
        if (first && first_reason != nullptr) *first_reason = ERR_GET_REASON(e);
        first = false;
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

[[noreturn]] void config_error(const std::string& what) {
    std::string errs = take_errors();
    throw std::system_error(Errc::config,
                            "weft::tls: " + what + (errs.empty() ? "" : " (" + errs + ")"));
}

// The ALPN wire format: each name preceded by its length.
std::string alpn_wire(const std::vector<std::string>& protos) {
    std::string wire;
    for (const std::string& p : protos) {
        if (p.empty() || p.size() > 255)
            throw std::system_error(Errc::config, "weft::tls: bad ALPN protocol name '" + p + "'");
        wire += static_cast<char>(p.size());
        wire += p;
    }
    return wire;
}

bool is_ip_address(const std::string& name) {
    unsigned char buf[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, name.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

void load_cert_and_key(SSL_CTX* ctx, const std::string& chain, const std::string& key) {
    if (SSL_CTX_use_certificate_chain_file(ctx, chain.c_str()) != 1)
        config_error("cannot load the certificate chain from " + chain);
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
        config_error("cannot load the private key from " + key);
    if (SSL_CTX_check_private_key(ctx) != 1)
        config_error("the private key in " + key + " does not match the certificate in " + chain);
}

}  // namespace

class ContextHolder {
  public:
    explicit ContextHolder(SSL_CTX* ctx) : ctx(ctx) {}
    ~ContextHolder() { SSL_CTX_free(ctx); }
    ContextHolder(const ContextHolder&) = delete;
    ContextHolder& operator=(const ContextHolder&) = delete;
    SSL_CTX* ctx;
    bool verify = true;
    std::string alpn;  // the server's protocols, wire format
};

namespace {

// The common settings: TLS 1.2 at least, no renegotiation (so a write never has to read).
std::shared_ptr<ContextHolder> new_context(const SSL_METHOD* method) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(method);
    if (ctx == nullptr) config_error("SSL_CTX_new failed");
    auto holder = std::make_shared<ContextHolder>(ctx);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    return holder;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
    auto* h = static_cast<ContextHolder*>(arg);
    unsigned char* sel = nullptr;
    if (SSL_select_next_proto(&sel, outlen, reinterpret_cast<const unsigned char*>(h->alpn.data()),
                              static_cast<unsigned>(h->alpn.size()), in,
                              inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

std::shared_ptr<ContextHolder> make_client_context(const weft::tls::ClientConfig& cfg) {
    auto h = new_context(TLS_client_method());
    SSL_CTX* ctx = h->ctx;
    h->verify = cfg.verify;
    SSL_CTX_set_verify(ctx, cfg.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (cfg.use_system_roots && SSL_CTX_set_default_verify_paths(ctx) != 1)
        config_error("cannot load the system's root certificates");
    if (!cfg.ca_file.empty() &&
        SSL_CTX_load_verify_locations(ctx, cfg.ca_file.c_str(), nullptr) != 1)
        config_error("cannot load CA certificates from " + cfg.ca_file);
    if (cfg.cert_chain_file.empty() != cfg.key_file.empty())
        throw std::system_error(
            Errc::config,
            "weft::tls: a client certificate needs both cert_chain_file and key_file");
    if (!cfg.cert_chain_file.empty()) load_cert_and_key(ctx, cfg.cert_chain_file, cfg.key_file);
    if (!cfg.alpn_protocols.empty()) {
        std::string wire = alpn_wire(cfg.alpn_protocols);
        // (SSL_CTX_set_alpn_protos returns 0 on success)
        if (SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size())) != 0)
            config_error("cannot set the ALPN protocols");
    }
    return h;
}

std::shared_ptr<ContextHolder> make_server_context(const weft::tls::ServerConfig& cfg) {
    auto h = new_context(TLS_server_method());
    SSL_CTX* ctx = h->ctx;
    if (cfg.cert_chain_file.empty() || cfg.key_file.empty())
        throw std::system_error(Errc::config,
                                "weft::tls: a server needs cert_chain_file and key_file");
    load_cert_and_key(ctx, cfg.cert_chain_file, cfg.key_file);
    if (!cfg.client_ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, cfg.client_ca_file.c_str(), nullptr) != 1)
            config_error("cannot load client CA certificates from " + cfg.client_ca_file);
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(cfg.client_ca_file.c_str());
        if (names == nullptr) config_error("cannot read CA names from " + cfg.client_ca_file);
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(
            ctx, SSL_VERIFY_PEER | (cfg.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            nullptr);
    }
    // No TLS 1.3 session tickets: weft's client keeps no session cache, and a ticket is a
    // message after the handshake that the server's handshake would wait to send.
    SSL_CTX_set_num_tickets(ctx, 0);
    if (!cfg.alpn_protocols.empty()) {
        h->alpn = alpn_wire(cfg.alpn_protocols);
        SSL_CTX_set_alpn_select_cb(ctx, select_alpn, h.get());
    }
    return h;
}

namespace {
constexpr std::size_t kInputSize = 16 * 1024 + 512;  // one full record and then some
SSL* as_ssl(void* p) {
    return static_cast<SSL*>(p);
}
BIO* as_bio(void* p) {
    return static_cast<BIO*>(p);
}
}  // namespace

Session::Session(std::shared_ptr<ContextHolder> ctx, bool client, std::string_view server_name)
    : ctx_(std::move(ctx)),
      name_(client ? std::string(server_name) : std::string("client")),
      in_(kInputSize) {
    ERR_clear_error();
    SSL* ssl = SSL_new(ctx_->ctx);
    if (ssl == nullptr) throw std::bad_alloc();
    ssl_ = ssl;
    BIO* r = BIO_new(BIO_s_mem());
    BIO* w = BIO_new(BIO_s_mem());
    if (r == nullptr || w == nullptr) {
        BIO_free(r);
        BIO_free(w);
        SSL_free(ssl);
        throw std::bad_alloc();
    }
    BIO_set_mem_eof_return(r, -1);  // empty: "try again", until the transport ends
    SSL_set_bio(ssl, r, w);
    rbio_ = r;
    wbio_ = w;
    if (!client) {
        SSL_set_accept_state(ssl);
        return;
    }
    SSL_set_connect_state(ssl);
    if (name_.empty()) return;
    bool ip = is_ip_address(name_);
    // SNI carries host names only (RFC 6066).
    if (!ip && SSL_set_tlsext_host_name(ssl, name_.c_str()) != 1)
        config_error("cannot use '" + name_ + "' as the server name");
    if (ctx_->verify) {
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name_.c_str())
                    : SSL_set1_host(ssl, name_.c_str());
        if (ok != 1) config_error("cannot verify the server name '" + name_ + "'");
    }
}

Session::~Session() {
    SSL_free(as_ssl(ssl_));
}  // frees the BIOs too

void Session::drain() {
    BIO* w = as_bio(wbio_);
    for (;;) {
        std::size_t pending = BIO_ctrl_pending(w);
        if (pending == 0) return;
        if (out_pos_ == out_.size()) {
            out_.clear();
            out_pos_ = 0;
        }
        std::size_t old = out_.size();
        out_.resize(old + pending);
        int n = BIO_read(w, out_.data() + old, static_cast<int>(pending));
        out_.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
        if (n <= 0) return;
    }
}

void Session::consume(std::size_t n) noexcept {
    out_pos_ += n;
    if (out_pos_ == out_.size()) {
        out_.clear();
        out_pos_ = 0;
    }
}

void Session::received(std::size_t n) {
    if (n == 0) {
        eof_ = true;
        BIO_set_mem_eof_return(as_bio(rbio_), 0);  // now an empty BIO means end of stream
        return;
    }
    if (BIO_write(as_bio(rbio_), in_.data(), static_cast<int>(n)) != static_cast<int>(n))
        throw std::bad_alloc();
}

void Session::fail(int ssl_error, const char* op) {
    SSL* ssl = as_ssl(ssl_);
    // (Not SSL_is_init_finished: after a fatal error OpenSSL's state machine is "in init".)
    bool in_handshake = !handshake_done_;
    int reason = 0;
    std::string errs = take_errors(&reason);
    std::string head = std::string("weft::tls ") + op + " with " + name_ + ": ";
    auto with = [&](std::string text) { return errs.empty() ? text : text + " (" + errs + ")"; };
    if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
        throw std::system_error(Errc::certificate_verify_failed,
                                head + with("the client sent no certificate, and one is required"));
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        long v = SSL_get_verify_result(ssl);
        std::string why = v != X509_V_OK ? X509_verify_cert_error_string(v) : "rejected";
        throw std::system_error(Errc::certificate_verify_failed,
                                head + with("certificate verify failed: " + why));
    }
    if (eof_ && (ssl_error == SSL_ERROR_SYSCALL || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
                 ssl_error == SSL_ERROR_WANT_READ)) {
        throw std::system_error(
            Errc::unexpected_eof,
            head + (in_handshake ? "the peer closed the connection during the handshake"
                                 : "the peer closed the connection without close_notify "
                                   "(the data may be truncated)"));
    }
    throw std::system_error(in_handshake ? Errc::handshake_failed : Errc::protocol_error,
                            head + with(errs.empty() ? "SSL error " + std::to_string(ssl_error)
                                                     : std::string("failed")));
}

bool Session::handshake() {
    SSL* ssl = as_ssl(ssl_);
    ERR_clear_error();
    int r = SSL_do_handshake(ssl);
    drain();
    if (r == 1) {
        handshake_done_ = true;
        return true;
    }
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ && !eof_) return false;
    fail(e, "handshake");
}

Session::ReadResult Session::read(std::span<std::byte> buf) {
    SSL* ssl = as_ssl(ssl_);
    ERR_clear_error();
    std::size_t n = 0;
    int r = SSL_read_ex(ssl, buf.data(), buf.size(), &n);
    drain();
    if (r == 1) return {n, Status::data};
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN) return {0, Status::closed};
    if (e == SSL_ERROR_WANT_READ && !eof_) return {0, Status::want_read};
    fail(e, "read");
}

std::size_t Session::write(std::span<const std::byte> buf) {
    SSL* ssl = as_ssl(ssl_);
    ERR_clear_error();
    std::size_t n = 0;
    int r = SSL_write_ex(ssl, buf.data(), buf.size(), &n);
    drain();
    if (r == 1) return n;
    fail(SSL_get_error(ssl, r), "write");
}

void Session::close() {
    if (close_sent_) return;
    close_sent_ = true;
    ERR_clear_error();
    SSL_shutdown(as_ssl(ssl_));  // 0: sent, the peer's not seen yet; that is all we wait for
    drain();
    ERR_clear_error();
}

std::string Session::alpn_protocol() const {
    const unsigned char* p = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(as_ssl(ssl_), &p, &len);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), len);
}

std::optional<std::string> Session::peer_subject() const {
    X509* cert = SSL_get0_peer_certificate(as_ssl(ssl_));
    if (cert == nullptr) return std::nullopt;
    BIO* b = BIO_new(BIO_s_mem());
    if (b == nullptr) throw std::bad_alloc();
    X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long len = BIO_get_mem_data(b, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(b);
    return out;
}

}  // namespace weft::detail::tls
