// weft::process with real programs (sh, cat, sleep, env, true, false), on both I/O drivers and
// both runtime flavours; the SIGCHLD fallback (pidfd_open switched off); spawn under EMFILE;
// no zombie on any path; and weft::io::stdin/stdout over redirected descriptors.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/net_support.hpp"
#include "weft/weft.hpp"

namespace {

using weft::process::Child;
using weft::process::Command;
using weft::process::ExitStatus;
using weft::process::Output;
using weft::process::Stdio;
using weft_test::IoParam;
using namespace std::chrono_literals;

static_assert(weft::io::AsyncWrite<weft::process::ChildStdin>);
static_assert(weft::io::AsyncRead<weft::process::ChildStdout>);
static_assert(weft::io::AsyncRead<weft::process::ChildStderr>);
static_assert(weft::io::AsyncRead<weft::io::Stdin>);
static_assert(weft::io::AsyncWrite<weft::io::Stdout>);
static_assert(weft::io::AsyncWrite<weft::io::Stderr>);

// Whether `pid` is gone (reaped by someone), waiting up to 10 s. A zombie still answers
// kill(pid, 0), so ESRCH means no zombie is left.
bool reaped_eventually(pid_t pid) {
    for (int i = 0; i < 2000; ++i) {
        if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

// Our children (scans /proc for our pid as parent); only the zombies (State Z) if asked.
std::vector<pid_t> our_children(bool zombies_only) {
    std::vector<pid_t> out;
    pid_t self = ::getpid();
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream f(e.path() / "stat");
        std::string line;
        if (!std::getline(f, line)) continue;
        std::size_t rp = line.rfind(')');
        if (rp == std::string::npos || rp + 4 >= line.size()) continue;
        char state = line[rp + 2];
        long ppid = std::strtol(line.c_str() + rp + 4, nullptr, 10);
        if (ppid == self && (!zombies_only || state == 'Z')) out.push_back(std::stoi(name));
    }
    return out;
}
std::vector<pid_t> zombie_children() {
    return our_children(true);
}
std::vector<pid_t> children() {
    return our_children(false);
}

bool no_children_eventually() {
    for (int i = 0; i < 2000; ++i) {
        if (children().empty()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

bool no_zombies_eventually() {
    for (int i = 0; i < 2000; ++i) {
        if (zombie_children().empty()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

int open_fd_count() {
    int n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
        ++n;
    return n;
}

// Switches pidfd_open off for its lifetime (the SIGCHLD fallback).
struct NoPidfd {
    NoPidfd() { weft::process::detail::set_pidfd_disabled_for_testing(true); }
    ~NoPidfd() { weft::process::detail::set_pidfd_disabled_for_testing(false); }
};

class Process : public testing::TestWithParam<IoParam> {};
INSTANTIATE_TEST_SUITE_P(Drivers, Process, weft_test::all_io_params(), weft_test::io_param_name);

// 10 MB through `cat` while the child also writes more than a pipe's worth to stderr first:
// reading stdout, stderr and writing stdin must all proceed at once.
TEST_P(Process, CatRoundTripsTenMegabytesWhileStderrIsWritten) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        std::vector<std::byte> data(10 << 20);
        for (std::size_t i = 0; i < data.size(); ++i)
            data[i] = static_cast<std::byte>((i * 131) ^ (i >> 13));
        Command cmd("sh");
        cmd.arg("-c").arg("head -c 200000 /dev/zero >&2; cat; echo done >&2");
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        Child child = cmd.spawn();
        EXPECT_TRUE(child.id().has_value());
        auto writer = [&]() -> weft::Task<void> {
            co_await child.stdin->write_all(std::span<const std::byte>(data));
            child.stdin.reset();
        };
        std::vector<std::byte> out;
        std::string err;
        co_await weft::join(writer(), weft::io::read_to_end(*child.stdout, out),
                            child.stderr->read_to_string(err));
        ExitStatus st = co_await child.wait();
        EXPECT_TRUE(st.success());
        EXPECT_FALSE(child.id().has_value());
        EXPECT_TRUE(out == data) << "got " << out.size() << " bytes";
        EXPECT_EQ(err.size(), 200000u + 5);
        EXPECT_EQ(err.substr(err.size() - 5), "done\n");
    });
}

TEST_P(Process, ExitCodesAndSuccess) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        Command three("sh");
        three.args({"-c", "exit 3"});
        ExitStatus st = co_await three.status();
        EXPECT_EQ(st.code(), 3);
        EXPECT_FALSE(st.signal().has_value());
        EXPECT_FALSE(st.success());
        Command f("false");
        ExitStatus fs = co_await f.status();
        EXPECT_FALSE(fs.success());
        EXPECT_EQ(fs.code(), 1);
        Command t("true");
        ExitStatus ts = co_await t.status();
        EXPECT_TRUE(ts.success());
    });
}

TEST_P(Process, KillThenWaitReportsTheSignal) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        Command cmd("sleep");
        cmd.arg("1000");
        Child child = cmd.spawn();
        EXPECT_FALSE(child.try_wait().has_value());
        auto early = co_await weft::time::timeout(20ms, child.wait());  // cancel safe
        EXPECT_TRUE(early.is_elapsed());
        co_await child.kill();
        ExitStatus st = co_await child.wait();
        EXPECT_EQ(st.signal(), SIGKILL);
        EXPECT_FALSE(st.code().has_value());
        EXPECT_FALSE(st.success());
        EXPECT_EQ(child.try_wait(), st);
        child.start_kill();  // reaped: nothing happens
    });
}

