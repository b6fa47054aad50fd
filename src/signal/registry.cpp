// The process-wide signal registry: one handler per signal number, one eventfd, and per
// number a generation counter and the list of listeners (Tokio's signal registry, with an
// eventfd for its self-pipe).
//
// Why a handler and an eventfd, not signalfd. signalfd reports only signals that are blocked
// in every thread, including threads the application or its libraries start, which weft
// cannot control; a signal left unblocked in one thread goes to that thread's default action
// and kills the process. A handler works whatever the other threads do.
//
// The handler (async-signal-safe: only lock-free atomics and write(2)):
//   1. sets the number's pending flag;
//   2. adds 1 to the eventfd, which makes it readable;
//   3. calls the handler that was installed before weft's, if any (chaining).
// It wakes no task itself: waking takes locks and may allocate.
//
// The reading side. Every Signal holds its own duplicate of the eventfd, registered with its
// runtime's I/O driver, so a delivery wakes every listener's task in every runtime (one
// descriptor could be registered with only one driver, and runtimes come and go). The first
// listener to run after a delivery reads the eventfd (resetting it to 0) and broadcasts:
// under mu, for each number whose pending flag it takes (exchange to false), it bumps the
// number's generation and collects its listeners' wakers, then wakes them outside the lock.
// The others find the eventfd empty, or the generation already bumped. A listener's receive
// completes when the generation differs from the one it saw last, which coalesces deliveries
// and lets every listener see each one.
//
// Why nothing is lost. The flag is set before the eventfd is written, and taken after the
// eventfd is read: a delivery whose flag a broadcast missed wrote the eventfd after the read,
// which makes it readable again, and the kernel reports that to every registered duplicate.
// A listener stores its waker and compares generations under mu, the lock the broadcast bumps
// and collects under, so a broadcast either sees its waker or comes before its comparison.
//
// Why a new listener sees only later deliveries: attach() broadcasts what is pending before
// it snapshots the generation, under mu.
//
// The registry is never freed: a handler may run on any thread up to the process's end.

#include "registry.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstring>  // sigabbrev_np
#include <mutex>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "weft/io/error.hpp"

namespace weft::detail::signal_registry {

namespace {

constexpr int kNsig = _NSIG;  // signal numbers are 1 .. kNsig-1 (65 on Linux: up to SIGRTMAX)

// --- what the handler touches (lock-free atomics, and g_prev once g_chain says so) ---

// Set by the handler, taken by dispatch(). seq_cst, as is the eventfd's counter for what it
// is worth: the handler's store must not be seen after its write(2), nor dispatch's
// exchange before its read(2) (see "Why nothing is lost").
constinit std::atomic<bool> g_pending[kNsig]{};
constinit std::atomic<int> g_wake_fd{-1};
// The disposition before weft's, to call from weft's handler. g_prev[sig] is written before
// g_chain[sig] is set (release), and the handler reads it only after seeing the flag
// (acquire), so the handler never reads it half written.
constinit std::atomic<bool> g_chain[kNsig]{};
struct sigaction g_prev[kNsig];

void on_signal(int sig, siginfo_t* info, void* ucontext) {
    int saved_errno = errno;  // write(2) may change it under the interrupted code's feet
    if (sig > 0 && sig < kNsig) {
        g_pending[sig].store(true, std::memory_order_seq_cst);
        std::uint64_t one = 1;
        // Fails only when the counter would overflow, with a wake-up pending anyway.
        [[maybe_unused]] ssize_t n =
            ::write(g_wake_fd.load(std::memory_order_acquire), &one, sizeof one);
        if (g_chain[sig].load(std::memory_order_acquire)) {
            const struct sigaction& prev = g_prev[sig];
            if (prev.sa_flags & SA_SIGINFO) {
                prev.sa_sigaction(sig, info, ucontext);
            } else {
                prev.sa_handler(sig);
            }
        }
    }
    errno = saved_errno;
}

// --- the rest, under mu ---

struct Slot {
    bool installed = false;
    std::uint64_t generation = 0;
    Listener* head = nullptr;
};

struct Registry {
    std::mutex mu;
    Slot slots[kNsig];
};

Registry& registry() {
    static Registry* r = new Registry();  // never freed: see the file comment
    return *r;
}

std::string signal_name(int sig) {
    const char* abbrev = (sig > 0 && sig < kNsig) ? sigabbrev_np(sig) : nullptr;
    std::string n = abbrev != nullptr ? std::string("SIG") + abbrev : std::to_string(sig);
    return "weft::signal::signal(" + n + ")";
}

bool refused(int sig) {
    switch (sig) {
        case SIGKILL:
        case SIGSTOP:  // cannot be caught
        case SIGSEGV:
        case SIGBUS:
        case SIGILL:
        case SIGFPE:  // faults: returning from a handler runs the faulting instruction again
            return true;
        default:
            return false;
    }
}

// Under mu: bumps and collects for every number the handler flagged.
void dispatch_locked(Registry& r, std::vector<Waker>& wake) {
    for (int sig = 1; sig < kNsig; ++sig) {
        Slot& s = r.slots[sig];
        if (!s.installed || !g_pending[sig].exchange(false, std::memory_order_seq_cst)) continue;
        ++s.generation;
        for (Listener* l = s.head; l != nullptr; l = l->next) {
            if (!l->waker.is_noop()) wake.push_back(std::move(l->waker));
        }
    }
}

// Reads the eventfd until it is empty; its value is not needed (the flags say which signals).
void drain(int fd) noexcept {
    std::uint64_t count;
    while (::read(fd, &count, sizeof count) > 0) {
    }
}

}  // namespace

void install(int sig) {
    if (sig <= 0 || sig >= kNsig)
        weft::detail::throw_os_error(EINVAL, signal_name(sig) + ": not a signal number");
    if (refused(sig))
        weft::detail::throw_os_error(EINVAL,
                                     signal_name(sig) + ": this signal cannot be listened for");
    Registry& r = registry();
    std::lock_guard lock(r.mu);
    if (g_wake_fd.load(std::memory_order_relaxed) < 0) {
        int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) weft::detail::throw_os_error(errno, signal_name(sig) + ": eventfd");
        g_wake_fd.store(fd, std::memory_order_release);
    }
    Slot& s = r.slots[sig];
    if (s.installed) return;
    // The previous disposition first, so that the handler can chain from its first delivery.
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0)
        weft::detail::throw_os_error(errno, signal_name(sig) + ": sigaction");
    bool chain = (old.sa_flags & SA_SIGINFO)
                     ? old.sa_sigaction != nullptr
                     : (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN);
    if (chain) {
        g_prev[sig] = old;
        g_chain[sig].store(true, std::memory_order_release);
    }
    struct sigaction sa {};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(sig, &sa, nullptr) != 0) {
        int err = errno;
        g_chain[sig].store(false, std::memory_order_relaxed);
        weft::detail::throw_os_error(err, signal_name(sig) + ": sigaction");
    }
    s.installed = true;
}

