// weft::console over real sockets on 127.0.0.1 (weft/console/console.hpp): a runtime running
// known named tasks serves its console on a free port; each endpoint is fetched with a plain
// blocking socket (no weft on the client side) and its content checked: the page, the task
// names in /api/dump, the JSON metrics, the Prometheus lines, the event stream (two snapshots
// whose values differ), 404 and 405. Then the two ways of starting it with the runtime: the
// builder's enable_console and WEFT_CONSOLE. Every socket read has a timeout: a broken server
// fails the test instead of hanging it.
#include "weft/console/console.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// A blocking connection to 127.0.0.1:port with 20 s send and receive timeouts.
int connect_to(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
    timeval tv{20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "connect");
    }
    return fd;
}

void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) throw std::system_error(errno, std::generic_category(), "send");
        off += static_cast<std::size_t>(n);
    }
}

// One request with `Connection: close`; the whole answer, head and body.
std::string fetch(std::uint16_t port, const std::string& path, const std::string& method = "GET") {
    int fd = connect_to(port);
    send_all(fd, method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            ::close(fd);
            throw std::runtime_error("recv timed out or failed after " +
                                     std::to_string(out.size()) + " bytes");
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

std::string body_of(const std::string& response) {
    auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? "" : response.substr(at + 4);
}

// A task that never ends: wakes every 5 ms, so its poll count and the workers' grow.
weft::Task<void> ticker() {
    for (;;)
        co_await weft::time::sleep(5ms);
}

// A task that waits forever on a Notify nobody notifies.
weft::Task<void> waiter(std::shared_ptr<weft::sync::Notify> n) {
    co_await n->notified();
}

// A runtime with the two known tasks, and a console bound on a free port.
struct Fixture {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    std::shared_ptr<weft::sync::Notify> never = std::make_shared<weft::sync::Notify>();
    std::uint16_t port = 0;

    Fixture() {
        auto g = rt.enter();
        weft::task::Builder().name("console-test-ticker").spawn(ticker()).detach();
        weft::task::Builder().name("console-test-waiter").spawn(waiter(never)).detach();
        auto server = weft::console::Server::bind(rt.handle(), "127.0.0.1:0");
        port = server.local_addr().port();
        weft::task::Builder().name("weft-console").spawn(server.run()).detach();
    }
};

TEST(Console, ServesThePage) {
    Fixture f;
    EXPECT_NE(f.port, 0);
    std::string r = fetch(f.port, "/");
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.substr(0, 200);
    EXPECT_NE(r.find("Content-Type: text/html"), std::string::npos);
    EXPECT_NE(r.find("<title>weft console</title>"), std::string::npos);
    EXPECT_NE(r.find("new EventSource(\"/events\")"), std::string::npos);
    // HEAD: the same head, no body.
    std::string h = fetch(f.port, "/", "HEAD");
    EXPECT_EQ(h.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_EQ(body_of(h), "");
}

TEST(Console, DumpNamesTheTasks) {
    Fixture f;
    std::string r = fetch(f.port, "/api/dump");
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.substr(0, 200);
    EXPECT_NE(r.find("Content-Type: application/json"), std::string::npos);
    std::string body = body_of(r);
    EXPECT_EQ(body.front(), '{');
    EXPECT_NE(body.find("\"console-test-ticker\""), std::string::npos) << body;
    EXPECT_NE(body.find("\"console-test-waiter\""), std::string::npos) << body;
    EXPECT_NE(body.find("\"weft-console\""), std::string::npos) << body;
}

TEST(Console, MetricsAsJsonAndPrometheus) {
    Fixture f;
    std::string j = body_of(fetch(f.port, "/api/metrics"));
    EXPECT_EQ(j.front(), '{');
    EXPECT_NE(j.find("\"workers\":2"), std::string::npos) << j;
    EXPECT_NE(j.find("\"per_worker\":["), std::string::npos) << j;
    std::string r = fetch(f.port, "/metrics");
    EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    std::string p = body_of(r);
    EXPECT_NE(p.find("# TYPE weft_"), std::string::npos) << p;
    EXPECT_NE(p.find("\nweft_workers 2\n"), std::string::npos) << p;
    EXPECT_NE(p.find("worker=\"1\""), std::string::npos) << p;
}

TEST(Console, NotFoundAndMethodNotAllowed) {
    Fixture f;
    EXPECT_EQ(fetch(f.port, "/nothing").rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
    std::string r = fetch(f.port, "/api/dump", "DELETE");
    EXPECT_EQ(r.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u);
    EXPECT_NE(r.find("Allow: GET, HEAD"), std::string::npos);
}

// Reads events from the stream until `n` snapshot events have arrived; returns their data.
std::vector<std::string> read_snapshots(int fd, std::size_t n, std::string& head) {
    std::string buf;
    std::vector<std::string> out;
    char tmp[65536];
    while (out.size() < n) {
        ssize_t got = ::recv(fd, tmp, sizeof tmp, 0);
        if (got <= 0) throw std::runtime_error("the event stream ended or timed out");
        buf.append(tmp, static_cast<std::size_t>(got));
        if (head.empty()) {
            auto at = buf.find("\r\n\r\n");
            if (at == std::string::npos) continue;
            head = buf.substr(0, at + 4);
            buf.erase(0, at + 4);
        }
        for (;;) {
            auto end = buf.find("\n\n");
            if (end == std::string::npos) break;
            std::string ev = buf.substr(0, end);
            buf.erase(0, end + 2);
            const std::string tag = "event: snapshot\ndata: ";
            if (ev.rfind(tag, 0) == 0) out.push_back(ev.substr(tag.size()));
        }
    }
    return out;
}

TEST(Console, EventsStreamChangingSnapshots) {
    Fixture f;
    int fd = connect_to(f.port);
    send_all(fd, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::string head;
    std::vector<std::string> snaps = read_snapshots(fd, 3, head);
    ::close(fd);
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
    EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos);
    EXPECT_NE(head.find("Connection: close"), std::string::npos);
    ASSERT_EQ(snaps.size(), 3u);
    for (const std::string& s : snaps) {
        EXPECT_NE(s.find("\"metrics\":{"), std::string::npos) << s;
        EXPECT_NE(s.find("console-test-ticker"), std::string::npos) << s;
    }
    EXPECT_NE(snaps[0].find("\"seq\":1,"), std::string::npos) << snaps[0];
    EXPECT_NE(snaps[2].find("\"seq\":3,"), std::string::npos) << snaps[2];
    // The ticker polls every 5 ms: the metrics (poll counts) differ between snapshots.
    auto metrics = [](const std::string& s) {
        auto a = s.find("\"metrics\":");
        return s.substr(a, s.find(",\"dump\":") - a);
    };
    EXPECT_NE(metrics(snaps[0]), metrics(snaps[2]));
}

TEST(Console, ServeTaskBindsAndServes) {
    // serve(handle, addr): the bind happens inside the task; a bad address throws from it.
    weft::Runtime rt = weft::Runtime::builder().worker_threads(1).build();
    EXPECT_THROW(rt.block_on(weft::console::serve(rt.handle(), "not an address")),
                 std::invalid_argument);
}

// A port that was free a moment ago (for the builder and the environment, which take an
// address, not a listener).
std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

TEST(Console, BuilderEnablesIt) {
    std::uint16_t port = free_port();
    weft::Runtime rt = weft::Runtime::builder()
                           .worker_threads(1)
                           .enable_console("127.0.0.1:" + std::to_string(port))
                           .build();
    std::string body = body_of(fetch(port, "/api/dump"));
    EXPECT_NE(body.find("\"weft-console\""), std::string::npos) << body;
    // The same address again: build() says so.
    EXPECT_THROW(weft::Runtime::builder()
                     .worker_threads(1)
                     .enable_console("127.0.0.1:" + std::to_string(port))
                     .build(),
                 std::system_error);
}

// A task that blocks its worker for 300 ms: a stall of the 50 ms threshold below.
weft::Task<void> blocker() {
    std::this_thread::sleep_for(300ms);
    co_return;
}

TEST(Console, ShowsStallsAfterTheUsersCallback) {
    std::uint16_t port = free_port();
    std::atomic<int> seen{0};
    weft::Runtime rt = weft::Runtime::builder()
                           .worker_threads(2)
                           .stall_threshold(50ms)
                           .on_stall([&](const weft::runtime::StallReport&) { ++seen; })
                           .enable_console("127.0.0.1:" + std::to_string(port))
                           .build();
    {
        auto g = rt.enter();
        weft::task::Builder().name("console-test-blocker").spawn(blocker()).detach();
    }
    std::string stalls;
    for (int i = 0; i < 200 && stalls.find("console-test-blocker") == std::string::npos; ++i) {
        std::this_thread::sleep_for(50ms);
        stalls = body_of(fetch(port, "/api/stalls"));
    }
    EXPECT_NE(stalls.find("\"task_name\":\"console-test-blocker\""), std::string::npos) << stalls;
    EXPECT_NE(stalls.find("\"running_ns\":"), std::string::npos) << stalls;
    EXPECT_GE(seen.load(), 1);  // the user's callback still runs
}

TEST(Console, EnvironmentEnablesItForTheFirstRuntime) {
    std::uint16_t port = free_port();
    std::string addr = "127.0.0.1:" + std::to_string(port);
    ::setenv("WEFT_CONSOLE", addr.c_str(), 1);
    {
        weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
        // A current-thread runtime serves while block_on runs: fetch from another thread.
        std::string r;
        rt.block_on([&]() -> weft::Task<void> {
            auto fetch_metrics = [port] { return fetch(port, "/metrics"); };
            r = co_await weft::spawn_blocking(fetch_metrics);
        });
        EXPECT_NE(body_of(r).find("weft_workers 1"), std::string::npos) << r;
        // A second runtime does not try the same address (it would find it taken).
        weft::Runtime second = weft::Runtime::builder().worker_threads(1).build();
        (void)second;
    }
    ::unsetenv("WEFT_CONSOLE");
}

}  // namespace
