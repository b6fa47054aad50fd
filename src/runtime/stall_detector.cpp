// The stall detector: a watchdog thread per runtime that reports each poll running longer than
// a threshold, once, while it still runs, with the worker thread's native stack.
//
// Sampling, not clocks. Every thread that polls a runtime's tasks has a WorkerProbe
// (weft/detail/task/probe.hpp): the task it is polling (or null) and `polls`, the number of
// polls it has started, which serves as the poll's epoch. The worker writes them at each poll's
// start and end (the per-poll cost, shared with the task dump); the detector adds nothing to a
// poll. The watchdog wakes every period = threshold / 4 (clamped to [1 ms, 250 ms]) and reads
// each probe. A worker seen polling the same task with the epoch it had at the sample where it
// was first seen polling has been in the same poll since then: the poll has run at least
// (now - first_seen). (The task is compared too because the probe names the task just before
// the epoch moves: a sample in between pairs the new task with the old epoch. And the probe
// names a task from before it claims it until after a cancellation that follows, so a task
// cancelled where it stood, whose destructors block, is reported too.) Once that reaches the
// threshold the poll is reported, and never again (the epoch is remembered as reported). `running`
// in the report is that lower bound; the poll started at most one period before it was first seen.
// So a poll is reported between threshold and threshold + 2 periods after it started if it lasts
// that long, and a poll shorter than the threshold is never reported. One that lasts between
// threshold and threshold + period may be missed: the two samples that would show it may not both
// fall inside it.
//
// Cost: period^-1 wake-ups per second per runtime (40 at the default 100 ms), each reading
// three atomics per worker; nothing while no poll is long. A report costs a signal to the
// stalled thread, its stack walk, and symbolising on the watchdog.
//
// Looking at the stalled task. The watchdog must not read a task it does not hold: the poll
// may end and the task be freed between the sample and the read. So the task is pinned by the
// stalled thread itself: the signal that takes the native stack (native_stack.cpp) first runs
// pin_if_still_polling() in the handler, on that thread, where the poll is certainly either
// still running or over: if the probe still shows the same task and epoch, the poll's own
// reference keeps the task alive, and the handler takes one more for the watchdog (a lock-free
// increment) and copies the await site. The watchdog then reads the task's id, name and spawn
// location at leisure and drops its reference (freeing the task if it finished meanwhile: the
// scheduler's task_released accepts that from any thread, as for a waker dropped elsewhere).
// Without an answer (the thread has the signal blocked, or ThreadSanitizer defers it) the
// report says only what can be read without touching the task: the id and name from the
// task-metadata side table, looked up by the task's address, and the probe's await site (its
// strings are literals), both kept only if the probe still shows the same poll afterwards
// (then the address was the task's all along). The spawn location is in the task's header:
// only a pinned task gives it.
//
// Lifetime. The detector is owned by the runtime, started after its workers and destroyed
// before they are joined (a signal to a thread that exited is undefined behaviour), so a poll
// stuck at shutdown is not reported. Stopping wakes the watchdog at once; it never holds a
// reference to the runtime.

#include "stall_detector.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "function_name.hpp"
#include "native_stack.hpp"
#include "weft/detail/task/task_header.hpp"
#include "weft/task/task_id.hpp"

