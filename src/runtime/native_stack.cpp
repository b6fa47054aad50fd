// Another thread's native stack, taken the way profilers and seastar's stall detector take it:
// a signal to that thread, whose handler calls backtrace() on the thread's own stack. Used by
// the stall detector (stall_detector.cpp) to show what a stalled worker is doing.
//
// The signal: SIGRTMIN+6. A real-time signal, because it carries a value (pthread_sigqueue):
// the index of the request it answers; and because one sent to a thread that has it blocked
// is queued, not merged, and handled later without harm (see "Late answers"). weft's signal
// module (src/signal/) installs a handler only for the numbers its users ask for; glibc keeps
// the real-time signals below SIGRTMIN for itself. The handler is installed once per process,
// at the first detector's start, and only if the signal has the default disposition: if the
// application handles SIGRTMIN+6 itself, weft leaves it alone and its reports come without
// native stacks. It is never uninstalled (a late signal may arrive at any time). SA_RESTART:
// a read(2) or a futex wait the thread is blocked in carries on after the handler; calls that
// the kernel never restarts (nanosleep, poll, epoll_wait...) return EINTR early, as they do
// for any signal.
//
// Requests. A fixed array of slots, never freed (a handler may run at any time). A slot's
// state word holds a generation and a state:
//   FREE -> CLAIMED (the requester, bumping the generation) -> ARMED (target, check and arg
//   written before it, release) -> CAPTURING (the handler on the target thread, by CAS)
//   -> DONE (release; the requester waits on the word with a futex) -> FREE (the requester).
// The requester that gives up waiting takes ARMED back to FREE by CAS; if the CAS fails, the
// handler is running, and the requester waits for DONE however long it takes (the handler
// writes into the requester's memory until then; it only walks the stack).
//
// Late answers. A signal that arrives after its request was given up (the thread had it
// blocked, or was descheduled for long) finds its slot FREE, or ARMED for another request:
// ARMED with another generation fails its CAS; ARMED for another thread fails the target
// check first. So a handler only ever writes into the request it was sent for.
//
// What the handler does is async-signal-safe: lock-free atomics on the slot, the requester's
// check (the stall detector's: lock-free atomics too), backtrace() into the slot's frames, and
// a futex wake. backtrace() is not formally async-signal-safe: its first call loads libgcc_s
// (dlopen, malloc), so prepare() calls it once on the requesting thread, as glibc's manual
// advises; later calls only walk the stack (GCC 12's unwinder finds the unwind tables with
// glibc's _dl_find_object, which takes no lock). errno is saved and restored.

#include "native_stack.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace weft::runtime {

std::string NativeFrame::to_string() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(address));
    std::string s = buf;
    s += ' ';
    if (!function.empty()) {
        std::snprintf(buf, sizeof buf, "+0x%llx", static_cast<unsigned long long>(function_offset));
        s += function;
        s += buf;
    } else {
        s += "??";
    }
    if (!object.empty()) {
        std::snprintf(buf, sizeof buf, "+0x%llx", static_cast<unsigned long long>(object_offset));
        s += " (";
        s += object;
        s += buf;
        s += ')';
    }
    return s;
}

}  // namespace weft::runtime