TEST_P(Process, KillOnDropKillsAndReaps) {
    pid_t pid = -1;
    weft_test::run_io(GetParam(), [&]() -> weft::Task<void> {
        Command cmd("sleep");
        cmd.arg("1000").kill_on_drop(true);
        Child child = cmd.spawn();
        pid = *child.id();
        co_return;  // dropped here
    });
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(reaped_eventually(pid));
    EXPECT_TRUE(no_zombies_eventually());
}

// A runtime shutting down drops the tasks waiting for children: the kill_on_drop one is
// killed, the other runs to its end; both are reaped. So is a cancelled output().
TEST_P(Process, RuntimeShutdownAndCancelledOutputLeaveNoChild) {
    ASSERT_TRUE(no_children_eventually());
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        Command sleeper("sleep");
        sleeper.arg("1000").kill_on_drop(true);
        auto slow = co_await weft::time::timeout(30ms, sleeper.output());
        EXPECT_TRUE(slow.is_elapsed());
        auto started = std::make_shared<std::atomic<int>>(0);
        for (bool kill : {true, false}) {
            auto h = weft::spawn([kill, started]() -> weft::Task<void> {
                Command cmd("sleep");  // not under sh: killing sh would orphan the sleep
                cmd.arg(kill ? "1000" : "0.3").kill_on_drop(kill);
                Child child = cmd.spawn();
                started->fetch_add(1);
                co_await child.wait();
                EXPECT_FALSE(kill) << "the runtime shut down first";
            });
            h.detach();
        }
        while (started->load() < 2)
            co_await weft::time::sleep(1ms);
    });
    EXPECT_TRUE(no_children_eventually());
}

// Without kill_on_drop the child runs on; once it exits the orphan reaper reaps it.
TEST_P(Process, DropWithoutKillLeavesNoZombie) {
    pid_t pid = -1;
    weft_test::run_io(GetParam(), [&]() -> weft::Task<void> {
        Command cmd("sh");
        cmd.arg("-c").arg("sleep 0.05");
        Child child = cmd.spawn();
        pid = *child.id();
        co_return;
    });
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(reaped_eventually(pid));
}

TEST_P(Process, MissingExecutableNamesIt) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        for (const char* prog : {"weft-no-such-program-x1", "/nonexistent/weft-no-such-prog"}) {
            Command cmd(prog);
            try {
                Child c = cmd.spawn();
                ADD_FAILURE() << "spawned " << prog;
            } catch (const std::system_error& e) {
                EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
                EXPECT_NE(std::string(e.what()).find(prog), std::string::npos) << e.what();
            }
        }
        Command missing("weft-no-such-program-x2");
        bool threw = false;
        try {
            co_await missing.output();
        } catch (const std::system_error& e) {
            threw = true;
            EXPECT_NE(std::string(e.what()).find("weft-no-such-program-x2"), std::string::npos);
        }
        EXPECT_TRUE(threw);
    });
}