int dup_reader() {
    int fd = ::fcntl(g_wake_fd.load(std::memory_order_acquire), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) weft::detail::throw_os_error(errno, "weft::signal::signal: dup");
    return fd;
}

Listener* attach(int sig) {
    Registry& r = registry();
    auto* l = new Listener{sig, 0, Waker(), nullptr, nullptr};
    std::vector<Waker> wake;
    {
        std::lock_guard lock(r.mu);
        // What was delivered before now goes to the listeners that were there (see the file
        // comment); the eventfd is drained with it, or a later broadcast would take flags set
        // before this listener existed.
        drain(g_wake_fd.load(std::memory_order_relaxed));
        dispatch_locked(r, wake);
        Slot& s = r.slots[sig];
        l->seen = s.generation;
        l->next = s.head;
        if (s.head != nullptr) s.head->prev = l;
        s.head = l;
    }
    for (Waker& w : wake)
        std::move(w).wake();
    return l;
}

void detach(Listener* l) noexcept {
    Registry& r = registry();
    Waker old;  // dropped outside the lock
    {
        std::lock_guard lock(r.mu);
        Slot& s = r.slots[l->signum];
        if (l->prev != nullptr) l->prev->next = l->next;
        if (l->next != nullptr) l->next->prev = l->prev;
        if (s.head == l) s.head = l->next;
        old = std::move(l->waker);
    }
    delete l;
}

bool pending(int sig) noexcept {
    // relaxed: a hint only; dispatch() takes the flag with the ordering that matters.
    return g_pending[sig].load(std::memory_order_relaxed);
}

void dispatch() {
    Registry& r = registry();
    std::vector<Waker> wake;
    {
        std::lock_guard lock(r.mu);
        dispatch_locked(r, wake);
    }
    for (Waker& w : wake)
        std::move(w).wake();
}

Poll<bool> poll_listener(Listener* l, Context& cx) {
    Registry& r = registry();
    Waker old;  // dropped outside the lock
    std::lock_guard lock(r.mu);
    Slot& s = r.slots[l->signum];
    if (s.generation != l->seen) {
        l->seen = s.generation;
        old = std::move(l->waker);
        return true;
    }
    if (!l->waker.will_wake(cx.waker())) old = std::exchange(l->waker, cx.waker());
    return Pending;
}

void forget_waker(Listener* l) noexcept {
    Registry& r = registry();
    Waker old;
    std::lock_guard lock(r.mu);
    old = std::move(l->waker);
}

}  // namespace weft::detail::signal_registry
