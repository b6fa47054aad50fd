// The stall detector (src/runtime/stall_detector.cpp): a poll running longer than the threshold
// is reported once, while it runs, with the task, the await point it resumed from and the
// worker's native stack; polls under the threshold never are.
//
// Timing: the stalls here last until the detector reports them (the callback releases them),
// with a 30 s cap so that a detector that never reports fails the test instead of hanging it.
// The threshold is 50 ms; nothing asserts how soon a report comes.
//
// The binary is linked with ENABLE_EXPORTS (-rdynamic), so its own functions have names in the
// native stacks.

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

using namespace std::chrono_literals;
using weft::runtime::StallReport;

// What the stalled tasks call to block: outside the anonymous namespace and never inlined, so
// that -rdynamic exports them and the native stacks name them (a lambda's or a local
// function's frame shows as "??" with its offset for addr2line). The empty asm after each call
// keeps it from being a tail call, whose frame would be gone.
ssize_t weft_stall_test_blocking_read(int fd);
void weft_stall_test_spin(const std::atomic<bool>& until,
                          std::chrono::steady_clock::time_point cap);
void weft_stall_test_lock(std::mutex& m);

__attribute__((noinline)) ssize_t weft_stall_test_blocking_read(int fd) {
    char b = 0;
    ssize_t n;
    do {
        n = ::read(fd, &b, 1);
    } while (n < 0 && errno == EINTR);
    asm volatile("" ::: "memory");
    return n;
}

__attribute__((noinline)) void weft_stall_test_spin(const std::atomic<bool>& until,
                                                    std::chrono::steady_clock::time_point cap) {
    while (!until && std::chrono::steady_clock::now() < cap) {
    }
    asm volatile("" ::: "memory");
}

__attribute__((noinline)) void weft_stall_test_lock(std::mutex& m) {
    m.lock();
    asm volatile("" ::: "memory");
}

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool kTsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kTsan = true;
#else
constexpr bool kTsan = false;
#endif
#else
constexpr bool kTsan = false;
#endif

constexpr auto kThreshold = 50ms;
constexpr auto kCap = 30s;  // no stall here lasts longer, reported or not

// Collects the reports; `also` runs on the detector's thread for each (to release a stall).
struct Reports {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<StallReport> all;
    std::function<void(const StallReport&)> also;

    std::function<void(const StallReport&)> callback() {
        return [this](const StallReport& r) {
            {
                std::lock_guard lock(mu);
                all.push_back(r);
            }
            cv.notify_all();
            if (also) also(r);
        };
    }
    std::vector<StallReport> snapshot() {
        std::lock_guard lock(mu);
        return all;
    }
};

weft::Runtime runtime(bool current_thread, Reports& reports,
                      std::chrono::milliseconds threshold = kThreshold) {
    auto b = current_thread ? weft::RuntimeBuilder::new_current_thread()
                            : weft::Runtime::builder().worker_threads(2);
    return b.stall_threshold(threshold).on_stall(reports.callback()).build();
}

bool any_function_contains(const StallReport& r, const std::string& part) {
    for (const auto& f : r.native_stack) {
        if (f.function.find(part) != std::string::npos) return true;
    }
    return false;
}

std::string stack_text(const StallReport& r) {
    return r.to_string();
}

// What every report of a stalled task of this file must say.
void expect_report_of(const StallReport& r, const std::string& name, bool current_thread) {
    EXPECT_EQ(r.task_name, name) << stack_text(r);
    EXPECT_TRUE(r.task_id.has_value()) << stack_text(r);
    EXPECT_GE(r.running, r.threshold);
    EXPECT_EQ(r.threshold, std::chrono::nanoseconds(kThreshold));
    if (current_thread) {
        EXPECT_EQ(r.worker, 0u);
    } else {
        EXPECT_LT(r.worker, 2u);
    }
    std::string text = r.to_string();
    EXPECT_NE(text.find("stall"), std::string::npos);
    if (!r.task_name.empty()) {
        EXPECT_NE(text.find(r.task_name), std::string::npos);
    }
}

// Where the task resumed from: the co_await in this file; and where it was spawned.
void expect_await_point_here(const StallReport& r) {
#if WEFT_TASK_TRACE
    EXPECT_NE(r.await_file.find("stall_detector_test.cpp"), std::string::npos) << stack_text(r);
    EXPECT_GT(r.await_line, 0u);
    // Named as the task dump names it, without the compiler's return type and parameters
    // (GCC spells a coroutine's body "void f(f()::_Z1fv.Frame*)").
    EXPECT_FALSE(r.await_function.empty()) << stack_text(r);
    EXPECT_EQ(r.await_function.find('('), std::string::npos) << stack_text(r);
    EXPECT_EQ(r.spawn_function.find('('), std::string::npos) << stack_text(r);
    // The spawn location is in the task's header, read only while the task is pinned by the
    // thread's answer to the signal (which came, if the native stack did).
    if (!r.native_stack.empty()) {
        EXPECT_NE(r.spawn_file.find("stall_detector_test.cpp"), std::string::npos) << stack_text(r);
        EXPECT_GT(r.spawn_line, 0u);
    }
#else
    EXPECT_TRUE(r.await_file.empty());
#endif
}