TEST_P(Process, OutputCollectsBothStreams) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        Command cmd("sh");
        cmd.arg("-c").arg("echo out; echo err >&2; read x || echo eof; exit 5");
        Output out = co_await cmd.output();
        EXPECT_EQ(out.status.code(), 5);
        EXPECT_EQ(out.stdout, "out\neof\n");  // stdin is /dev/null
        EXPECT_EQ(out.stderr, "err\n");
    });
}

TEST_P(Process, EnvAndCurrentDirTakeEffect) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        Command cmd("sh");
        cmd.arg("-c").arg("echo \"$WEFT_A:${HOME-unset}:$(pwd)\"");
        cmd.env("WEFT_A", "one").env_remove("HOME").current_dir("/");
        Output out = co_await cmd.output();
        EXPECT_EQ(out.stdout, "one:unset:/\n");
        Command clean("env");
        std::vector<std::pair<std::string, std::string>> vars = {{"B", "2"}};
        clean.env("IGNORED", "x").env_clear().env("A", "1").envs(vars);
        Output e = co_await clean.output();
        EXPECT_EQ(e.stdout, "A=1\nB=2\n");
        Command bad("true");
        bad.current_dir("/nonexistent-weft-dir");
        bool threw = false;
        try {
            Child c = bad.spawn();
        } catch (const std::system_error& ex) {
            threw = true;
            EXPECT_NE(std::string(ex.what()).find("/nonexistent-weft-dir"), std::string::npos);
        }
        EXPECT_TRUE(threw);
    });
}

TEST_P(Process, WriteToAClosedStdinThrowsBrokenPipe) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        Command cmd("true");
        cmd.stdin(Stdio::piped());
        Child child = cmd.spawn();
        auto in = std::move(*child.stdin);
        child.stdin.reset();
        co_await child.wait();
        std::vector<std::byte> big(1 << 20);
        bool threw = false;
        try {
            co_await in.write_all(std::span<const std::byte>(big));
        } catch (const std::system_error& e) {
            threw = true;
            EXPECT_EQ(e.code(), std::errc::broken_pipe);
        }
        EXPECT_TRUE(threw);
    });
}

// EMFILE at every step of a spawn (each pipe, then the pidfd after the child started): an
// error, no descriptor left open, no child left.
TEST_P(Process, SpawnUnderEmfileLeaksNothing) {
    ASSERT_TRUE(no_zombies_eventually());
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        rlimit saved{};
        ::getrlimit(RLIMIT_NOFILE, &saved);
        int before = open_fd_count();
        int lowest = ::dup(0);  // the lowest free number: below it every slot is taken
        ::close(lowest);
        int emfile = 0, ok = 0;
        for (bool piped : {false, true}) {
            for (int extra = 0; extra < 8; ++extra) {
                rlimit low = saved;
                low.rlim_cur = static_cast<rlim_t>(lowest + extra);
                ::setrlimit(RLIMIT_NOFILE, &low);
                std::optional<Child> child;
                try {
                    Command cmd("true");
                    if (piped)
                        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
                    child.emplace(cmd.spawn());
                } catch (const std::system_error& e) {
                    EXPECT_EQ(e.code(), std::errc::too_many_files_open) << e.what();
                    EXPECT_NE(std::string(e.what()).find("true"), std::string::npos);
                    ++emfile;
                }
                ::setrlimit(RLIMIT_NOFILE, &saved);
                if (child) {
                    ++ok;
                    ExitStatus st = co_await child->wait();
                    EXPECT_TRUE(st.success());
                }
            }
        }
        EXPECT_GE(emfile, 7);  // the pidfd (inherit, extra 0) and the pipes (piped, 0..5)
        EXPECT_GE(ok, 2);
        EXPECT_EQ(open_fd_count(), before);
    });
    EXPECT_TRUE(zombie_children().empty());
}

