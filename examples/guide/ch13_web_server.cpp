// ch13_web_server: the Rust book's web server (its chapter 21), made async with weft.
// With no argument: the server binds 127.0.0.1 on a free port, serves two client tasks of its
// own (one asks for /sleep, one for / a moment later), first one connection at a time and then
// with a task per connection, prints when each answer arrived, and exits.
// With `--serve PORT`: it serves forever (try `curl http://127.0.0.1:PORT/sleep`).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft::net::SocketAddr;
using weft::net::TcpListener;
using weft::net::TcpStream;

// The book keeps its pages in hello.html and 404.html; here they are inline.
constexpr std::string_view kHello =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Hello!</title>"
    "</head>\n<body><h1>Hello!</h1><p>Hi from weft</p></body>\n</html>\n";
constexpr std::string_view kNotFound =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Hello!</title>"
    "</head>\n<body><h1>Oops!</h1><p>Sorry, I don't know what you're asking for.</p></body>\n"
    "</html>\n";

std::chrono::milliseconds g_sleep = 1s;  // how long /sleep takes (5 s with --serve)

// One connection: read the request line, answer, close.
weft::Task<void> handle_connection(TcpStream stream) {
    try {
        weft::io::BufReader reader(stream.split().first);
        std::string request_line;
        co_await reader.read_line(request_line);
        // Read the headers too, up to the blank line, so that none is left unread at close.
        for (std::string header = "x"; header != "\r\n" && header != "\n";) {
            header.clear();
            if (co_await reader.read_line(header) == 0) break;
        }

        std::string_view status = "HTTP/1.1 200 OK";
        std::string_view body = kHello;
        if (request_line == "GET / HTTP/1.1\r\n") {
            // the page, at once
        } else if (request_line == "GET /sleep HTTP/1.1\r\n") {
            co_await weft::time::sleep(g_sleep);  // parks this task; the thread serves others
        } else {
            status = "HTTP/1.1 404 NOT FOUND";
            body = kNotFound;
        }

        std::string response = std::string(status) +
                               "\r\nContent-Length: " + std::to_string(body.size()) +
                               "\r\nConnection: close\r\n\r\n" + std::string(body);
        co_await stream.write_all(response);
    } catch (const std::system_error& e) {
        std::printf("  connection failed: %s\n", e.what());  // this connection only
    }
}

// The book's first server: one connection at a time. A slow request holds up every other.
weft::Task<void> serve_one_at_a_time(TcpListener& listener) {
    for (;;) {
        auto [stream, peer] = co_await listener.accept();
        co_await handle_connection(std::move(stream));  // the next accept waits for this
    }
}

// The async server: a task per connection. The accept loop goes straight back to accepting.
weft::Task<void> serve(TcpListener& listener) {
    for (;;) {
        auto [stream, peer] = co_await listener.accept();
        weft::spawn(handle_connection(std::move(stream))).detach();
    }
}

// What not to do (compiled, never called): a blocking sleep inside a task. The thread stops
// for the whole sleep and, on a one-thread runtime, every other connection stops with it.
weft::Task<void> sleep_route_blocking(TcpStream stream) {
    std::this_thread::sleep_for(g_sleep);  // wrong: weft::time::sleep parks only this task
    co_await stream.write_all(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
}

// What not to do (compiled, never called): the task gets a reference to `stream`, a local of
// the loop body. The loop goes on to the next accept, `stream` is destroyed, and the task
// later writes through a dangling reference: undefined behaviour (a crash, or bytes sent to
// whichever connection lives in that slot of the frame now).
weft::Task<void> greet(TcpStream& stream) {
    co_await stream.write_all(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
}
weft::Task<void> serve_dangling(TcpListener& listener) {
    for (;;) {
        auto [stream, peer] = co_await listener.accept();
        weft::spawn(greet(stream)).detach();  // wrong: pass the stream by value (std::move)
    }
}

// A client: waits `delay`, asks for `path`, prints how long after the start the answer came.
weft::Task<void> get(SocketAddr addr, std::string path, std::chrono::milliseconds delay,
                     weft::time::Instant start) {
    co_await weft::time::sleep(delay);
    TcpStream s = co_await TcpStream::connect(addr);
    co_await s.write_all("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    std::string answer;
    co_await weft::io::read_to_string(s, answer);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed()).count();
    std::printf("  %-6s answered after %4lld ms: %s\n", path.c_str(), static_cast<long long>(ms),
                answer.substr(0, answer.find('\r')).c_str());
}

// Two clients at once: /sleep first, then / 100 ms later.
weft::Task<void> two_clients(SocketAddr addr) {
    auto start = weft::time::Instant::now();
    co_await weft::join(get(addr, "/sleep", 0ms, start), get(addr, "/", 100ms, start));
}

// Runs `server` on `listener` while the two clients talk to it, then stops it.
weft::Task<void> demo(TcpListener& listener, weft::Task<void> server) {
    auto handle = weft::spawn(std::move(server));
    co_await two_clients(listener.local_addr());
    handle.abort();  // stop accepting: the server task's frame is destroyed
    try {
        co_await handle;
    } catch (const weft::JoinError&) {
    }
}

int main(int argc, char** argv) {
    // One thread: everything below is concurrency, not parallelism.
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    if (argc > 2 && std::string_view(argv[1]) == "--serve") {
        g_sleep = 5s;  // the book's five seconds
        auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
        rt.block_on([port]() -> weft::Task<void> {
            auto listener = TcpListener::bind(SocketAddr::localhost(port));
            std::printf("serving on http://%s/\n", listener.local_addr().to_string().c_str());
            std::fflush(stdout);
            co_await serve(listener);
        });
        return 0;
    }
    rt.block_on([]() -> weft::Task<void> {
        auto listener = TcpListener::bind(SocketAddr::localhost(0));
        std::printf("one connection at a time:\n");
        co_await demo(listener, serve_one_at_a_time(listener));
        std::printf("a task per connection:\n");
        co_await demo(listener, serve(listener));
    });
    return 0;
}
