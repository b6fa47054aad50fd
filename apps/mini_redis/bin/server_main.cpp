// mini-redis-server: serves mini-redis on 127.0.0.1 until SIGINT or SIGTERM, then shuts down
// gracefully and exits 0. `--port 0` picks a free port; the line "listening on 127.0.0.1:PORT"
// on stdout says which. `--console ADDR` (or WEFT_CONSOLE) serves weft's live dashboard.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "server.hpp"
#include "weft/weft.hpp"
#ifdef WEFT_APP_TLS
#include "weft/tls/tls.hpp"
#endif

namespace {

void usage(FILE* to) {
    std::fprintf(to,
                 "usage: mini-redis-server [--port N] [--max-connections N] [--threads N]\n"
                 "                         [--shutdown-timeout MS] [--console ADDR]\n"
                 "                         [--tls-cert FILE --tls-key FILE]\n"
                 "  --port N             port on 127.0.0.1 (default 6379; 0 picks a free one)\n"
                 "  --max-connections N  clients served at once (default 250)\n"
                 "  --threads N          worker threads (default: one per core; 0: a\n"
                 "                       current-thread runtime)\n"
                 "  --shutdown-timeout MS  how long shutdown waits for clients (default 5000)\n"
                 "  --console ADDR       serve weft's live dashboard on ADDR (e.g.\n"
                 "                       127.0.0.1:6669; also WEFT_CONSOLE=1)\n"
                 "  --tls-cert FILE      serve TLS: the certificate chain (PEM, leaf first)\n"
                 "  --tls-key FILE       and its private key (PEM)\n");
}

bool number(const char* s, unsigned long max, unsigned long& out) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-') return false;
    out = v;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned long port = 6379;
    unsigned long threads = 0;
    bool threads_set = false;
    std::string console;
    mini_redis::ServerConfig config;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        }
        unsigned long v = 0;
        bool ok = i + 1 < argc;
        if (ok && a == "--port") {
            ok = number(argv[++i], 65535, port);
        } else if (ok && a == "--max-connections") {
            ok = number(argv[++i], 1'000'000, v) && v > 0;
            config.max_connections = v;
        } else if (ok && a == "--threads") {
            ok = number(argv[++i], 1024, threads);
            threads_set = true;
        } else if (ok && a == "--tls-cert") {
            config.tls_cert = argv[++i];
        } else if (ok && a == "--tls-key") {
            config.tls_key = argv[++i];
        } else if (ok && a == "--console") {
            console = argv[++i];
        } else if (ok && a == "--shutdown-timeout") {
            ok = number(argv[++i], 86'400'000, v);
            config.shutdown_timeout = std::chrono::milliseconds(v);
        } else {
            ok = false;
        }
        if (!ok) {
            std::fprintf(stderr, "mini-redis-server: bad argument '%s'\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (config.tls_cert.empty() != config.tls_key.empty()) {
        std::fprintf(stderr, "mini-redis-server: --tls-cert and --tls-key go together\n");
        return 2;
    }
    try {
#ifdef WEFT_APP_TLS
        if (!config.tls_cert.empty()) {  // a file that does not load stops us before we listen
            weft::tls::ServerConfig tc;
            tc.cert_chain_file = config.tls_cert;
            tc.key_file = config.tls_key;
            weft::tls::TlsAcceptor check(tc);
        }
#endif
        auto builder = threads_set && threads == 0 ? weft::RuntimeBuilder::new_current_thread()
                                                   : weft::RuntimeBuilder::new_multi_thread();
        if (threads_set && threads > 0) builder.worker_threads(threads);
        if (!console.empty()) builder.enable_console(console);
        builder.dump_on_sigquit();  // kill -QUIT prints every task and where it waits
        weft::Runtime rt = builder.build();
        std::size_t left = rt.block_on([&]() -> weft::Task<std::size_t> {
            auto listener = weft::net::TcpListener::bind(
                weft::net::SocketAddr::localhost(static_cast<std::uint16_t>(port)));
            // Both signal listeners exist before anyone is told the port: a signal from then
            // on is a shutdown request, never the default action.
            auto ctrl_c = weft::signal::ctrl_c();
            auto term = weft::signal::signal(weft::signal::SignalKind::terminate());
            std::printf("mini-redis-server listening on %s\n",
                        listener.local_addr().to_string().c_str());
            std::fflush(stdout);
            weft::sync::CancellationToken stop;
            auto server = weft::spawn(mini_redis::run(std::move(listener), stop, config));
            auto why = co_await weft::select(std::move(ctrl_c), term.recv());
            std::printf("mini-redis-server: %s, shutting down\n",
                        why.index() == 0 ? "SIGINT" : "SIGTERM");
            std::fflush(stdout);
            stop.cancel();
            co_return co_await server;
        });
        if (left != 0)
            std::printf("mini-redis-server: gave up waiting for %zu connection(s)\n", left);
        std::printf("mini-redis-server: bye\n");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mini-redis-server: %s\n", e.what());
        return 1;
    }
}
