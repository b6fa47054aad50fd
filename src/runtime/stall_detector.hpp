#pragma once
// Internal: the stall detector, a watchdog thread per runtime that reports polls running
// longer than a threshold (see stall_detector.cpp for how it decides).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <pthread.h>
#include <signal.h>
#include <vector>

#include "weft/detail/task/probe.hpp"
#include "weft/runtime/stall_report.hpp"

namespace weft::detail {

class StallDetector {
  public:
    using Callback = std::function<void(const runtime::StallReport&)>;
    /// Called (on the watchdog) once per poll that two samples in a row saw running: a
    /// worker has been in one poll for at least a period. The multi-thread runtime hands the
    /// clock and the I/O driver to a sleeping worker then, in case the stuck one was keeping
    /// them (multi_thread/worker.cpp, hand_off_driver).
    using LongPollHook = std::function<void()>;

    /// Starts a watchdog over `probes` (the runtime's; they must outlive the detector), or
    /// returns null when `threshold` is zero (the detector is off). An empty `on_stall` writes
    /// each report to stderr.
    static std::unique_ptr<StallDetector> start(std::chrono::nanoseconds threshold,
                                                Callback on_stall, std::vector<WorkerProbe*> probes,
                                                LongPollHook on_long_poll = {});

    /// Stops and joins the watchdog: returns within one sampling period, or after the report
    /// being delivered (the callback runs on the watchdog).
    ~StallDetector();
    StallDetector(const StallDetector&) = delete;
    StallDetector& operator=(const StallDetector&) = delete;

    /// Called by the thread of probe `index` when it stops polling and may exit (the thread
    /// inside a current-thread runtime's block_on, as it returns): from then on the detector
    /// sends it no signal, until the probe shows a thread again. Waits for a signal being sent
    /// to it (a few microseconds).
    void thread_leaving(std::size_t index) noexcept;

    /// How often the watchdog looks at the workers for `threshold`.
    static std::chrono::nanoseconds period_for(std::chrono::nanoseconds threshold) noexcept;

  private:
    // What the watchdog remembers of one probe between samples.
    struct Seen {
        bool polling = false;
        std::uint64_t epoch = 0;     // the probe's `polls` when first seen polling
        TaskHeader* task = nullptr;  // and its `polling` (never read through: see the .cpp)
        std::chrono::steady_clock::time_point first_seen{};
        bool reported = false;
        bool hooked = false;  // on_long_poll_ called for this poll
    };

    StallDetector(std::chrono::nanoseconds threshold, Callback on_stall,
                  std::vector<WorkerProbe*> probes, LongPollHook on_long_poll);
    void run() noexcept;
    void sample(std::chrono::steady_clock::time_point now) noexcept;
    void report(std::size_t worker, std::uint64_t epoch, TaskHeader* task,
                std::chrono::nanoseconds running) noexcept;
    static bool send(void* ctx, pthread_t thread, int sig, union sigval value) noexcept;

    const std::chrono::nanoseconds threshold_;
    const std::chrono::nanoseconds period_;
    Callback on_stall_;
    LongPollHook on_long_poll_;
    std::vector<WorkerProbe*> probes_;
    std::vector<Seen> seen_;  // the watchdog's own, one per probe
    // Held while a signal is sent to a probe's thread and while thread_leaving() clears the
    // probe's has_thread: a thread the watchdog signals has not left (so has not exited).
    std::mutex send_mu_;
    struct SendTo {
        StallDetector* self;
        WorkerProbe* probe;
    };

    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;  // guarded by mu_
    std::thread thread_;
};

}  // namespace weft::detail
