// weft-http [--port N] [--root DIR]: the Rust book's web server, async, on weft (server.hpp).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "server.hpp"
#include "static_files.hpp"

namespace {

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: weft-http [--port N] [--root DIR] [options]\n"
                 "  --port N                 listen on 127.0.0.1:N (default 7878; 0: a free port,\n"
                 "                           printed as \"listening on 127.0.0.1:PORT\")\n"
                 "  --root DIR               serve the files under DIR (default: the built-in\n"
                 "                           pages: GET / and GET /sleep, anything else 404)\n"
                 "  --header-timeout-ms N    time a client has to send a request (default 10000)\n"
                 "  --write-timeout-ms N     time a client has to take each write (default 30000)\n"
                 "  --shutdown-timeout-ms N  time connections get to finish at shutdown (10000)\n"
                 "  --sleep-ms N             how long GET /sleep sleeps (default 5000)\n"
                 "  --max-connections N      connections served at once (default 1024)\n"
                 "  --file-cache-ms N        how long a small file read is trusted (default 1000;\n"
                 "                           0: read every file on every request)\n"
                 "  --threads N              worker threads (default: one per core)\n"
                 "  --console ADDR           serve weft's live dashboard on ADDR (e.g.\n"
                 "                           127.0.0.1:6669; also WEFT_CONSOLE=1)\n"
                 "  --tls-cert FILE          serve HTTPS: the certificate chain (PEM, leaf first)\n"
                 "  --tls-key FILE           and its private key (PEM); both or neither\n");
}

bool parse_number(const char* s, unsigned long long max, unsigned long long& out) {
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) return false;
    out = v;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    web_server::Config cfg;
    std::string console;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "weft-http: %s needs a value\n", argv[i]);
            usage(stderr);
            return 2;
        }
        const char* v = argv[++i];
        unsigned long long n = 0;
        bool ok = true;
        if (a == "--root") {
            cfg.root = v;
        } else if (a == "--console") {
            console = v;
        } else if (a == "--port") {
            ok = parse_number(v, 65535, n);
            cfg.port = static_cast<std::uint16_t>(n);
        } else if (a == "--header-timeout-ms") {
            ok = parse_number(v, 86'400'000, n) && n > 0;
            cfg.header_timeout = std::chrono::milliseconds(n);
        } else if (a == "--write-timeout-ms") {
            ok = parse_number(v, 86'400'000, n) && n > 0;
            cfg.write_timeout = std::chrono::milliseconds(n);
        } else if (a == "--shutdown-timeout-ms") {
            ok = parse_number(v, 86'400'000, n);
            cfg.shutdown_timeout = std::chrono::milliseconds(n);
        } else if (a == "--sleep-ms") {
            ok = parse_number(v, 86'400'000, n);
            cfg.sleep_delay = std::chrono::milliseconds(n);
        } else if (a == "--max-connections") {
            ok = parse_number(v, 1'000'000, n) && n > 0;
            cfg.max_connections = n;
        } else if (a == "--file-cache-ms") {
            ok = parse_number(v, 86'400'000, n);
            cfg.file_cache_ttl = std::chrono::milliseconds(n);
        } else if (a == "--tls-cert") {
            cfg.tls_cert = v;
        } else if (a == "--tls-key") {
            cfg.tls_key = v;
        } else if (a == "--threads") {
            ok = parse_number(v, 1024, n);
            cfg.worker_threads = n;
        } else {
            std::fprintf(stderr, "weft-http: unknown option %s\n", argv[i - 1]);
            usage(stderr);
            return 2;
        }
        if (!ok) {
            std::fprintf(stderr, "weft-http: bad value for %s: %s\n", argv[i - 1], v);
            return 2;
        }
    }
    if (cfg.tls_cert.empty() != cfg.tls_key.empty()) {
        std::fprintf(stderr, "weft-http: --tls-cert and --tls-key go together\n");
        return 2;
    }
#ifndef WEFT_APP_TLS
    if (!cfg.tls_cert.empty()) {
        std::fprintf(stderr, "weft-http: built without weft::tls (OpenSSL 3): no --tls-cert\n");
        return 2;
    }
#endif
    try {
        if (!cfg.root.empty()) cfg.root = web_server::canonical_root(cfg.root);
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "weft-http: %s\n", e.what());
        return 1;
    }

    auto builder = weft::Runtime::builder();
    if (cfg.worker_threads > 0) builder.worker_threads(cfg.worker_threads);
    if (!console.empty()) builder.enable_console(console);
    std::optional<weft::Runtime> built;
    try {
        built.emplace(builder.build());
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "weft-http: %s\n", e.what());
        return 1;
    }
    weft::Runtime& rt = *built;
    int status = 0;
    rt.block_on([&cfg, &status]() -> weft::Task<void> {
        std::optional<weft::net::TcpListener> listener;
        try {
            listener.emplace(
                weft::net::TcpListener::bind(weft::net::SocketAddr::localhost(cfg.port)));
        } catch (const std::system_error& e) {
            std::fprintf(stderr, "weft-http: cannot listen on 127.0.0.1:%u: %s\n",
                         static_cast<unsigned>(cfg.port), e.code().message().c_str());
            status = 1;
            co_return;
        }
        std::printf("listening on %s\n", listener->local_addr().to_string().c_str());
        std::fflush(stdout);
        std::size_t left = 0;
        try {
            left = co_await web_server::serve_until_signalled(std::move(*listener), cfg);
        } catch (const std::system_error& e) {  // a TLS certificate or key that does not load
            std::fprintf(stderr, "weft-http: %s\n", e.what());
            status = 1;
            co_return;
        }
        if (left > 0)
            std::fprintf(stderr, "weft-http: %zu connection(s) cut at the shutdown timeout\n",
                         left);
        std::printf("shut down\n");
        std::fflush(stdout);
    });
    return status;
}
