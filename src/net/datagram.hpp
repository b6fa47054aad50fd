#pragma once
// Internal: the datagram calls UdpSocket (udp.cpp) and UnixDatagram (unix.cpp) share, written
// once over the address type. Each is one syscall: the poll_ forms run it in the IoSource's
// readiness loop (waiting while it would block), the try_ forms once (std::nullopt if it would
// block). `Addr` is SocketAddr or UnixSocketAddr: as_sockaddr(), sockaddr_len(), to_string()
// and from_sockaddr(). Errors name the socket type and the member, as "<kind>::send_to <addr>".

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "weft/detail/io/io_source.hpp"

namespace weft::net::detail_sock {

template <class Addr>
class Datagram {
  public:
    using From = std::pair<std::size_t, Addr>;

    Datagram(weft::detail::IoSource& src, const char* kind) noexcept : src_(src), kind_(kind) {}

    Poll<std::size_t> poll_send_to(Context& cx, std::span<const std::byte> buf, const Addr& to,
                                   const char* member = "::send_to") {
        return src_.poll_io(cx, weft::detail::Direction::Write, send_to_call(buf, to),
                            [&] { return name(member) + " " + to.to_string(); });
    }
    std::optional<std::size_t> try_send_to(std::span<const std::byte> buf, const Addr& to) {
        return src_.try_io(weft::detail::Direction::Write, send_to_call(buf, to),
                           [&] { return name("::try_send_to") + " " + to.to_string(); });
    }
    /// recvfrom(2) with `flags` (0, or MSG_PEEK for peek_from); `member` names it in errors.
    Poll<From> poll_recv_from(Context& cx, std::span<std::byte> buf, int flags,
                              const char* member) {
        Sender s;
        Poll<std::size_t> p =
            src_.poll_io(cx, weft::detail::Direction::Read, recv_from_call(buf, flags, s),
                         [&] { return name(member); });
        if (p.is_pending()) return Pending;
        return From(p.value(), s.addr());
    }
    std::optional<From> try_recv_from(std::span<std::byte> buf) {
        Sender s;
        std::optional<std::size_t> n =
            src_.try_io(weft::detail::Direction::Read, recv_from_call(buf, 0, s),
                        [&] { return name("::try_recv_from"); });
        if (!n) return std::nullopt;
        return From(*n, s.addr());
    }

    // Connected: send(2) and recv(2).
    Poll<std::size_t> poll_send(Context& cx, std::span<const std::byte> buf) {
        return src_.poll_io(cx, weft::detail::Direction::Write, send_call(buf),
                            [&] { return name("::send"); });
    }
    std::optional<std::size_t> try_send(std::span<const std::byte> buf) {
        return src_.try_io(weft::detail::Direction::Write, send_call(buf),
                           [&] { return name("::try_send"); });
    }
    Poll<std::size_t> poll_recv(Context& cx, std::span<std::byte> buf) {
        return src_.poll_io(cx, weft::detail::Direction::Read, recv_call(buf),
                            [&] { return name("::recv"); });
    }
    std::optional<std::size_t> try_recv(std::span<std::byte> buf) {
        return src_.try_io(weft::detail::Direction::Read, recv_call(buf),
                           [&] { return name("::try_recv"); });
    }

  private:
    // Where a received datagram came from, as the kernel wrote it.
    struct Sender {
        sockaddr_storage ss{};
        socklen_t len = 0;
        Addr addr() const {
            auto a = Addr::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
            return a ? *a : Addr();
        }
    };

    std::string name(const char* member) const { return std::string(kind_) + member; }
    // The syscalls, as the IoSource's loops take them: a count, or -1 with errno.
    auto send_to_call(std::span<const std::byte> buf, const Addr& to) {
        return [this, buf, &to] {
            return ::sendto(src_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL, to.as_sockaddr(),
                            to.sockaddr_len());
        };
    }
    auto recv_from_call(std::span<std::byte> buf, int flags, Sender& s) {
        return [this, buf, flags, &s] {
            s.len = sizeof s.ss;  // again on each try: the kernel shortens it
            return ::recvfrom(src_.fd(), buf.data(), buf.size(), flags,
                              reinterpret_cast<sockaddr*>(&s.ss), &s.len);
        };
    }
    auto send_call(std::span<const std::byte> buf) {
        return [this, buf] { return ::send(src_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL); };
    }
    auto recv_call(std::span<std::byte> buf) {
        return [this, buf] { return ::recv(src_.fd(), buf.data(), buf.size(), 0); };
    }

    weft::detail::IoSource& src_;
    const char* kind_;
};

}  // namespace weft::net::detail_sock
