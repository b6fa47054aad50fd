// weft::process: starting a child (posix_spawn), waiting for it (a pidfd on the I/O driver,
// or SIGCHLD), and the orphan reaper that makes sure no child is left a zombie.
//
// Spawning. posix_spawn(3) (glibc: clone(CLONE_VM | CLONE_VFORK) + exec) reports an exec
// failure as its return value, so a missing program is an error naming it, with no pipe of
// our own. Every descriptor weft makes is close-on-exec (pipe2(O_CLOEXEC), pidfds are); the
// child's ends are dup2'd onto 0, 1 and 2 by the file actions, which clears the flag there.
// The parent's pipe ends are registered with the runtime's driver *before* the spawn, so the
// only step that can fail after it is opening the pidfd: then the child is killed and reaped
// at once (a blocking waitpid, short after SIGKILL) and every descriptor closed, so a spawn
// that throws (EMFILE, say) leaves nothing behind.
//
// Waiting. pidfd_open(2) (Linux 5.3) gives a descriptor that polls readable once the child
// has exited; it is an IoSource like a socket, so epoll and io_uring both serve it. Readable,
// waitpid(pid, WNOHANG) reaps. Without pidfd_open (ENOSYS), the Child listens for SIGCHLD
// through weft::signal (one handler process-wide, coalesced deliveries) and tries
// waitpid(pid, WNOHANG) after every delivery: coalescing is harmless, since it asks about
// its own pid, never waitpid(-1) (which would steal other code's children). A SIGCHLD may
// also never come (the application blocks it in every thread, or installed a handler after
// weft's that does not chain, or ThreadSanitizer defers it for a thread parked in a raw
// futex), so the fallback also looks every 100 ms: late, never lost.
//
// Orphans. A Child dropped before its child was reaped (kill_on_drop sends SIGKILL first)
// tries one waitpid(WNOHANG); if the child still runs, its pid goes to the orphan reaper: one
// process-wide thread, started at the first orphan and kept to the process's end, that
// poll(2)s the orphans' pidfds and an eventfd (new orphans) and reaps each as it exits.
// Without pidfds (or if one cannot be opened) it looks every 50 ms instead. A thread rather
// than a task: an orphan outlives its Child, and may outlive every runtime (the runtime's
// shutdown drops the tasks that hold Children, which is exactly when orphans appear), so it
// cannot belong to a runtime's driver. Tokio instead reaps its orphan queue on SIGCHLD in
// whichever runtime's driver notices, which needs a signal driver to be running.

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "no_sigpipe.hpp"
#include "weft/detail/io/io_driver.hpp"
#include "weft/future/join.hpp"
#include "weft/io/error.hpp"
#include "weft/process/command.hpp"
#include "weft/signal/signal_kind.hpp"
#include "weft/time/instant.hpp"

