// The real mini-redis-server, started on a free port, driven by the real redis-cli and
// redis-benchmark (Debian's redis-tools) and by raw sockets. Every server is killed and reaped
// even when a test fails (test_proc::Child's destructor); ctest gives each test a TIMEOUT.
#include <gtest/gtest.h>

#include <pty.h>

#include <stdlib.h>

#include <filesystem>
#include <regex>

#include "process.hpp"

#ifndef MINI_REDIS_SERVER
#error "MINI_REDIS_SERVER: the path of mini-redis-server"
#endif
#ifndef MINI_REDIS_CLI
#error "MINI_REDIS_CLI: the path of mini-redis-cli"
#endif

using namespace std::chrono_literals;
using test_proc::Child;
using test_proc::Socket;

namespace {

class Server {
  public:
    explicit Server(std::vector<std::string> extra = {}) : child_(argv(std::move(extra))) {
        const std::string& out = child_.read_until(
            [](const std::string& s) { return s.find('\n') != std::string::npos; }, 30s);
        std::smatch m;
        std::regex re("listening on 127\\.0\\.0\\.1:([0-9]+)");
        if (!std::regex_search(out, m, re))
            throw std::runtime_error("mini-redis-server did not start: " + out);
        port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
    }
    std::uint16_t port() const { return port_; }
    std::string port_str() const { return std::to_string(port_); }
    Child& child() { return child_; }