// The native stack: present (ThreadSanitizer may defer the signal past the stall: then none),
// running through the weft_stall_test_ function that blocks, and through weft's run_task.
void expect_native_stack(const StallReport& r, const std::string& frame) {
    if (kTsan && r.native_stack.empty()) return;
    ASSERT_FALSE(r.native_stack.empty()) << stack_text(r);
    EXPECT_TRUE(any_function_contains(r, frame)) << frame << " not in\n" << stack_text(r);
    EXPECT_TRUE(any_function_contains(r, "weft::detail::run_task")) << stack_text(r);
}

class StallDetector : public ::testing::TestWithParam<bool> {};  // current-thread runtime?

INSTANTIATE_TEST_SUITE_P(Flavours, StallDetector, ::testing::Values(false, true),
                         [](const auto& info) {
                             return info.param ? "CurrentThread" : "MultiThread";
                         });

// (1) A worker blocked in a system call: read(2) on an empty pipe, which the report fills.
TEST_P(StallDetector, ReportsATaskBlockedInASystemCall) {
    const bool current_thread = GetParam();
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    Reports reports;
    std::atomic<bool> released{false};
    auto release = [&] {
        if (!released.exchange(true)) {
            char x = 'x';
            ASSERT_EQ(::write(fds[1], &x, 1), 1);
        }
    };
    reports.also = [&](const StallReport& r) {
        if (r.task_name == "reader") release();
    };
    std::thread cap([&] {  // a detector that never reports fails the test, not hangs it
        std::unique_lock lock(reports.mu);
        reports.cv.wait_for(lock, kCap, [&] { return !reports.all.empty() || released; });
        lock.unlock();
        release();
    });
    {
        weft::Runtime rt = runtime(current_thread, reports);
        rt.block_on([&]() -> weft::Task<void> {
            co_await weft::task::Builder().name("reader").spawn([&]() -> weft::Task<void> {
                co_await weft::yield_now();
                // Blocks its thread until the report.
                EXPECT_EQ(weft_stall_test_blocking_read(fds[0]), 1);
            });
        });
    }
    cap.join();
    ::close(fds[0]);
    ::close(fds[1]);
    auto all = reports.snapshot();
    ASSERT_EQ(all.size(), 1u);
    expect_report_of(all[0], "reader", current_thread);
    expect_await_point_here(all[0]);
    expect_native_stack(all[0], "weft_stall_test_blocking_read");
    EXPECT_TRUE(kTsan || any_function_contains(all[0], "read")) << stack_text(all[0]);
}

// (2) A CPU loop between two awaits. It goes on spinning a while after the report: the poll
// is reported once, not at every sample.
TEST_P(StallDetector, ReportsACpuLoopBetweenAwaitsOnce) {
    const bool current_thread = GetParam();
    Reports reports;
    std::atomic<bool> released{false};
    reports.also = [&](const StallReport& r) {
        if (r.task_name == "spinner") released = true;
    };
    {
        weft::Runtime rt = runtime(current_thread, reports);
        rt.block_on([&]() -> weft::Task<void> {
            co_await weft::task::Builder().name("spinner").spawn([&]() -> weft::Task<void> {
                co_await weft::yield_now();
                weft_stall_test_spin(released, std::chrono::steady_clock::now() + kCap);
                // Ten more sampling periods in the same poll.
                auto more = std::chrono::steady_clock::now() + 10 * kThreshold / 4;
                while (std::chrono::steady_clock::now() < more) {
                }
                co_await weft::yield_now();
            });
        });
    }
    auto all = reports.snapshot();
    ASSERT_EQ(all.size(), 1u);
    expect_report_of(all[0], "spinner", current_thread);
    expect_await_point_here(all[0]);
    expect_native_stack(all[0], "weft_stall_test_spin");
}