extern char** environ;

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace weft::process {

namespace {

using weft::detail::Direction;
using weft::detail::ReadyEvent;
using weft::detail::throw_os_error;

constexpr const char* kSpawn = "weft::process::Command::spawn";
constexpr const char* kWait = "weft::process::Child::wait";
// How often the SIGCHLD fallback looks even without a delivery (see the file comment).
constexpr std::chrono::milliseconds kBackstop{100};

// relaxed: a switch for tests, set before the spawns it is meant for.
std::atomic<bool> g_pidfd_disabled{false};

// A pidfd for `pid` (close-on-exec), or -1 with errno (ENOSYS without pidfd_open).
int open_pidfd(pid_t pid) noexcept {
    if (g_pidfd_disabled.load(std::memory_order_relaxed)) {
        errno = ENOSYS;
        return -1;
    }
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// waitpid(pid, WNOHANG), retried on EINTR: >0 reaped (status in *raw), 0 running, -1 errno.
pid_t wait_nohang(pid_t pid, int* raw) noexcept {
    pid_t r;
    do {
        r = ::waitpid(pid, raw, WNOHANG);
    } while (r < 0 && errno == EINTR);
    return r;
}

// Kills and reaps a child that the parent cannot keep (a spawn failing after the fork).
void kill_and_reap(pid_t pid) noexcept {
    ::kill(pid, SIGKILL);
    int raw;
    while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
    }
}

// ---- the orphan reaper (see the file comment) ----

struct Orphans {
    std::mutex mu;
    std::vector<pid_t> incoming;  // guarded by mu: adopted, not yet seen by the thread
    int wake_fd = -1;             // guarded by mu; written once, before the thread starts
    bool running = false;         // guarded by mu
};

Orphans& orphans() {
    static Orphans* o = new Orphans();  // never freed: its thread runs to the process's end
    return *o;
}

void reaper_main(int wake_fd) noexcept {
    // Process-directed signals go to the application's threads, not to this one.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    struct Entry {
        pid_t pid;
        int fd;  // its pidfd, or -1: looked at every 50 ms
    };
    Orphans& o = orphans();
    std::vector<Entry> watched;
    std::vector<pollfd> fds;
    for (;;) {
        std::vector<pid_t> fresh;
        {
            std::lock_guard lock(o.mu);
            fresh.swap(o.incoming);
        }
        for (pid_t p : fresh)
            watched.push_back({p, open_pidfd(p)});
        bool blind = wake_fd < 0;
        for (std::size_t i = 0; i < watched.size();) {
            int raw;
            if (wait_nohang(watched[i].pid, &raw) != 0) {  // reaped, or not ours any more
                if (watched[i].fd >= 0) ::close(watched[i].fd);
                watched[i] = watched.back();
                watched.pop_back();
                continue;
            }
            if (watched[i].fd < 0) blind = true;
            ++i;
        }
        fds.clear();
        if (wake_fd >= 0) fds.push_back({wake_fd, POLLIN, 0});
        for (const Entry& e : watched)
            if (e.fd >= 0) fds.push_back({e.fd, POLLIN, 0});
        ::poll(fds.data(), fds.size(), blind ? 50 : -1);
        if (wake_fd >= 0) {
            std::uint64_t count;
            [[maybe_unused]] ssize_t n = ::read(wake_fd, &count, sizeof count);
        }
    }
}

// Hands `pid` (a child of ours nobody will wait for) to the reaper; never blocks.
void adopt(pid_t pid) noexcept {
    int raw;
    if (wait_nohang(pid, &raw) != 0) return;  // already exited: reaped now
    Orphans& o = orphans();
    try {
        std::lock_guard lock(o.mu);
        o.incoming.push_back(pid);
        if (!o.running) {
            // No eventfd (EMFILE): the thread looks every 50 ms instead of being woken.
            if (o.wake_fd < 0) o.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            std::thread(reaper_main, o.wake_fd).detach();
            o.running = true;
        } else if (o.wake_fd >= 0) {
            std::uint64_t one = 1;
            [[maybe_unused]] ssize_t n = ::write(o.wake_fd, &one, sizeof one);
        }
    } catch (...) {
        // No memory, or no thread: the pid stays in `incoming` (if it got there) for the
        // thread a later adoption starts.
    }
}

// A descriptor closed on scope exit.
struct Fd {
    int fd = -1;
    Fd() noexcept = default;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

struct FileActions {
    posix_spawn_file_actions_t fa;
    FileActions() { posix_spawn_file_actions_init(&fa); }
    ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
};

struct SpawnAttr {
    posix_spawnattr_t attr;
    SpawnAttr() { posix_spawnattr_init(&attr); }
    ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
};

}  // namespace

// ---- ExitStatus ----

std::optional<int> ExitStatus::code() const noexcept {
    if (WIFEXITED(raw_)) return WEXITSTATUS(raw_);
    return std::nullopt;
}

std::optional<int> ExitStatus::signal() const noexcept {
    if (WIFSIGNALED(raw_)) return WTERMSIG(raw_);
    return std::nullopt;
}

bool ExitStatus::core_dumped() const noexcept {
    return WIFSIGNALED(raw_) && WCOREDUMP(raw_);
}

// ---- the pipe ends ----

namespace detail {

void set_pidfd_disabled_for_testing(bool disabled) noexcept {
    g_pidfd_disabled.store(disabled, std::memory_order_relaxed);
}

Poll<std::size_t> PipeEnd::poll_read(Context& cx, std::span<std::byte> buf) {
    if (!src_.valid()) throw_os_error(EBADF, name_);
    int fd = src_.fd();
    return src_.poll_io(
        cx, Direction::Read, [&] { return ::read(fd, buf.data(), buf.size()); },
        [&] { return name_; }, buf.size());
}

Poll<std::size_t> PipeEnd::poll_write(Context& cx, std::span<const std::byte> buf) {
    if (!src_.valid()) throw_os_error(EPIPE, std::string(name_) + " (closed)");
    int fd = src_.fd();
    return src_.poll_io(
        cx, Direction::Write,
        [&] { return weft::detail::write_no_sigpipe(fd, buf.data(), buf.size()); },
        [&] { return name_; });
}

}  // namespace detail

// ---- Child ----

Child& Child::operator=(Child&& o) noexcept {
    if (this != &o) {
        if (pid_ > 0 && !status_) {
            if (kill_on_drop_) ::kill(pid_, SIGKILL);
            adopt(pid_);
        }
        stdin = std::move(o.stdin);
        stdout = std::move(o.stdout);
        stderr = std::move(o.stderr);
        pid_ = std::exchange(o.pid_, -1);
        status_ = o.status_;
        kill_on_drop_ = o.kill_on_drop_;
        pidfd_ = std::move(o.pidfd_);
        sigchld_ = std::move(o.sigchld_);
        backstop_ = std::move(o.backstop_);
    }
    return *this;
}

Child::~Child() {
    if (pid_ > 0 && !status_) {
        if (kill_on_drop_) ::kill(pid_, SIGKILL);
        adopt(pid_);
    }
}

void Child::reaped(int raw) noexcept {
    status_ = ExitStatus(raw);
    pidfd_.reset();
    sigchld_.reset();
    backstop_.reset();
}

Poll<ExitStatus> Child::poll_wait(Context& cx) {
    if (status_) return *status_;
    if (pid_ < 0) throw std::logic_error("weft::process::Child::wait: a moved-from Child");
    int raw = 0;
    if (pidfd_.valid()) {
        Poll<ReadyEvent> r = pidfd_.poll_ready(cx, Direction::Read);
        if (r.is_pending()) return Pending;
        pid_t w = wait_nohang(pid_, &raw);
        if (w < 0) throw_os_error(errno, kWait);
        if (w == 0) {
            // Readable means exited; should the reap still say "running", look again soon
            // rather than wait for a report that may not come twice.
            cx.waker().wake_by_ref();
            return Pending;
        }
        reaped(raw);
        return *status_;
    }
    // The SIGCHLD fallback. The listener is polled first (storing the waker), then the pid
    // asked: an exit after the ask is a delivery the listener sees. A wait dropped while
    // Pending leaves its waker in the listener until the next SIGCHLD or the Child goes.
    for (;;) {
        Poll<bool> p = sigchld_->poll_recv(cx);
        pid_t w = wait_nohang(pid_, &raw);
        if (w < 0) throw_os_error(errno, kWait);
        if (w > 0) {
            reaped(raw);
            return *status_;
        }
        if (p.is_pending()) {
            if (!backstop_)
                backstop_ = std::make_unique<weft::time::Sleep>(weft::time::sleep(kBackstop));
            if (backstop_->poll(cx).is_pending()) return Pending;
            backstop_->reset(weft::time::Instant::now() + kBackstop);
            continue;  // look again, and store the waker again
        }
        if (!p.value())
            throw std::runtime_error(
                "weft::process::Child::wait: the runtime it was spawned in has shut down");
    }
}

void Child::forget_waker() noexcept {
    if (pidfd_.valid()) pidfd_.clear_waker(Direction::Read);
}

std::optional<ExitStatus> Child::try_wait() {
    if (status_) return status_;
    if (pid_ < 0) throw std::logic_error("weft::process::Child::try_wait: a moved-from Child");
    int raw = 0;
    pid_t w = wait_nohang(pid_, &raw);
    if (w < 0) throw_os_error(errno, "weft::process::Child::try_wait");
    if (w == 0) return std::nullopt;
    reaped(raw);
    return status_;
}

void Child::start_kill() {
    if (status_ || pid_ < 0) return;
    // The pid is ours until we reap it, so it cannot name another process.
    if (::kill(pid_, SIGKILL) != 0) throw_os_error(errno, "weft::process::Child::start_kill");
}

Task<void> Child::kill() {
    start_kill();
    co_await wait();
}

WaitFuture::~WaitFuture() {
    if (waiting_) c_->forget_waker();
}

Poll<ExitStatus> WaitFuture::poll(Context& cx) {
    Poll<ExitStatus> p = c_->poll_wait(cx);
    waiting_ = p.is_pending();
    return p;
}

// ---- Command ----

Child Command::spawn() const {
    return spawn_with(stdin_.value_or(Stdio::inherit()), stdout_.value_or(Stdio::inherit()),
                      stderr_.value_or(Stdio::inherit()));
}

Child Command::spawn_with(Stdio in, Stdio out, Stdio err) const {
    weft::detail::IoDriver::current_or_throw(kSpawn);  // before anything is made
    const std::string what = std::string(kSpawn) + " " + program_;

    // The child's ends (closed when this returns, in the parent) and the parent's ends.
    Fd child_end[3];
    detail::PipeEnd parent_end[3];
    static constexpr const char* kNames[3] = {"weft::process::ChildStdin::write",
                                              "weft::process::ChildStdout::read",
                                              "weft::process::ChildStderr::read"};
    const Stdio which[3] = {in, out, err};
    for (int target = 0; target < 3; ++target) {
        switch (which[target].kind()) {
            case Stdio::Kind::Inherit:
                break;
            case Stdio::Kind::Null: {
                int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
                if (fd < 0) throw_os_error(errno, what + ": open /dev/null");
                child_end[target].fd = fd;
                break;
            }
            case Stdio::Kind::Piped: {
                int p[2];
                if (::pipe2(p, O_CLOEXEC) != 0) throw_os_error(errno, what + ": pipe");
                int mine = target == 0 ? p[1] : p[0];
                child_end[target].fd = target == 0 ? p[0] : p[1];
                if (::fcntl(mine, F_SETFL, O_NONBLOCK) != 0) {
                    int e = errno;
                    ::close(mine);
                    throw_os_error(e, what + ": fcntl");
                }
                // Closes `mine` if it throws.
                parent_end[target] =
                    detail::PipeEnd(weft::detail::IoSource(mine, kSpawn), kNames[target]);
                break;
            }
        }
    }

    std::vector<char*> argv;
    argv.reserve(args_.size() + 2);
    argv.push_back(const_cast<char*>(program_.c_str()));
    for (const std::string& a : args_)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    char** envp = environ;
    std::vector<std::string> env_strings;
    std::vector<char*> env_ptrs;
    if (env_clear_ || !env_.empty()) {
        std::map<std::string, std::string> vars;
        if (!env_clear_) {
            for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
                std::string_view kv(*e);
                std::size_t eq = kv.find('=');
                if (eq == std::string_view::npos) continue;
                vars.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
            }
        }
        for (const auto& [k, v] : env_) {
            if (v) {
                vars[k] = *v;
            } else {
                vars.erase(k);
            }
        }
        env_strings.reserve(vars.size());
        for (const auto& [k, v] : vars)
            env_strings.push_back(k + "=" + v);
        for (std::string& s : env_strings)
            env_ptrs.push_back(s.data());
        env_ptrs.push_back(nullptr);
        envp = env_ptrs.data();
    }

    FileActions fa;
    for (int target = 0; target < 3; ++target) {
        if (child_end[target].fd >= 0) {
            int e = posix_spawn_file_actions_adddup2(&fa.fa, child_end[target].fd, target);
            if (e != 0) throw_os_error(e, what + ": posix_spawn_file_actions_adddup2");
        }
    }
    if (cwd_) {
        int e = posix_spawn_file_actions_addchdir_np(&fa.fa, cwd_->c_str());
        if (e != 0) throw_os_error(e, what + ": posix_spawn_file_actions_addchdir_np");
    }
    SpawnAttr attr;
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr.attr, &empty);
    posix_spawnattr_setsigdefault(&attr.attr, &defaults);
    posix_spawnattr_setflags(&attr.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    pid_t pid = -1;
    int e = program_.find('/') == std::string::npos
                ? ::posix_spawnp(&pid, program_.c_str(), &fa.fa, &attr.attr, argv.data(), envp)
                : ::posix_spawn(&pid, program_.c_str(), &fa.fa, &attr.attr, argv.data(), envp);
    if (e != 0) {
        std::string w = what;
        if (cwd_) w += " (in " + cwd_->native() + ")";
        throw_os_error(e, w);
    }
    for (Fd& f : child_end) {
        if (f.fd >= 0) ::close(std::exchange(f.fd, -1));
    }

    Child c;
    c.pid_ = pid;
    try {
        int pfd = open_pidfd(pid);
        if (pfd >= 0) {
            c.pidfd_ = weft::detail::IoSource(pfd, kSpawn);  // closes pfd if it throws
        } else if (errno == ENOSYS) {
            c.sigchld_.emplace(weft::signal::signal(weft::signal::SignalKind::child()));
        } else {
            throw_os_error(errno, what + ": pidfd_open");
        }
    } catch (...) {
        kill_and_reap(pid);
        c.pid_ = -1;
        throw;
    }
    c.kill_on_drop_ = kill_on_drop_;
    if (parent_end[0].fd() >= 0) c.stdin.emplace(ChildStdin(std::move(parent_end[0])));
    if (parent_end[1].fd() >= 0) c.stdout.emplace(ChildStdout(std::move(parent_end[1])));
    if (parent_end[2].fd() >= 0) c.stderr.emplace(ChildStderr(std::move(parent_end[2])));
    return c;
}

Task<Output> Command::output() const {
    return run_output(*this);
}

Task<ExitStatus> Command::status() const {
    return run_status(*this);
}

Task<Output> Command::run_output(Command cmd) {
    Child child =
        cmd.spawn_with(cmd.stdin_.value_or(Stdio::null()), Stdio::piped(), Stdio::piped());
    Output out;
    // Both pipes are drained at once while the child runs: reading one to its end first would
    // deadlock with a child blocked writing the other, full one.
    auto [n_out, n_err, st] =
        co_await weft::join(child.stdout->read_to_string(out.stdout),
                            child.stderr->read_to_string(out.stderr), child.wait());
    (void)n_out;
    (void)n_err;
    out.status = st;
    co_return out;
}

Task<ExitStatus> Command::run_status(Command cmd) {
    Child child = cmd.spawn();
    child.stdout.reset();
    child.stderr.reset();
    ExitStatus st = co_await child.wait();  // closes stdin
    co_return st;
}

}  // namespace weft::process
