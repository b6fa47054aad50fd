// Chapter 18: I/O under the hood. The same echo server runs twice, once on the epoll driver
// (readiness) and once on the io_uring driver (completion), chosen with the runtime builder;
// then an AsyncFd puts a pipe of our own into the driver.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <span>
#include <string>
#include <system_error>
#include <thread>

#include "weft/weft.hpp"

using weft::net::TcpListener;
using weft::net::TcpStream;

// The server side: one connection, echoed until the client closes its half.
weft::Task<void> echo_one(TcpListener& listener) {
    auto [stream, peer] = co_await listener.accept();
    char buf[256];
    for (;;) {
        std::size_t n = co_await stream.read(std::span(buf));  // may suspend: no data yet
        if (n == 0) co_return;                                 // end of stream
        co_await stream.write_all(std::string_view(buf, n));
    }
}

// The client side: say something, close our half, read everything back.
weft::Task<std::string> talk(weft::net::SocketAddr addr) {
    TcpStream s = co_await TcpStream::connect(addr);
    co_await s.write_all(std::string_view("hello, driver"));
    s.shutdown(weft::net::Shutdown::Write);
    std::string heard;
    co_await weft::io::read_to_string(s, heard);
    co_return heard;
}

// Builds a current-thread runtime on the driver asked for, and runs the echo on it.
void echo_on(weft::IoDriverKind kind) {
    weft::RuntimeBuilder builder = weft::RuntimeBuilder::new_current_thread();
    builder.io_driver(kind);
    weft::Runtime rt;
    try {
        rt = builder.build();  // throws if this kernel (or sandbox) has no io_uring
    } catch (const std::system_error& e) {
        std::printf("%-5s: not available here (%s)\n", weft::to_string(kind), e.what());
        return;
    }
    std::string heard = rt.block_on([]() -> weft::Task<std::string> {
        auto listener = TcpListener::bind(weft::net::SocketAddr::localhost(0));
        auto server = weft::spawn(echo_one(listener));
        std::string reply = co_await talk(listener.local_addr());
        co_await server;
        co_return reply;
    });
    auto events = rt.metrics().io_driver_ready_count();
    std::printf("%-5s: heard \"%s\" (driver ran: %s, %llu events dispatched)\n",
                weft::to_string(kind), heard.c_str(), weft::to_string(rt.io_driver_kind()),
                static_cast<unsigned long long>(events));
}

// AsyncFd: a descriptor weft knows nothing about (here a pipe) in the runtime's driver.
weft::Task<std::string> read_pipe(weft::io::AsyncFd<int>& afd) {
    char buf[64];
    for (;;) {
        auto guard = co_await afd.readable();  // waits for the driver's report
        auto n = guard.try_io([&](int fd) { return ::read(fd, buf, sizeof buf); });
        if (n) co_return std::string(buf, *n);  // else EAGAIN: readiness cleared, wait again
    }
}

void pipe_demo() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)  // AsyncFd needs a non-blocking descriptor
        throw std::system_error(errno, std::system_category(), "pipe2");
    {
        weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
        std::thread writer([w = fds[1]] {  // a plain thread, knows nothing of weft
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            (void)!::write(w, "ping from a thread", 18);
        });
        std::string got = rt.block_on([&]() -> weft::Task<std::string> {
            weft::io::AsyncFd<int> afd(fds[0], weft::io::Interest::readable);
            co_return co_await read_pipe(afd);
        });  // afd deregistered here; it never closes an int
        writer.join();
        std::printf("pipe : read \"%s\" through AsyncFd on %s\n", got.c_str(),
                    weft::to_string(rt.io_driver_kind()));
    }
    ::close(fds[0]);
    ::close(fds[1]);
}

// What not to do (compiled, never called): a blocking read inside a task. The worker thread
// sleeps in read(2); no other task on it runs, and nothing tells the driver anything.
[[maybe_unused]] weft::Task<std::string> blocking_read_in_a_task(int blocking_fd) {
    char buf[64];
    ssize_t n = ::read(blocking_fd, buf, sizeof buf);  // blocks the whole worker
    co_return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

int main() {
    echo_on(weft::IoDriverKind::Epoll);
    echo_on(weft::IoDriverKind::Uring);
    echo_on(weft::IoDriverKind::Auto);  // epoll unless WEFT_IO_DRIVER=uring
    pipe_demo();
    return 0;
}
