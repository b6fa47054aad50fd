// scale_load: how a TCP echo server's cost grows with the number of connections it holds.
//
//   scale_load port=P server_pid=PID conns=N [active=5000] [size=64] [secs=5] [warmup=0.5]
//              [sources=4] [impl=NAME] [driver=D]
//
// A load generator for any echo server on 127.0.0.1:P (weft's net_server, the Tokio and Asio
// peers), written on raw epoll so that it is the same program whatever it drives. It reads the
// server's memory and CPU time from /proc/PID, so it must run on the server's machine.
//   1. Reads the server's VmRSS (rss_base_kb).
//   2. Opens N connections, at most 512 connecting at once. Each is bound to one of `sources`
//      loopback addresses (127.0.0.2, .3, ...) in turn, which gets past one source address's
//      ephemeral port range (about 28,000 ports here). Each connection then makes one round
//      trip of `size` bytes, so that the server has accepted it and its task is parked in a
//      read: an idle keep-alive connection.
//   3. After 1 s of quiet, reads VmRSS again (rss_idle_kb); bytes_per_conn is the growth over
//      the base divided by N.
//   4. The first min(N, active) connections run a closed loop (send `size` bytes, read them
//      back, repeat) while the others stay idle. Round trips finished in the `secs` after
//      `warmup` are counted, and the server's CPU time over that window (utime + stime from
//      /proc/PID/stat) gives us_per_msg: server CPU microseconds per round trip.
// It raises its own descriptor limit (RLIMIT_NOFILE) to what it needs; the server needs the same
// (benches/compare_scale.sh raises it in the shell that starts the servers). Connections are
// closed with a reset (SO_LINGER 0), so that runs back to back find the source ports free
// instead of in TIME_WAIT.
// One line, in the peers' format:
//   bench=scale impl=NAME conns=N active=A ... bytes_per_conn=B msgs=M per_sec=R us_per_msg=U

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "scale_load: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

long proc_status_kb(long pid, const char* key) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + std::strlen(key));
    }
    return -1;
}

// utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command
// name in field 2 may hold spaces, so count from the closing parenthesis).
long proc_cpu_ticks(long pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto p = s.rfind(')');
    if (p == std::string::npos) return -1;
    const char* c = s.c_str() + p + 4;  // past ") S ": field 3 is the one-letter state
    long ut = 0, st = 0;
    for (int field = 4; field <= 15; ++field) {
        char* end = nullptr;
        long v = std::strtol(c, &end, 10);
        if (field == 14) ut = v;
        if (field == 15) st = v;
        c = end;
    }
    return ut + st;
}

enum class State { Connecting, Sending, Receiving, Idle };

