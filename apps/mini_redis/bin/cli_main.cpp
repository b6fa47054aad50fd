// mini-redis-cli: the tutorial's command-line client, on mini_redis::Client.
//   mini-redis-cli [--host H] [--port N] ping [MSG] | get KEY | set KEY VALUE [--expires MS]
//                                      | publish CHANNEL MESSAGE | subscribe CHANNEL...
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "client.hpp"
#include "weft/weft.hpp"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: mini-redis-cli [--host H] [--port N] COMMAND\n"
                 "  ping [MSG]\n"
                 "  get KEY\n"
                 "  set KEY VALUE [--expires MS]\n"
                 "  publish CHANNEL MESSAGE\n"
                 "  subscribe CHANNEL...\n");
    return 2;
}

// Prints a value as redis-cli does: quoted, with non-printable bytes escaped.
void show(const std::string& v) {
    std::printf("%s\n", mini_redis::to_debug_string(mini_redis::Frame::bulk(v)).c_str());
}

weft::Task<int> run(weft::net::SocketAddr addr, std::vector<std::string> args) {
    auto client = co_await mini_redis::Client::connect(addr);
    const std::string& cmd = args[0];
    std::size_t n = args.size();
    if (cmd == "ping" && n <= 2) {
        std::optional<std::string> msg;
        if (n == 2) msg = args[1];
        std::string r = co_await client.ping(std::move(msg));
        n == 2 ? show(r) : (void)std::printf("%s\n", r.c_str());
    } else if (cmd == "get" && n == 2) {
        auto v = co_await client.get(args[1]);
        v ? show(*v) : (void)std::printf("(nil)\n");
    } else if (cmd == "set" && n == 3) {
        co_await client.set(args[1], args[2]);
        std::printf("OK\n");
    } else if (cmd == "set" && n == 5 && args[3] == "--expires") {
        long ms = std::strtol(args[4].c_str(), nullptr, 10);
        if (ms <= 0) co_return usage();
        co_await client.set_expires(args[1], args[2], std::chrono::milliseconds(ms));
        std::printf("OK\n");
    } else if (cmd == "publish" && n == 3) {
        std::int64_t r = co_await client.publish(args[1], args[2]);
        std::printf("Publish OK (%lld subscriber(s))\n", static_cast<long long>(r));
    } else if (cmd == "subscribe" && n >= 2) {
        std::vector<std::string> channels(args.begin() + 1, args.end());
        auto sub = co_await std::move(client).subscribe(std::move(channels));
        std::printf("Subscribed to %zu channel(s); Ctrl-C to stop\n", sub.channels().size());
        std::fflush(stdout);
        auto messages = std::move(sub).into_stream();
        while (auto m = co_await weft::stream::next(messages)) {
            std::printf("got message from the channel: %s; message = ", m->channel.c_str());
            show(m->content);
            std::fflush(stdout);
        }
    } else {
        co_return usage();
    }
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned long port = 6379;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--host" && i + 1 < argc) {
            host = argv[++i];
        } else if (a == "--port" && i + 1 < argc) {
            port = std::strtoul(argv[++i], nullptr, 10);
        } else {
            args.emplace_back(a);
        }
    }
    if (args.empty() || port > 65535) return usage();
    try {
        weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
        return rt.block_on([&]() -> weft::Task<int> {
            auto addrs = co_await weft::net::lookup_host(host, static_cast<std::uint16_t>(port));
            if (addrs.empty()) throw std::runtime_error("no address for " + host);
            co_return co_await run(addrs.front(), std::move(args));
        });
    } catch (const mini_redis::Error& e) {
        std::printf("(error) %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mini-redis-cli: %s\n", e.what());
        return 1;
    }
}
