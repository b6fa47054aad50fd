// Test helpers: child processes (the server under test, redis-cli, redis-benchmark) that are
// always reaped, even when a test fails, and a plain blocking socket with timeouts.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace test_proc {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Whether `name` is an executable on PATH.
inline bool on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string p = path != nullptr ? path : "";
    std::size_t start = 0;
    while (start <= p.size()) {
        std::size_t end = p.find(':', start);
        if (end == std::string::npos) end = p.size();
        std::string f = p.substr(start, end - start) + "/" + name;
        if (::access(f.c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

// A child process whose stdout and stderr come back through one pipe. Killed (SIGKILL) and
// reaped by the destructor if it still runs.
class Child {
  public:
    explicit Child(std::vector<std::string> argv) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            ::dup2(fds[1], 1);
            ::dup2(fds[1], 2);
            int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, 0);
            std::vector<char*> args;
            for (auto& a : argv)
                args.push_back(a.data());
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
            ::_exit(127);
        }
        ::close(fds[1]);
        out_ = fds[0];
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }

    pid_t pid() const { return pid_; }
    bool running() const { return !status_; }
    void signal(int sig) const {
        if (running()) ::kill(pid_, sig);
    }

    // Waits up to `limit` for the exit status (-1 if still running then; 128+N if killed by N).
    int wait(std::chrono::milliseconds limit) {
        auto until = Clock::now() + limit;
        while (!status_) {
            int st = 0;
            pid_t r = ::waitpid(pid_, &st, WNOHANG);
            if (r == pid_) {
                status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            if (Clock::now() >= until) return -1;
            std::this_thread::sleep_for(5ms);
        }
        return *status_;
    }

    // Reads what the child wrote until `done(output)` or the limit or EOF; all output so far.
    template <class Pred>
    const std::string& read_until(Pred done, std::chrono::milliseconds limit) {
        auto until = Clock::now() + limit;
        while (!done(output_) && !eof_) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            if (left <= 0ms) break;
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buf[65536];
            ssize_t n = ::read(out_, buf, sizeof buf);
            if (n <= 0) {
                eof_ = true;
                break;
            }
            output_.append(buf, static_cast<std::size_t>(n));
        }
        return output_;
    }
    const std::string& read_all(std::chrono::milliseconds limit) {
        return read_until([](const std::string&) { return false; }, limit);
    }
    const std::string& output() const { return output_; }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::optional<int> status_;
    std::string output_;
    bool eof_ = false;
};

// Runs a command to completion (killed after `limit`): its exit status and output.
struct Result {
    int status;
    std::string out;
};
inline Result run(std::vector<std::string> argv, std::chrono::milliseconds limit = 60s) {
    Child c(std::move(argv));
    std::string out = c.read_all(limit);
    int st = c.wait(1s);
    return {st, out};
}

// A blocking TCP client with a receive timeout.
class Socket {
  public:
    explicit Socket(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() { close(); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    void send(std::string_view s) {
        while (!s.empty()) {
            ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // Reads until `want` bytes came, EOF, or `limit` passed; what came.
    std::string recv(std::size_t want, std::chrono::milliseconds limit = 20s) {
        std::string got;
        auto until = Clock::now() + limit;
        while (got.size() < want) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            if (left <= 0ms) break;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buf[65536];
            ssize_t n = ::recv(fd_, buf, std::min(sizeof buf, want - got.size()), 0);
            if (n <= 0) {
                eof_ = true;
                break;
            }
            got.append(buf, static_cast<std::size_t>(n));
        }
        return got;
    }
    // True if the peer closed (EOF or reset) within `limit`, reading and dropping any data.
    bool closed_within(std::chrono::milliseconds limit) {
        auto until = Clock::now() + limit;
        while (!eof_ && Clock::now() < until) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[4096];
            if (::recv(fd_, buf, sizeof buf, 0) <= 0) eof_ = true;
        }
        return eof_;
    }

  private:
    int fd_ = -1;
    bool eof_ = false;
};

}  // namespace test_proc