namespace weft::detail::native_stack {

namespace {

constexpr int kSlots = 64;  // requests in flight at once, over all runtimes of the process

constexpr std::uint32_t kFree = 0, kClaimed = 1, kArmed = 2, kCapturing = 3, kDone = 4;
constexpr std::uint32_t kStateBits = 3;
constexpr std::uint32_t state_of(std::uint32_t w) {
    return w & ((1u << kStateBits) - 1);
}
constexpr std::uint32_t with_state(std::uint32_t w, std::uint32_t st) {
    return (w & ~((1u << kStateBits) - 1)) | st;
}

struct Slot {
    // The futex word (see the file comment).
    std::atomic<std::uint32_t> word{kFree};
    // Written by the requester while CLAIMED; read by handlers, stale ones included, so
    // atomics (relaxed: the ARMED store and load order them).
    std::atomic<pthread_t> target{};
    std::atomic<Check> check{nullptr};
    std::atomic<void*> arg{nullptr};
    // Written by the handler while CAPTURING, read by the requester after DONE (acquire).
    bool declined = false;
    int depth = 0;
    void* frames[kMaxFrames]{};
};
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<pthread_t>::is_always_lock_free);

constinit Slot g_slots[kSlots];
constinit std::atomic<int> g_signal{0};

std::uint32_t* futex_word(Slot& s) {
    return reinterpret_cast<std::uint32_t*>(&s.word);
}

void futex_wake(Slot& s) {
    ::syscall(SYS_futex, futex_word(s), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
}

void futex_wait(Slot& s, std::uint32_t expected, std::chrono::nanoseconds d) {
    struct timespec ts;
    ts.tv_sec = static_cast<time_t>(d.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(d.count() % 1'000'000'000);
    // EAGAIN (the word changed), EINTR, ETIMEDOUT: the caller looks again in every case.
    ::syscall(SYS_futex, futex_word(s), FUTEX_WAIT_PRIVATE, expected, &ts, nullptr, 0);
}

// The interrupted instruction's address, to drop the handler's own frames from the stack.
std::uintptr_t interrupted_pc(void* ucontext) {
    if (ucontext == nullptr) return 0;
    auto* uc = static_cast<ucontext_t*>(ucontext);
#if defined(__x86_64__)
    return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
    return static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#else
    (void)uc;
    return 0;
#endif
}

// On the target thread, in the handler: async-signal-safe only.
void answer(int index, void* ucontext) {
    if (index < 0 || index >= kSlots) return;
    Slot& s = g_slots[index];
    // acquire: pairs with the requester's ARMED store, after which target, check and arg hold.
    std::uint32_t w = s.word.load(std::memory_order_acquire);
    if (state_of(w) != kArmed) return;  // given up, or done by an earlier signal
    if (!pthread_equal(s.target.load(std::memory_order_relaxed), pthread_self())) return;
    if (!s.word.compare_exchange_strong(w, with_state(w, kCapturing), std::memory_order_acquire,
                                        std::memory_order_relaxed))
        return;  // given up meanwhile, or armed again (another generation)
    // The slot is ours until DONE; the generation is the one we checked, so these are its.
    Check check = s.check.load(std::memory_order_relaxed);
    void* arg = s.arg.load(std::memory_order_relaxed);
    s.depth = 0;
    s.declined = check != nullptr && !check(arg);
    if (!s.declined) {
        int n = ::backtrace(s.frames, kMaxFrames);
        // Drop the frames of this handler and the kernel's signal trampoline: the stack starts
        // at the interrupted instruction (if it is not found, keep everything).
        std::uintptr_t pc = interrupted_pc(ucontext);
        int first = 0;
        for (int i = 0; i < n; ++i) {
            if (reinterpret_cast<std::uintptr_t>(s.frames[i]) == pc) {
                first = i;
                break;
            }
        }
        for (int i = first; i < n; ++i)
            s.frames[i - first] = s.frames[i];
        s.depth = n - first;
    }
    // release: the requester reads the frames after it sees DONE.
    s.word.store(with_state(w, kDone), std::memory_order_release);
    futex_wake(s);
}

void on_signal(int /*sig*/, siginfo_t* info, void* ucontext) {
    int saved_errno = errno;
    if (info != nullptr && info->si_code == SI_QUEUE) answer(info->si_value.sival_int, ucontext);
    errno = saved_errno;
}

bool install() noexcept {
    void* warm[4];
    (void)::backtrace(warm, 4);  // loads libgcc_s now, not in a handler (see the file comment)
    int sig = SIGRTMIN + 6;
    if (sig > SIGRTMAX) return false;
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0) return false;
    bool default_disposition = (old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_DFL;
    if (!default_disposition) return false;  // the application's: leave it alone
    struct sigaction sa {};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(sig, &sa, nullptr) != 0) return false;
    g_signal.store(sig, std::memory_order_release);
    return true;
}

// Claims a free slot (bumping its generation); returns its index, or -1 if none is free.
int claim(std::uint32_t& word) noexcept {
    for (int i = 0; i < kSlots; ++i) {
        Slot& s = g_slots[i];
        std::uint32_t w = s.word.load(std::memory_order_relaxed);
        if (state_of(w) != kFree) continue;
        std::uint32_t claimed = ((w >> kStateBits) + 1) << kStateBits | kClaimed;
        // acquire: the last requester's reads of the frames are done (its FREE store).
        if (s.word.compare_exchange_strong(w, claimed, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
            word = claimed;
            return i;
        }
    }
    return -1;
}

std::string demangle(const char* name) {
    int status = 0;
    char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (d == nullptr) return name;
    std::string s = d;
    std::free(d);
    return s;
}

}  // namespace

bool prepare() noexcept {
    static const bool installed = install();
    return installed;
}

int signal_number() noexcept {
    return g_signal.load(std::memory_order_acquire);
}

Outcome capture(pthread_t thread, Send send, void* send_ctx, Check check, void* arg,
                std::chrono::nanoseconds timeout, Capture& out) noexcept {
    out.depth = 0;
    if (!prepare()) return Outcome::NoAnswer;
    std::uint32_t w = 0;
    int index = claim(w);
    if (index < 0) return Outcome::NoAnswer;
    Slot& s = g_slots[index];
    s.target.store(thread, std::memory_order_relaxed);
    s.check.store(check, std::memory_order_relaxed);
    s.arg.store(arg, std::memory_order_relaxed);
    const std::uint32_t armed = with_state(w, kArmed);
    // release: a handler that sees ARMED sees target, check and arg.
    s.word.store(armed, std::memory_order_release);

    union sigval value;
    value.sival_ptr = nullptr;
    value.sival_int = index;
    if (!send(send_ctx, thread, signal_number(), value)) {
        s.word.store(with_state(w, kFree), std::memory_order_relaxed);  // nobody can answer
        return Outcome::NoAnswer;
    }

    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + timeout;
    for (;;) {
        // acquire: pairs with the handler's DONE store (the frames).
        std::uint32_t cur = s.word.load(std::memory_order_acquire);
        if (state_of(cur) == kDone) break;
        auto left = deadline - clock::now();
        if (state_of(cur) == kArmed && left <= clock::duration::zero()) {
            if (s.word.compare_exchange_strong(cur, with_state(w, kFree),
                                               std::memory_order_relaxed))
                return Outcome::NoAnswer;  // a late signal finds the slot given up
            continue;                      // the handler took it meanwhile
        }
        // CAPTURING: the handler runs, and writes into the caller's `arg` and our slot until
        // DONE, so we wait for it whatever the timeout (it only walks the stack).
        if (state_of(cur) == kCapturing) left = std::chrono::milliseconds(10);
        futex_wait(s, cur, std::chrono::duration_cast<std::chrono::nanoseconds>(left));
    }
    Outcome o = s.declined ? Outcome::Declined : Outcome::Taken;
    out.depth = s.depth;
    for (int i = 0; i < s.depth; ++i)
        out.frames[i] = s.frames[i];
    // release: our reads of the frames come before the next requester's handler writes them.
    s.word.store(with_state(w, kFree), std::memory_order_release);
    return o;
}

std::vector<runtime::NativeFrame> symbolise(const Capture& c) {
    std::vector<runtime::NativeFrame> frames;
    frames.reserve(static_cast<std::size_t>(c.depth));
    for (int i = 0; i < c.depth; ++i) {
        runtime::NativeFrame f;
        f.address = reinterpret_cast<std::uintptr_t>(c.frames[i]);
        // A return address may be just past the end of its call's function (a call to a
        // noreturn function ends it): look up the call instruction instead.
        std::uintptr_t lookup = i == 0 || f.address == 0 ? f.address : f.address - 1;
        Dl_info info{};
        if (::dladdr(reinterpret_cast<void*>(lookup), &info) != 0) {
            if (info.dli_fname != nullptr) {
                f.object = info.dli_fname;
                // The call's (or the interrupted instruction's) offset: what addr2line needs.
                f.object_offset = lookup - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
            }
            if (info.dli_sname != nullptr) {
                f.function = demangle(info.dli_sname);
                f.function_offset = f.address - reinterpret_cast<std::uintptr_t>(info.dli_saddr);
            }
        }
        frames.push_back(std::move(f));
    }
    return frames;
}

}  // namespace weft::detail::native_stack
