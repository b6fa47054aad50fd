#include "weft/net/lookup_host.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "weft/io/error.hpp"
#include "weft/task/spawn.hpp"

namespace weft::net {

namespace {

class ResolveCategory : public std::error_category {
  public:
    const char* name() const noexcept override { return "weft.resolve"; }
    std::string message(int code) const override { return ::gai_strerror(code); }
};

// getaddrinfo, on the calling (blocking-pool) thread.
std::vector<SocketAddr> resolve(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
    std::string what = "weft::net::lookup_host " + host;
    if (rc == EAI_SYSTEM) detail::throw_os_error(errno, what);
    if (rc != 0) throw std::system_error(rc, resolve_category(), what);
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(res, ::freeaddrinfo);
    std::vector<SocketAddr> out;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        auto a = SocketAddr::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
        if (!a) continue;
        a->set_port(port);
        if (std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
    }
    return out;
}

// A numeric address as SocketAddr::parse reads it (IPv6 in brackets), or none.
std::optional<SocketAddr> numeric(const std::string& host, std::uint16_t port) {
    std::string text = host.find(':') != std::string::npos && host.front() != '['
                           ? "[" + host + "]:" + std::to_string(port)
                           : host + ":" + std::to_string(port);
    return SocketAddr::parse(text);
}

}  // namespace

const std::error_category& resolve_category() noexcept {
    static const ResolveCategory cat;
    return cat;
}

Task<std::vector<SocketAddr>> lookup_host(std::string host, std::uint16_t port) {
    std::vector<SocketAddr> out;
    if (auto a = numeric(host, port)) {
        out.push_back(*a);
        co_return out;
    }
    // (The handle is a named local: GCC 12 mishandles a capturing lambda temporary inside a
    // co_await expression.)
    auto resolving = spawn_blocking([host = std::move(host), port] { return resolve(host, port); });
    out = co_await resolving;
    co_return out;
}

Task<std::vector<SocketAddr>> lookup_host(std::string host_and_port) {
    std::size_t colon = host_and_port.rfind(':');
    std::uint16_t port = 0;
    std::string_view port_text = colon == std::string::npos
                                     ? std::string_view()
                                     : std::string_view(host_and_port).substr(colon + 1);
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (colon == std::string::npos || port_text.empty() || ec != std::errc() ||
        end != port_text.data() + port_text.size()) {
        throw std::invalid_argument("weft::net::lookup_host: \"" + host_and_port +
                                    "\" is not host:port");
    }
    std::string host = host_and_port.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto inner = lookup_host(std::move(host), port);
    std::vector<SocketAddr> out = co_await inner;
    co_return out;
}

}  // namespace weft::net