  private:
    static std::vector<std::string> argv(std::vector<std::string> extra) {
        std::vector<std::string> a = {MINI_REDIS_SERVER, "--port", "0"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    Child child_;
    std::uint16_t port_ = 0;
};

// redis-cli's output for a one-shot command, without the trailing newline.
std::string cli(const Server& s, std::vector<std::string> args) {
    std::vector<std::string> a = {"redis-cli", "-p", s.port_str()};
    a.insert(a.end(), args.begin(), args.end());
    auto r = test_proc::run(a, 30s);
    EXPECT_EQ(r.status, 0) << r.out;
    while (!r.out.empty() && r.out.back() == '\n')
        r.out.pop_back();
    return r.out;
}

#define NEED(tool)                                                                               \
    do {                                                                                         \
        if (!test_proc::on_path(tool))                                                           \
            GTEST_SKIP() << tool << " is not installed (Debian's redis-tools; scripts/deps.sh)"; \
    } while (0)

}  // namespace

TEST(MiniRedisServer, RedisCliOneShotCommands) {
    NEED("redis-cli");
    Server s;
    EXPECT_EQ(cli(s, {"ping"}), "PONG");
    EXPECT_EQ(cli(s, {"ping", "hello there"}), "hello there");
    EXPECT_EQ(cli(s, {"set", "greeting", "hello world"}), "OK");
    EXPECT_EQ(cli(s, {"get", "greeting"}), "hello world");
    EXPECT_EQ(cli(s, {"get", "missing"}), "");
    EXPECT_EQ(cli(s, {"publish", "nobody", "x"}), "0");
    EXPECT_EQ(cli(s, {"xyz", "a"}), "ERR unknown command 'xyz'");
    EXPECT_EQ(cli(s, {"get"}), "ERR wrong number of arguments for 'get' command");
    EXPECT_EQ(cli(s, {"set", "k", "v", "EX", "0"}), "ERR invalid expire time in 'set' command");
}

TEST(MiniRedisServer, SetWithExpiryThenTheKeyExpires) {
    NEED("redis-cli");
    Server s;
    EXPECT_EQ(cli(s, {"set", "short", "v", "PX", "200"}), "OK");
    EXPECT_EQ(cli(s, {"set", "second", "v", "EX", "1"}), "OK");
    EXPECT_EQ(cli(s, {"set", "cleared", "v", "PX", "200"}), "OK");
    EXPECT_EQ(cli(s, {"set", "cleared", "w"}), "OK");  // a plain SET clears the TTL
    EXPECT_EQ(cli(s, {"set", "long", "v", "EX", "3600"}), "OK");
    auto until = test_proc::Clock::now() + 30s;
    while ((cli(s, {"get", "short"}) != "" || cli(s, {"get", "second"}) != "") &&
           test_proc::Clock::now() < until)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(cli(s, {"get", "short"}), "");
    EXPECT_EQ(cli(s, {"get", "second"}), "");
    EXPECT_EQ(cli(s, {"get", "cleared"}), "w");
    EXPECT_EQ(cli(s, {"get", "long"}), "v");
}

TEST(MiniRedisServer, RedisCliPubSub) {
    NEED("redis-cli");
    Server s;
    Child sub({"redis-cli", "-p", s.port_str(), "subscribe", "news", "sport"});
    // redis-cli prints each reply's elements on lines: subscribe, news, 1, subscribe, sport, 2
    const std::string& confirmed = sub.read_until(
        [](const std::string& o) { return o.find("sport\n2\n") != std::string::npos; }, 20s);
    ASSERT_NE(confirmed.find("subscribe\nnews\n1\n"), std::string::npos) << confirmed;
    EXPECT_EQ(cli(s, {"publish", "news", "hello subscribers"}), "1");
    EXPECT_EQ(cli(s, {"publish", "sport", "goal"}), "1");
    EXPECT_EQ(cli(s, {"publish", "other", "nobody"}), "0");
    const std::string& got = sub.read_until(
        [](const std::string& o) { return o.find("goal\n") != std::string::npos; }, 20s);
    EXPECT_NE(got.find("message\nnews\nhello subscribers\n"), std::string::npos) << got;
    EXPECT_NE(got.find("message\nsport\ngoal\n"), std::string::npos) << got;
    EXPECT_EQ(got.find("nobody"), std::string::npos) << got;
}

TEST(MiniRedisServer, SubscribeModeRules) {
    Server s;
    Socket c(s.port());
    c.send("*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n");
    std::string sub = "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n";
    EXPECT_EQ(c.recv(sub.size()), sub);
    c.send("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    std::string err = c.recv(10);
    EXPECT_EQ(err, "-ERR Can't");
    c.recv(200, 300ms);  // the rest of the error line
    c.send("*1\r\n$4\r\nPING\r\n");
    std::string pong = "*2\r\n$4\r\npong\r\n$0\r\n\r\n";
    EXPECT_EQ(c.recv(pong.size()), pong);
    Socket p(s.port());
    p.send("*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$2\r\nhi\r\n");
    EXPECT_EQ(p.recv(4), ":1\r\n");
    std::string msg = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n";
    EXPECT_EQ(c.recv(msg.size()), msg);
    c.send("*1\r\n$11\r\nUNSUBSCRIBE\r\n");
    std::string unsub = "*3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n";
    EXPECT_EQ(c.recv(unsub.size()), unsub);
    // Out of subscribe mode: ordinary commands again.
    c.send("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    EXPECT_EQ(c.recv(5), "$-1\r\n");
}

TEST(MiniRedisServer, RedisBenchmarkWithAndWithoutPipelining) {
    NEED("redis-benchmark");
    Server s;
    for (const char* pipeline : {"1", "16"}) {
        auto r = test_proc::run({"redis-benchmark", "-p", s.port_str(), "-t", "set,get", "-n",
                                 "3000", "-c", "20", "-P", pipeline, "-q"},
                                120s);
        EXPECT_EQ(r.status, 0) << r.out;
        EXPECT_NE(r.out.find("SET: "), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("GET: "), std::string::npos) << r.out;
        for (const char* bad : {"ERR", "rror", "WARNING"})
            EXPECT_EQ(r.out.find(bad), std::string::npos) << "-P " << pipeline << ":\n" << r.out;
    }
    EXPECT_EQ(cli(s, {"ping"}), "PONG");
}

TEST(MiniRedisServer, MalformedFrameClosesOnlyThatConnection) {
    Server s;
    Socket bystander(s.port());
    const char* bad[] = {"$abc\r\n",  "*1\r\n$x\r\n",       "*2\r\n$3\r\nGET\r\n:1\r\n",
                         "+PING\r\n", "*1\r\n$4\r\nPINGXX", "!\r\n"};
    for (const char* b : bad) {
        Socket c(s.port());
        // A good command first, in the same write: it is answered before the error.
        c.send(std::string("*1\r\n$4\r\nPING\r\n") + b);
        EXPECT_EQ(c.recv(7), "+PONG\r\n") << b;
        EXPECT_EQ(c.recv(19), "-ERR Protocol error") << b;
        EXPECT_TRUE(c.closed_within(20s)) << b;
    }
    // Another client, and one connected all along, are served.
    Socket after(s.port());
    after.send("*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(after.recv(7), "+PONG\r\n");
    bystander.send("*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(bystander.recv(7), "+PONG\r\n");
    // EOF in the middle of a frame: the server drops that connection, nothing else.
    {
        Socket half(s.port());
        half.send("*2\r\n$3\r\nGET\r\n$5\r\nab");
    }
    bystander.send("*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(bystander.recv(7), "+PONG\r\n");
}

TEST(MiniRedisServer, UnknownCommandKeepsTheConnection) {
    Server s;
    Socket c(s.port());
    c.send("*2\r\n$3\r\nxyz\r\n$1\r\na\r\n");
    std::string want = "-ERR unknown command 'xyz'\r\n";
    EXPECT_EQ(c.recv(want.size()), want);
    c.send("*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(c.recv(7), "+PONG\r\n");
}

TEST(MiniRedisServer, PipelinedAndSplitFramesAndBigBinaryValues) {
    Server s;
    Socket c(s.port());
    // 200 commands in one write: 200 replies.
    std::string batch;
    std::string want;
    for (int i = 0; i < 100; ++i) {
        std::string k = "k" + std::to_string(i);
        batch += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$1\r\nv\r\n";
        batch += "*2\r\n$3\r\nGET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n";
        want += "+OK\r\n$1\r\nv\r\n";
    }
    c.send(batch);
    EXPECT_EQ(c.recv(want.size()), want);
    // A 1 MiB + value of every byte (CR, LF and NUL included), sent in odd-sized pieces.
    std::string value(1024 * 1024 + 3, '\0');
    for (std::size_t i = 0; i < value.size(); ++i)
        value[i] = static_cast<char>(i * 7 % 256);
    std::string set = "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) + "\r\n" +
                      value + "\r\n";
    for (std::size_t at = 0, step = 1; at < set.size(); at += step, step = step * 3 % 65521 + 1) {
        c.send(std::string_view(set).substr(at, step));
        if (at < 64) std::this_thread::sleep_for(1ms);  // the header a byte or so at a time
    }
    EXPECT_EQ(c.recv(5), "+OK\r\n");
    c.send("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
    std::string reply = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
    std::string got = c.recv(reply.size(), 60s);
    EXPECT_EQ(got.size(), reply.size());
    EXPECT_TRUE(got == reply);
}

TEST(MiniRedisServer, ConnectionLimitMakesTheThirdClientWait) {
    Server s({"--max-connections", "2"});
    auto ping = [](Socket& c) {
        c.send("*1\r\n$4\r\nPING\r\n");
        return c.recv(7, 20s);
    };
    auto a = std::make_unique<Socket>(s.port());
    Socket b(s.port());
    EXPECT_EQ(ping(*a), "+PONG\r\n");
    EXPECT_EQ(ping(b), "+PONG\r\n");
    Socket c(s.port());  // the kernel completes the handshake; the server does not accept yet
    c.send("*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(c.recv(7, 500ms), "");  // not served while two are connected
    a.reset();                        // one leaves: the third gets its permit
    EXPECT_EQ(c.recv(7, 20s), "+PONG\r\n");
    EXPECT_EQ(ping(b), "+PONG\r\n");
}

TEST(MiniRedisServer, SigtermWithAClientConnectedExitsZero) {
    Server s;
    Socket c(s.port());
    c.send("*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(c.recv(7), "+PONG\r\n");
    s.child().signal(SIGTERM);
    EXPECT_EQ(s.child().wait(30s), 0) << s.child().read_all(1s);
    EXPECT_TRUE(c.closed_within(5s));  // the idle connection was closed between commands
    EXPECT_THROW(Socket late(s.port()), std::runtime_error);  // no longer listening
}

TEST(MiniRedisServer, SigintExitsZero) {
    Server s;
    s.child().signal(SIGINT);
    EXPECT_EQ(s.child().wait(30s), 0) << s.child().read_all(1s);
}

TEST(MiniRedisServer, MiniRedisCli) {
    Server s;
    auto cli2 = [&](std::vector<std::string> args) {
        std::vector<std::string> a = {MINI_REDIS_CLI, "--port", s.port_str()};
        a.insert(a.end(), args.begin(), args.end());
        auto r = test_proc::run(a, 30s);
        EXPECT_EQ(r.status, 0) << r.out;
        return r.out;
    };
    EXPECT_EQ(cli2({"ping"}), "PONG\n");
    EXPECT_EQ(cli2({"set", "k", "v"}), "OK\n");
    EXPECT_EQ(cli2({"get", "k"}), "\"v\"\n");
    EXPECT_EQ(cli2({"set", "e", "v", "--expires", "100000"}), "OK\n");
    EXPECT_EQ(cli2({"get", "nope"}), "(nil)\n");
    Child sub({MINI_REDIS_CLI, "--port", s.port_str(), "subscribe", "ch"});
    sub.read_until([](const std::string& o) { return o.find("Subscribed") != std::string::npos; },
                   20s);
    EXPECT_EQ(cli2({"publish", "ch", "hi"}), "Publish OK (1 subscriber(s))\n");
    const std::string& got = sub.read_until(
        [](const std::string& o) { return o.find("\"hi\"") != std::string::npos; }, 20s);
    EXPECT_NE(got.find("from the channel: ch; message = \"hi\""), std::string::npos) << got;
}

// redis-cli as a person uses it: interactive, on a terminal (a pseudo-terminal here, which
// answers linenoise's cursor-position query), a few commands, then subscribe mode.
TEST(MiniRedisServer, InteractiveRedisCli) {
    NEED("redis-cli");
    Server s;
    int fd = -1;
    pid_t pid = ::forkpty(&fd, nullptr, nullptr, nullptr);
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::string port = s.port_str();
        ::execlp("redis-cli", "redis-cli", "-p", port.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    std::string out;
    std::size_t mark = 0;  // what is searched for must come after this point of `out`
    // Reads until `until` shows up after `mark` (then moves `mark` past it), answering the line
    // editor's cursor-position queries.
    auto pump = [&](const std::string& until, std::chrono::milliseconds limit) {
        auto end = test_proc::Clock::now() + limit;
        for (;;) {
            if (auto at = out.find(until, mark); at != std::string::npos) {
                mark = at + until.size();
                return true;
            }
            if (test_proc::Clock::now() >= end) return false;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char buf[4096];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return false;
            std::string_view got(buf, static_cast<std::size_t>(n));
            if (got.find("\x1b[6n") != std::string_view::npos) (void)!::write(fd, "\x1b[1;80R", 7);
            out.append(got);
        }
    };
    std::string prompt = "127.0.0.1:" + s.port_str() + "> ";
    // Types a line once the prompt is up (typing earlier races the editor's queries), and
    // waits for `reply`.
    auto command = [&](const std::string& line, const std::string& reply) {
        if (!pump(prompt, 20s)) return false;
        std::string typed = line + "\r";
        (void)!::write(fd, typed.data(), typed.size());
        return pump(reply, 20s);
    };
    EXPECT_TRUE(command("set greeting hello", "OK")) << out;
    EXPECT_TRUE(command("get greeting", "\"hello\"")) << out;
    EXPECT_TRUE(command("nosuchcommand", "(error) ERR unknown command 'nosuchcommand'")) << out;
    EXPECT_TRUE(command("subscribe ch", "(integer) 1")) << out;
    EXPECT_EQ(cli(s, {"publish", "ch", "to the terminal"}), "1");
    EXPECT_TRUE(pump("\"to the terminal\"", 20s)) << out;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(fd);
}

#ifdef MINI_REDIS_TLS
// --tls-cert/--tls-key: redis-cli --tls with the test CA talks to it; a plain client and one
// that does not trust the CA fail, and the server goes on. The certificates (a CA and a
// certificate for localhost / 127.0.0.1) are made by the openssl command.
TEST(MiniRedisServer, ServesTlsToRedisCli) {
    NEED("redis-cli");
    NEED("openssl");
    char tmpl[] = "/tmp/mini-redis-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    std::string dir = tmpl;
    auto r = test_proc::run(
        {"sh", "-c",
         "cd " + dir +
             " && K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'"
             " && openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca"
             " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext"
             " && openssl req $K -keyout server.key -out server.csr -subj /CN=localhost"
             " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
             " -out server.pem -days 2 -extfile server.ext"},
        30s);
    ASSERT_EQ(r.status, 0) << r.out;
    {
        Server s({"--tls-cert", dir + "/server.pem", "--tls-key", dir + "/server.key"});
        auto tls_cli = [&](std::vector<std::string> args) {
            std::vector<std::string> a = {"redis-cli", "--tls",     "--cacert", dir + "/ca.pem",
                                          "-h",        "127.0.0.1", "-p",       s.port_str()};
            a.insert(a.end(), args.begin(), args.end());
            return test_proc::run(a, 30s);
        };
        auto set = tls_cli({"set", "k", "over tls"});
        EXPECT_EQ(set.out, "OK\n");
        auto plain = test_proc::run({"redis-cli", "-p", s.port_str(), "ping"}, 30s);
        EXPECT_EQ(plain.out.find("PONG"), std::string::npos) << plain.out;
        auto untrusted = test_proc::run(
            {"redis-cli", "--tls", "-h", "127.0.0.1", "-p", s.port_str(), "ping"}, 30s);
        EXPECT_EQ(untrusted.out.find("PONG"), std::string::npos) << untrusted.out;
        auto get = tls_cli({"get", "k"});
        EXPECT_EQ(get.out, "over tls\n");
    }
    std::filesystem::remove_all(dir);
}
#endif
