// weft::process in the peers' one-line format, beside what a program without a runtime writes
// (impl=blocking: posix_spawnp + waitpid; a writer thread for the pipe) and Tokio's
// tokio::process (benches/peers/tokio_process, same workloads and argument names):
//
//   process_bench spawn_wait [n=500] [conc=1] [iters=3]
//       spawn `true` and wait for it, n times; weft runs `conc` tasks, each spawning its share
//       one after another (per_sec: processes/s)
//   process_bench pipe [mb=64] [iters=3]
//       write mb MiB into `cat` in 64 KiB writes from one task while another reads them back
//       (per_sec: bytes/s through the child)
//
// rt=current (instead of the default rt=multi workers=2) runs weft on the current-thread
// flavour. impl=blocking rows are printed for conc=1 only. benches/compare_process.sh runs
// weft and Tokio interleaved.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "weft/weft.hpp"

extern char** environ;

namespace {

using namespace bench;
namespace process = weft::process;

void print_impl(const char* name, const char* impl, const std::string& params, double ops,
                Timing t) {
    std::printf("bench=%s impl=%s %s secs=%.4f min_secs=%.4f max_secs=%.4f per_sec=%.3e\n", name,
                impl, params.c_str(), t.median, t.min, t.max, ops / t.median);
    std::fflush(stdout);
}

[[noreturn]] void die(int err, const std::string& what) {
    throw std::system_error(err, std::system_category(), what);
}

// ---- impl=blocking ----

void blocking_run_true() {
    pid_t pid;
    char prog[] = "true";
    char* argv[] = {prog, nullptr};
    int err = ::posix_spawnp(&pid, prog, nullptr, nullptr, argv, environ);
    if (err != 0) die(err, "posix_spawnp true");
    int st;
    while (::waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) die(errno, "waitpid");
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) throw std::runtime_error("true failed");
}

std::uint64_t blocking_pipe(std::uint64_t bytes) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) die(errno, "pipe2");
    posix_spawn_file_actions_t fa;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    ::posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    pid_t pid;
    char prog[] = "cat";
    char* argv[] = {prog, nullptr};
    int err = ::posix_spawnp(&pid, prog, &fa, nullptr, argv, environ);
    ::posix_spawn_file_actions_destroy(&fa);
    if (err != 0) die(err, "posix_spawnp cat");
    ::close(in[0]);
    ::close(out[1]);
    std::thread writer([fd = in[1], bytes] {
        std::vector<char> buf(65536, 7);
        std::uint64_t left = bytes;
        while (left > 0) {
            ssize_t n = ::write(fd, buf.data(), std::min<std::uint64_t>(left, buf.size()));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) std::abort();
            left -= static_cast<std::uint64_t>(n);
        }
        ::close(fd);
    });
    std::vector<char> buf(65536);
    std::uint64_t got = 0;
    for (;;) {
        ssize_t n = ::read(out[0], buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die(errno, "read");
        if (n == 0) break;
        got += static_cast<std::uint64_t>(n);
    }
    writer.join();
    ::close(out[0]);
    int st;
    while (::waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) die(errno, "waitpid");
    }
    return got;
}

// ---- impl=weft ----

weft::Task<void> weft_run_true() {
    process::Command cmd("true");
    process::ExitStatus st = co_await cmd.status();
    if (!st.success()) throw std::runtime_error("true failed");
}

weft::Task<void> weft_spawn_share(long first, long n, long stride) {
    for (long k = first; k < n; k += stride)
        co_await weft_run_true();
}

weft::Task<void> weft_spawn_wait(long n, long conc) {
    std::vector<weft::JoinHandle<void>> tasks;
    for (long c = 0; c < conc; ++c)
        tasks.push_back(weft::spawn(weft_spawn_share(c, n, conc)));
    for (auto& t : tasks)
        co_await t;
}

weft::Task<void> weft_write_all(process::ChildStdin in, std::uint64_t bytes) {
    std::vector<std::byte> buf(65536, std::byte{7});
    std::uint64_t left = bytes;
    while (left > 0) {
        std::size_t k = std::min<std::uint64_t>(left, buf.size());
        co_await in.write_all(std::span(buf.data(), k));
        left -= k;
    }
}  // `in` dropped: cat sees end of file

weft::Task<std::uint64_t> weft_pipe(std::uint64_t bytes) {
    process::Command cmd("cat");
    cmd.stdin(process::Stdio::piped()).stdout(process::Stdio::piped());
    process::Child child = cmd.spawn();
    auto writer = weft::spawn(weft_write_all(std::move(*child.stdin), bytes));
    child.stdin.reset();
    std::vector<std::byte> buf(65536);
    std::uint64_t got = 0;
    while (std::size_t n = co_await child.stdout->read(std::span(buf)))
        got += n;
    co_await writer;
    process::ExitStatus st = co_await child.wait();
    if (!st.success()) throw std::runtime_error("cat failed");
    co_return got;
}

}  // namespace

int main(int argc, char** argv) {
    RuntimeArgs a(argc, argv, "spawn_wait|pipe");
    long iters = arg(a.kv, "iters", 3);
    if (a.what == "spawn_wait") {
        long n = arg(a.kv, "n", 500), conc = arg(a.kv, "conc", 1);
        std::string params =
            a.br.params + " n=" + std::to_string(n) + " conc=" + std::to_string(conc);
        Timing w = repeat(iters, [&] {
            auto t0 = Clock::now();
            a.br.rt.block_on(weft_spawn_wait(n, conc));
            return since(t0);
        });
        print_impl("spawn_wait", "weft", params, static_cast<double>(n), w);
        if (conc == 1) {
            Timing b = repeat(iters, [&] {
                auto t0 = Clock::now();
                for (long k = 0; k < n; ++k)
                    blocking_run_true();
                return since(t0);
            });
            print_impl("spawn_wait", "blocking", "n=" + std::to_string(n) + " conc=1",
                       static_cast<double>(n), b);
        }
    } else if (a.what == "pipe") {
        long mb = arg(a.kv, "mb", 64);
        auto bytes = static_cast<std::uint64_t>(mb) << 20;
        std::string params = a.br.params + " mb=" + std::to_string(mb);
        Timing w = repeat(iters, [&] {
            auto t0 = Clock::now();
            std::uint64_t got = a.br.rt.block_on(weft_pipe(bytes));
            if (got != bytes) throw std::runtime_error("pipe: bytes lost");
            return since(t0);
        });
        print_impl("pipe", "weft", params, static_cast<double>(bytes), w);
        Timing b = repeat(iters, [&] {
            auto t0 = Clock::now();
            if (blocking_pipe(bytes) != bytes) throw std::runtime_error("pipe: bytes lost");
            return since(t0);
        });
        print_impl("pipe", "blocking", "mb=" + std::to_string(mb), static_cast<double>(bytes), b);
    } else {
        std::fprintf(stderr, "unknown workload %s\n", a.what.c_str());
        return 2;
    }
}
