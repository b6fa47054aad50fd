#pragma once
// Internal: the reads and writes of a stream socket as io_uring completions (RECV, SEND), for
// StreamSocket on a driver whose completion_sockets() says yes (src/net/completion_stream.cpp
// has the design). The AsyncRead/AsyncWrite contract is the readiness path's:
//   - read: what is there, at most the caller's buffer; 0 at end of stream. Cancel safe: a
//     read dropped while its receive is in flight leaves the receive to the socket, and the
//     next read takes its bytes. Nothing is lost.
//   - write: the bytes are copied into a buffer the runtime owns and the count returned at
//     once (write-behind, as into the kernel's send buffer); one send is in flight at a time,
//     and the next write, flush or shutdown waits for it and reports its error. Dropping a
//     write never leaves half a write behind: the bytes were taken whole or not at all.
//   - dropping the socket cancels a receive, and lets a send finish: the descriptor is closed
//     when it has (so the peer gets every byte written, then end of stream).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/io/uring_op.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

struct iovec;

namespace weft::detail {

class RecvOp;
class SendOp;

class CompletionStream {
  public:
    explicit CompletionStream(IoDriver& d) noexcept;  // (in the .cpp: the ops are complete there)
    CompletionStream(const CompletionStream&) = delete;
    CompletionStream& operator=(const CompletionStream&) = delete;
    ~CompletionStream();

    /// A read of `fd` into `buf` (see the file comment); throws std::system_error naming
    /// `kind`::read.
    Poll<std::size_t> poll_read(Context& cx, int fd, std::span<std::byte> buf, const char* kind);
    /// As poll_read, without taking the bytes (peek): only what a receive already brought.
    /// nullopt: nothing received and no receive in flight (peek on the socket itself).
    std::optional<Poll<std::size_t>> poll_peek(Context& cx, std::span<std::byte> buf,
                                               const char* kind);
    /// try_read's share: the bytes a receive brought (a count; 0 at end of stream), nullopt
    /// with would_block set if a receive is still in flight, or nullopt alone if there is
    /// neither (read the socket itself).
    std::optional<std::size_t> try_take(std::span<std::byte> buf, bool& would_block,
                                        const char* kind);
    /// ready(readable)'s share: Ready once a receive's bytes (or its end) are here, Pending
    /// with cx's waker stored while one is in flight, nullopt if there is none.
    std::optional<Poll<void>> poll_readable(Context& cx);

    /// A write of `bufs` (gathered) to `fd`: Ready with the bytes taken (at most 64 KiB), or
    /// Pending while the previous send is in flight. Throws the previous send's error naming
    /// `kind`::write.
    Poll<std::size_t> poll_write(Context& cx, int fd, std::span<const iovec> bufs,
                                 const char* kind);
    /// Ready once no send is in flight; throws its error naming `kind`::flush.
    Poll<void> poll_flush(Context& cx, const char* kind);
    /// Whether a send is still in flight (with `cx`: Pending's waker stored on it). A
    /// finished one is settled: its error thrown, naming `kind`::write. try_write's check.
    bool settle_send(Context* cx, const char* kind);
    /// ready(writable)'s share: Pending (waker stored) while a send is in flight.
    Poll<void> poll_send_idle(Context& cx) noexcept;
    /// shutdown(2) of `fd` for `how`, after the send in flight if there is one. Returns
    /// false if there was none (the caller shuts down itself).
    bool shutdown_after_send(int how) noexcept;

    /// The socket is being dropped: cancels the receive; if a send is in flight, takes `fd`
    /// (the send closes it when done) and returns true, else false (the caller closes it).
    bool detach(int fd) noexcept;

  private:
    void submit_recv(int fd, std::size_t want, const char* kind);
    // A finished receive: copies its bytes into `buf` (taking them if `consume`); one that
    // brought none ends: 0 at end of stream, nullopt to receive again (the buffers ran out, an
    // interruption), or its error thrown naming `kind` + `what`.
    std::optional<std::size_t> finished(std::span<std::byte> buf, bool consume, const char* kind,
                                        const char* what);

    IoDriver* driver_;
    UringOpPtr<RecvOp> recv_;
    UringOpPtr<SendOp> send_;
    bool recv_busy_ = false;        // recv_ is in flight, or has bytes reads have not taken
    bool send_busy_ = false;        // send_ is in flight, or its end is not reported yet
    bool own_buffer_next_ = false;  // the provided buffers ran out: bring one next time
    bool eof_ = false;              // a receive returned 0: every later read returns 0 too
};

}  // namespace weft::detail