// (3) A std::mutex held across an await by task A, on one worker, blocks task B in lock() on
// the other: B's worker is reported. A and B are worker-local tasks (spawn_local) of two
// different workers, so that A unlocks on the thread that locked (std::mutex demands it) and B
// never blocks A's worker.
TEST(StallDetectorMutex, ReportsTheWorkerBlockedOnAMutexHeldAcrossAnAwait) {
    Reports reports;
    std::mutex m;
    std::atomic<bool> locked{false}, released{false};
    std::atomic<std::uint64_t> b_id{0};
    reports.also = [&](const StallReport& r) {
        if (r.task_id && r.task_id->value() == b_id.load()) released = true;
    };
    {
        weft::Runtime rt = runtime(false, reports);
        std::latch both_running(2);  // the two starters run at once: one on each worker
        auto holder = [&]() -> weft::Task<void> {
            std::unique_lock lock(m);
            locked = true;
            auto cap = std::chrono::steady_clock::now() + kCap;
            // Holding the lock across the await. (Yields, not a timer: the blocked worker may
            // be the one keeping time.)
            while (!released && std::chrono::steady_clock::now() < cap)
                co_await weft::yield_now();
        };
        auto blocked = [&]() -> weft::Task<void> {
            b_id = weft::task::id().value();
            while (!locked)
                co_await weft::yield_now();
            co_await weft::yield_now();
            weft_stall_test_lock(m);  // blocks this worker until A lets go
            m.unlock();
        };
        rt.block_on([&]() -> weft::Task<void> {
            auto a = weft::spawn([&]() -> weft::Task<void> {
                both_running.arrive_and_wait();
                co_await weft::spawn_local(holder);
            });
            auto b = weft::spawn([&]() -> weft::Task<void> {
                both_running.arrive_and_wait();
                co_await weft::spawn_local(blocked);
            });
            co_await std::move(a);
            co_await std::move(b);
        });
    }
    // Only B's stall counts (a starter may be reported too, if the latch took long).
    std::optional<StallReport> of_b;
    for (auto& r : reports.snapshot()) {
        if (r.task_id && r.task_id->value() == b_id.load()) {
            EXPECT_FALSE(of_b.has_value()) << "reported twice";
            of_b = r;
        }
    }
    ASSERT_TRUE(of_b.has_value());
    EXPECT_LT(of_b->worker, 2u);
    EXPECT_GE(of_b->running, of_b->threshold);
    expect_await_point_here(*of_b);
    expect_native_stack(*of_b, "weft_stall_test_lock");
}

// Many short polls for about a second: nothing is reported under a 200 ms threshold.
TEST_P(StallDetector, ReportsNothingForShortPolls) {
    const bool current_thread = GetParam();
    Reports reports;
    {
        weft::Runtime rt = runtime(current_thread, reports, 200ms);
        rt.block_on([&]() -> weft::Task<void> {
            std::vector<weft::JoinHandle<void>> tasks;
            auto end = std::chrono::steady_clock::now() + 1s;
            for (int i = 0; i < 8; ++i) {
                tasks.push_back(weft::spawn([end, i]() -> weft::Task<void> {
                    while (std::chrono::steady_clock::now() < end) {
                        if (i % 2 == 0) {
                            co_await weft::yield_now();
                        } else {
                            co_await weft::time::sleep(1ms);
                        }
                    }
                }));
            }
            for (auto& t : tasks)
                co_await std::move(t);
        });
    }
    auto all = reports.snapshot();
    EXPECT_TRUE(all.empty()) << all.front().to_string();
}

// Turned off (both ways), the detector reports nothing, even a long stall.
TEST_P(StallDetector, OffReportsNothing) {
    const bool current_thread = GetParam();
    for (int way = 0; way < 2; ++way) {
        Reports reports;
        auto b = current_thread ? weft::RuntimeBuilder::new_current_thread()
                                : weft::Runtime::builder().worker_threads(2);
        b.on_stall(reports.callback());
        if (way == 0) {
            b.disable_stall_detector();
        } else {
            b.stall_threshold(0ms);
        }
        {
            weft::Runtime rt = b.build();
            rt.block_on([]() -> weft::Task<void> {
                co_await weft::spawn([]() -> weft::Task<void> {
                    std::this_thread::sleep_for(300ms);
                    co_return;
                });
            });
        }
        EXPECT_TRUE(reports.snapshot().empty());
    }
}

// The report's text: one block, the frames numbered.
TEST(StallReport, ToStringSaysWhatWhereAndHowLong) {
    StallReport r;
    r.task_id = weft::task::Id(42);
    r.task_name = "handler";
    r.await_file = "server.cpp";
    r.await_function = "serve";
    r.await_line = 17;
    r.running = 1500ms;
    r.threshold = 100ms;
    r.worker = 3;
    weft::runtime::NativeFrame f;
    f.address = 0x1234;
    f.function = "read";
    f.function_offset = 0x12;
    f.object = "/lib/libc.so.6";
    f.object_offset = 0x1234;
    r.native_stack.push_back(f);
    std::string s = r.to_string();
    EXPECT_NE(s.find("task 42 \"handler\""), std::string::npos) << s;
    EXPECT_NE(s.find("1.50 s"), std::string::npos) << s;
    EXPECT_NE(s.find("threshold 100.0 ms"), std::string::npos) << s;
    EXPECT_NE(s.find("worker 3"), std::string::npos) << s;
    EXPECT_NE(s.find("server.cpp:17 in serve"), std::string::npos) << s;
    EXPECT_NE(s.find("#0 0x0000000000001234 read+0x12 (/lib/libc.so.6+0x1234)"), std::string::npos)
        << s;
    EXPECT_EQ(s.back(), '\n');
}

}  // namespace