namespace weft::detail {

// task_meta.cpp: `t`'s id and name (0 and empty if it has none), by address, reading nothing
// of `t` itself.
bool peek_task_meta(const TaskHeader* t, std::uint64_t& id, std::string& name);

namespace {

// How long the watchdog waits for the stalled thread to answer the stack request.
constexpr std::chrono::milliseconds kStackTimeout{200};

std::string duration_text(std::chrono::nanoseconds d) {
    char buf[32];
    double ms = static_cast<double>(d.count()) / 1e6;
    if (ms >= 1000) {
        std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    }
    return buf;
}

void write_stderr(const std::string& s) noexcept {
    // One write where possible, so that the block is not interleaved with other output.
    const char* p = s.data();
    std::size_t left = s.size();
    while (left > 0) {
        ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

// What the handler on the stalled thread is asked to check and do (see the file comment).
struct PinRequest {
    WorkerProbe* probe;
    std::uint64_t epoch;
    TaskHeader* task;
    // Written by the handler, read by the watchdog after the answer (native_stack orders them).
    bool pinned = false;
    AwaitSite site{};
};

// In the signal handler, on the stalled thread: async-signal-safe (lock-free atomics only).
bool pin_if_still_polling(void* arg) noexcept {
    auto* r = static_cast<PinRequest*>(arg);
    // The probe's writer is this very thread: relaxed loads see its own latest stores. The
    // poll ends (polling = null) before its reference to the task is dropped, so a task still
    // shown here is alive for as long as this handler runs.
    if (r->probe->polls.load(std::memory_order_relaxed) != r->epoch ||
        r->probe->polling.load(std::memory_order_relaxed) != r->task)
        return false;  // that poll is over: the stack would show something else
    r->task->state.ref_inc();
    r->pinned = true;
    r->site = r->probe->resumed_from();  // this poll's, as this thread wrote it
    return true;
}

// The one place that reads a task's header for a report (`t` is pinned).
void describe_pinned_task(TaskHeader* t, runtime::StallReport& r) {
    try {
        r.task_id = task_id_of(t);  // assigns one if the task has none yet
        r.task_name = task_name_of(t);
    } catch (...) {  // out of memory for the side table: say less
    }
#if WEFT_TASK_TRACE
    // Written by the spawner before the task was shared, never changed since.
    if (const AwaitSite& s = t->trace.spawned_at) {
        r.spawn_file = s.file();
        r.spawn_function = short_function(s.function());
        r.spawn_line = s.line();
    }
#endif
}

void set_await_site(const AwaitSite& s, runtime::StallReport& r) {
    if (!s) return;  // the task's first poll
    r.await_file = s.file();
    r.await_function = short_function(s.function());
    r.await_line = s.line();
}

}  // namespace

}  // namespace weft::detail

namespace weft::runtime {

std::string StallReport::to_string() const {
    std::string s = "weft: stall: task ";
    s += task_id ? std::to_string(task_id->value()) : std::string("?");
    if (!task_name.empty()) s += " \"" + task_name + "\"";
    s += " has been running one poll for at least " + weft::detail::duration_text(running);
    s += " (threshold " + weft::detail::duration_text(threshold) + ") on worker ";
    s += std::to_string(worker) + "\n";
    if (!spawn_file.empty()) {
        s += "  spawned at " + spawn_file + ":" + std::to_string(spawn_line);
        if (!spawn_function.empty()) s += " in " + spawn_function;
        s += "\n";
    }
    if (!await_file.empty()) {
        s += "  resumed from the co_await at " + await_file + ":" + std::to_string(await_line);
        if (!await_function.empty()) s += " in " + await_function;
        s += "\n";
    } else {
        s += "  resumed from: its start, or an await point not known\n";
    }
    if (native_stack.empty()) {
        s += "  native stack: not available (the thread did not answer the signal)\n";
    } else {
        s += "  native stack of the worker thread, innermost first:\n";
        for (std::size_t i = 0; i < native_stack.size(); ++i)
            s += "    #" + std::to_string(i) + " " + native_stack[i].to_string() + "\n";
    }
    return s;
}

}  // namespace weft::runtime

namespace weft::detail {

std::chrono::nanoseconds StallDetector::period_for(std::chrono::nanoseconds threshold) noexcept {
    return std::clamp<std::chrono::nanoseconds>(threshold / 4, std::chrono::milliseconds(1),
                                                std::chrono::milliseconds(250));
}

std::unique_ptr<StallDetector> StallDetector::start(std::chrono::nanoseconds threshold,
                                                    Callback on_stall,
                                                    std::vector<WorkerProbe*> probes,
                                                    LongPollHook on_long_poll) {
    if (threshold <= std::chrono::nanoseconds::zero()) return nullptr;
    native_stack::prepare();  // here, not in the first report: it loads the unwinder
    std::unique_ptr<StallDetector> d(new StallDetector(threshold, std::move(on_stall),
                                                       std::move(probes), std::move(on_long_poll)));
    d->thread_ = std::thread([p = d.get()] { p->run(); });
    return d;
}

StallDetector::StallDetector(std::chrono::nanoseconds threshold, Callback on_stall,
                             std::vector<WorkerProbe*> probes, LongPollHook on_long_poll)
    : threshold_(threshold),
      period_(period_for(threshold)),
      on_stall_(std::move(on_stall)),
      on_long_poll_(std::move(on_long_poll)),
      probes_(std::move(probes)),
      seen_(probes_.size()) {}

StallDetector::~StallDetector() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void StallDetector::thread_leaving(std::size_t index) noexcept {
    std::lock_guard lock(send_mu_);
    probes_[index]->has_thread.store(false, std::memory_order_relaxed);
}

bool StallDetector::send(void* ctx, pthread_t thread, int sig, union sigval value) noexcept {
    auto* to = static_cast<SendTo*>(ctx);
    std::lock_guard lock(to->self->send_mu_);
    // Only to the thread the probe still names, which has not left: it is alive.
    if (!to->probe->has_thread.load(std::memory_order_acquire) ||
        !pthread_equal(static_cast<pthread_t>(to->probe->thread.load(std::memory_order_relaxed)),
                       thread))
        return false;
    return ::pthread_sigqueue(thread, sig, value) == 0;
}

void StallDetector::run() noexcept {
    // No signal for the application lands here: the watchdog blocks the asynchronous ones
    // (not the faults, which a sanitizer or crash handler must still see).
    sigset_t async;
    sigfillset(&async);
    for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS})
        sigdelset(&async, fault);
    pthread_sigmask(SIG_BLOCK, &async, nullptr);
    pthread_setname_np(pthread_self(), "weft-stall");
    std::unique_lock lock(mu_);
    auto next = std::chrono::steady_clock::now() + period_;
    for (;;) {
        if (cv_.wait_until(lock, next, [this] { return stop_; })) return;
        lock.unlock();
        auto now = std::chrono::steady_clock::now();
        sample(now);
        // The next sample one period after this one (after a long report, a period from now).
        next = std::max(next + period_, std::chrono::steady_clock::now());
        lock.lock();
    }
}

void StallDetector::sample(std::chrono::steady_clock::time_point now) noexcept {
    for (std::size_t i = 0; i < probes_.size(); ++i) {
        WorkerProbe& p = *probes_[i];
        Seen& seen = seen_[i];
        // acquire: pairs with the worker's release stores at the poll's start, so a task read
        // here belongs to the epoch read before it if the epoch has not moved by the re-read.
        std::uint64_t e1 = p.polls.load(std::memory_order_acquire);
        TaskHeader* t = p.polling.load(std::memory_order_acquire);
        std::uint64_t e2 = p.polls.load(std::memory_order_acquire);
        if (t == nullptr) {
            seen.polling = false;
            continue;
        }
        if (!seen.polling || seen.epoch != e1 || e1 != e2 || seen.task != t) {
            seen = Seen{true, e2, t, now, false, false};  // a new poll (or one begun meanwhile)
            continue;
        }
        if (!seen.hooked && on_long_poll_) {  // the same poll as a period ago
            seen.hooked = true;
            on_long_poll_();
        }
        if (seen.reported) continue;
        auto running = now - seen.first_seen;
        if (running < threshold_) continue;
        seen.reported = true;
        report(i, e1, t, std::chrono::duration_cast<std::chrono::nanoseconds>(running));
    }
}

void StallDetector::report(std::size_t worker, std::uint64_t epoch, TaskHeader* task,
                           std::chrono::nanoseconds running) noexcept {
    WorkerProbe& p = *probes_[worker];
    try {
        runtime::StallReport r;
        r.running = running;
        r.threshold = threshold_;
        r.worker = worker;

        // First what needs nothing from the thread: the side table, by address, kept if the
        // probe still shows the same poll afterwards (see the file comment).
        std::uint64_t id = 0;
        std::string name;
        peek_task_meta(task, id, name);
        // The site's strings are literals: safe to read whatever the task's fate (but the
        // three fields may mix two polls', hence the check below too).
        AwaitSite site = p.resumed_from();
        // If the entry found was put there after the task was freed (the address reused), its
        // insertion, under the shard lock that peek took after it, came after the free, which
        // came after the poll's end: these loads then see the poll ended.
        if (p.polls.load(std::memory_order_acquire) == epoch &&
            p.polling.load(std::memory_order_acquire) == task) {
            if (id != 0) r.task_id = task::Id(id);
            r.task_name = std::move(name);
            set_await_site(site, r);
        }

        // Then the native stack, pinning the task if its poll still runs.
        PinRequest pin{&p, epoch, task};
        native_stack::Capture cap;
        bool has_thread = p.has_thread.load(std::memory_order_acquire);
        if (has_thread) {
            SendTo to{this, &p};
            native_stack::Outcome o = native_stack::capture(
                static_cast<pthread_t>(p.thread.load(std::memory_order_relaxed)),
                &StallDetector::send, &to, &pin_if_still_polling, &pin, kStackTimeout, cap);
            if (o == native_stack::Outcome::Taken) r.native_stack = native_stack::symbolise(cap);
        }
        if (pin.pinned) {
            r.await_file.clear();
            r.await_function.clear();
            r.await_line = 0;
            set_await_site(pin.site, r);
            describe_pinned_task(task, r);
            release_ref(task);
        }

        if (on_stall_) {
            on_stall_(r);
        } else {
            write_stderr(r.to_string());
        }
    } catch (...) {
        // The callback's exception, or no memory for the report: dropped.
    }
}

}  // namespace weft::detail