struct Conn {
    int fd = -1;
    State state = State::Connecting;
    std::size_t done = 0;  // bytes sent or received in this round trip
    std::uint32_t ev = 0;  // the events registered with epoll
};

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> kv;
    for (int i = 1; i < argc; ++i) {
        const char* eq = std::strchr(argv[i], '=');
        if (eq) kv[std::string(argv[i], static_cast<std::size_t>(eq - argv[i]))] = eq + 1;
    }
    auto num = [&](const char* k, double def) {
        auto it = kv.find(k);
        return it == kv.end() ? def : std::atof(it->second.c_str());
    };
    auto str = [&](const char* k, const char* def) {
        auto it = kv.find(k);
        return it == kv.end() ? std::string(def) : it->second;
    };
    const int port = static_cast<int>(num("port", 0));
    const long pid = static_cast<long>(num("server_pid", 0));
    const std::size_t n = static_cast<std::size_t>(num("conns", 1000));
    const std::size_t active = std::min(n, static_cast<std::size_t>(num("active", 5000)));
    const std::size_t size = static_cast<std::size_t>(num("size", 64));
    const double secs = num("secs", 5), warmup = num("warmup", 0.5);
    const int sources = static_cast<int>(num("sources", 4));
    if (port <= 0 || pid <= 0 || size == 0 || size > 4096 || sources < 1 || sources > 200) {
        std::fprintf(stderr, "usage: scale_load port=P server_pid=PID conns=N [active=A] ...\n");
        return 2;
    }

    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit(RLIMIT_NOFILE)");
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n + 64) {
        rl.rlim_max = n + 64;  // raising the hard limit needs CAP_SYS_RESOURCE
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("RLIMIT_NOFILE below conns + 64");
    }
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("setrlimit(RLIMIT_NOFILE)");

    const long rss_base = proc_status_kb(pid, "VmRSS:");
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");

    std::vector<Conn> conns(n);
    std::vector<char> out(size, 'x'), in(size);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<std::uint16_t>(port));
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    auto set_events = [&](std::size_t i, std::uint32_t ev, int op) {
        if (op == EPOLL_CTL_MOD && conns[i].ev == ev) return;
        conns[i].ev = ev;
        epoll_event e{};
        e.events = ev;
        e.data.u64 = i;
        if (epoll_ctl(ep, op, conns[i].fd, &e) != 0) die("epoll_ctl");
    };
    auto open_conn = [&](std::size_t i) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        linger lg{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + static_cast<std::uint32_t>(i % sources));
        if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) die("bind");
        if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS)
            die("connect");
        conns[i].fd = fd;
        conns[i].state = State::Connecting;
        set_events(i, EPOLLOUT, EPOLL_CTL_ADD);
    };
    // One step of connection i's round trip; returns true when a round trip just finished.
    auto step = [&](std::size_t i, std::uint32_t ev) -> bool {
        Conn& c = conns[i];
        if (ev & (EPOLLERR | EPOLLHUP)) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            errno = err ? err : ECONNRESET;
            die("connection failed");
        }
        if (c.state == State::Connecting) {
            c.state = State::Sending;
            c.done = 0;
        }
        if (c.state == State::Sending) {
            ssize_t w = send(c.fd, out.data() + c.done, size - c.done, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN) return false;
                die("send");
            }
            c.done += static_cast<std::size_t>(w);
            if (c.done < size) return false;
            c.state = State::Receiving;
            c.done = 0;
            set_events(i, EPOLLIN, EPOLL_CTL_MOD);
            return false;
        }
        if (c.state == State::Receiving) {
            ssize_t r = recv(c.fd, in.data() + c.done, size - c.done, 0);
            if (r < 0) {
                if (errno == EAGAIN) return false;
                die("recv");
            }
            if (r == 0) {
                errno = ECONNRESET;
                die("server closed a connection");
            }
            c.done += static_cast<std::size_t>(r);
            if (c.done < size) return false;
            if (std::memcmp(in.data(), out.data(), size) != 0) {
                std::fprintf(stderr, "scale_load: echo mismatch\n");
                std::exit(1);
            }
            return true;
        }
        return false;
    };

    std::vector<epoll_event> evs(1024);
    // Phase 1: connect everyone, one round trip each, at most 512 in flight.
    std::size_t next = 0, ready = 0, in_flight = 0;
    const auto t_connect = Clock::now();
    while (ready < n) {
        while (in_flight < 512 && next < n) {
            open_conn(next++);
            ++in_flight;
        }
        int k = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 10000);
        if (k < 0 && errno != EINTR) die("epoll_wait");
        if (k == 0) {
            errno = ETIMEDOUT;
            die("connecting: no progress for 10 s");
        }
        for (int e = 0; e < k; ++e) {
            std::size_t i = evs[e].data.u64;
            if (step(i, evs[e].events)) {
                conns[i].state = State::Idle;
                set_events(i, 0, EPOLL_CTL_MOD);
                ++ready;
                --in_flight;
            }
        }
    }
    const double connect_secs = std::chrono::duration<double>(Clock::now() - t_connect).count();

    // Phase 2: all idle.
    usleep(1000000);
    const long rss_idle = proc_status_kb(pid, "VmRSS:");

    // Phase 3: `active` connections in a closed loop.
    for (std::size_t i = 0; i < active; ++i) {
        conns[i].state = State::Sending;
        conns[i].done = 0;
        step(i, 0);
        if (conns[i].state == State::Sending) set_events(i, EPOLLOUT, EPOLL_CTL_MOD);
    }
    const auto t0 = Clock::now();
    const auto t_measure = t0 + std::chrono::duration<double>(warmup);
    const auto t_end = t_measure + std::chrono::duration<double>(secs);
    bool measuring = false;
    long ticks0 = 0;
    std::size_t msgs = 0;
    for (;;) {
        auto now = Clock::now();
        if (!measuring && now >= t_measure) {
            measuring = true;
            ticks0 = proc_cpu_ticks(pid);
        }
        if (now >= t_end) break;
        int k = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
        if (k < 0 && errno != EINTR) die("epoll_wait");
        for (int e = 0; e < k; ++e) {
            std::size_t i = evs[e].data.u64;
            if (step(i, evs[e].events)) {
                if (measuring) ++msgs;
                // Send the next message at once (a fresh socket buffer takes 64 bytes); if it
                // does not all go, wait for EPOLLOUT.
                conns[i].state = State::Sending;
                conns[i].done = 0;
                step(i, 0);
                if (conns[i].state == State::Sending) set_events(i, EPOLLOUT, EPOLL_CTL_MOD);
            }
        }
    }
    const long ticks1 = proc_cpu_ticks(pid);
    const double measured = std::chrono::duration<double>(Clock::now() - t_measure).count();
    const long rss_active = proc_status_kb(pid, "VmRSS:");
    for (auto& c : conns)
        close(c.fd);
    close(ep);

    const double cpu_secs = static_cast<double>(ticks1 - ticks0) / sysconf(_SC_CLK_TCK);
    const double bytes_per_conn =
        static_cast<double>(rss_idle - rss_base) * 1024.0 / static_cast<double>(n);
    std::printf(
        "bench=scale impl=%s driver=%s conns=%zu active=%zu size=%zu secs=%.2f connect_secs=%.2f "
        "rss_base_kb=%ld rss_idle_kb=%ld rss_active_kb=%ld bytes_per_conn=%.0f msgs=%zu "
        "per_sec=%.4g server_cpu=%.2f us_per_msg=%.2f\n",
        str("impl", "unknown").c_str(), str("driver", "-").c_str(), n, active, size, measured,
        connect_secs, rss_base, rss_idle, rss_active, bytes_per_conn, msgs,
        static_cast<double>(msgs) / measured, cpu_secs / measured,
        msgs ? cpu_secs * 1e6 / static_cast<double>(msgs) : 0.0);
    return msgs ? 0 : 1;
}
