#pragma once
// Internal: the byte-stream operations TcpStream and UnixStream share, on a registered,
// non-blocking connected socket.

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string>
#include <utility>

#include "weft/detail/io/io_source.hpp"

namespace weft::detail {

class StreamSocket {
  public:
    StreamSocket() noexcept = default;
    StreamSocket(int fd, const char* kind) : src_(fd, kind), kind_(kind) {}

    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        return src_.poll_io(
            cx, Direction::Read, [&] { return ::recv(src_.fd(), buf.data(), buf.size(), 0); },
            [&] { return std::string(kind_) + "::read"; }, buf.size());
    }
    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> buf) {
        // MSG_NOSIGNAL: a peer that closed gives EPIPE, not a SIGPIPE that kills the process.
        return src_.poll_io(
            cx, Direction::Write,
            [&] { return ::send(src_.fd(), buf.data(), buf.size(), MSG_NOSIGNAL); },
            [&] { return std::string(kind_) + "::write"; }, buf.size());
    }
    Poll<std::size_t> poll_write_vectored(Context& cx, std::span<const iovec> bufs) {
        std::size_t want = 0;
        for (const iovec& v : bufs)
            want += v.iov_len;
        return src_.poll_io(
            cx, Direction::Write,
            [&] {
                msghdr msg{};
                msg.msg_iov = const_cast<iovec*>(bufs.data());
                msg.msg_iovlen = bufs.size();
                return ::sendmsg(src_.fd(), &msg, MSG_NOSIGNAL);
            },
            [&] { return std::string(kind_) + "::write_vectored"; }, want);
    }
    /// shutdown(2); ENOTCONN (the peer reset the connection first) is not an error.
    void shutdown(int how);

    /// Connecting, in two steps (the connect futures of TcpStream and UnixStream):
    /// begin_connect makes a non-blocking socket of sa's family and starts connecting it to
    /// `sa`, throwing "<kind>::connect to <to>" on failure; `connected` says whether it
    /// finished at once. Otherwise poll_connected is Ready once it has, and throws its error.
    static StreamSocket begin_connect(const sockaddr* sa, socklen_t len, const char* kind,
                                      const std::string& to, bool& connected);
    Poll<void> poll_connected(Context& cx, const std::string& to);

    IoSource& source() noexcept { return src_; }
    int fd() const noexcept { return src_.fd(); }

  private:
    IoSource src_;
    const char* kind_ = "";
};

}  // namespace weft::detail