// The SIGCHLD fallback: waiting, killing, dropping (the reaper looks every 50 ms then), pipes.
TEST_P(Process, SigchldFallbackWithoutPidfd) {
    NoPidfd no_pidfd;
    pid_t dropped = -1;
    weft_test::run_io(GetParam(), [&]() -> weft::Task<void> {
        Command three("sh");
        three.arg("-c").arg("sleep 0.02; exit 3");
        ExitStatus st = co_await three.status();
        EXPECT_EQ(st.code(), 3);
        Command sleeper("sleep");
        sleeper.arg("1000");
        Child child = sleeper.spawn();
        co_await child.kill();
        ExitStatus killed = co_await child.wait();
        EXPECT_EQ(killed.signal(), SIGKILL);
        Command cmd("sh");
        cmd.arg("-c").arg("echo hi; echo ho >&2");
        Output out = co_await cmd.output();
        EXPECT_EQ(out.stdout, "hi\n");
        EXPECT_EQ(out.stderr, "ho\n");
        sleeper.kill_on_drop(true);
        Child doomed = sleeper.spawn();
        dropped = *doomed.id();
    });
    ASSERT_GT(dropped, 0);
    EXPECT_TRUE(reaped_eventually(dropped));
}

// Several children at once, awaited from several tasks (the multi-thread flavour spreads them
// over workers).
TEST_P(Process, ManyChildrenAtOnce) {
    weft_test::run_io(GetParam(), []() -> weft::Task<void> {
        std::vector<weft::JoinHandle<int>> hs;
        for (int i = 0; i < 8; ++i) {
            hs.push_back(weft::spawn([i]() -> weft::Task<int> {
                Command cmd("sh");
                cmd.arg("-c").arg("exit " + std::to_string(i));
                ExitStatus st = co_await cmd.status();
                co_return st.code().value_or(-1);
            }));
        }
        for (int i = 0; i < 8; ++i) {
            int code = co_await hs[static_cast<std::size_t>(i)];
            EXPECT_EQ(code, i);
        }
    });
}

// ---- weft::io::stdin / stdout over redirected descriptors ----

TEST(Stdio, ReadsStdinAndWritesStdout) {
    weft_test::Watchdog dog;
    std::fflush(stdout);
    int saved0 = ::dup(0), saved1 = ::dup(1);
    int in[2], out[2];
    ASSERT_EQ(::pipe(in), 0);
    ASSERT_EQ(::pipe(out), 0);
    ASSERT_EQ(::write(in[1], "hello stdin", 11), 11);
    ::close(in[1]);
    ::dup2(in[0], 0);
    ::close(in[0]);
    ::dup2(out[1], 1);
    ::close(out[1]);
    std::string written;
    std::thread reader([&] {
        char buf[65536];
        ssize_t n;
        while ((n = ::read(out[0], buf, sizeof buf)) > 0)
            written.append(buf, static_cast<std::size_t>(n));
    });
    std::string payload(3 << 20, 'x');  // more than one 2 MiB blocking write
    payload.back() = '!';
    std::string got;
    {
        weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
        rt.block_on([&]() -> weft::Task<void> {
            weft::io::Stdin in_ = weft::io::stdin();
            co_await in_.read_to_string(got);
            weft::io::Stdout o = weft::io::stdout();
            co_await o.write_all(payload);
            co_await o.flush();
        });
    }
    ::dup2(saved0, 0);
    ::dup2(saved1, 1);  // closes the pipe's last write end: the reader sees end of file
    ::close(saved0);
    ::close(saved1);
    reader.join();
    ::close(out[0]);
    EXPECT_EQ(got, "hello stdin");
    EXPECT_TRUE(written == payload) << written.size();
    EXPECT_THROW(weft::block_on([]() -> weft::Task<void> {
                     weft::io::Stderr e = weft::io::stderr();
                     co_await e.write_all("x");
                 }()),
                 std::logic_error);
}

}  // namespace
