#pragma once
/// \file
/// `RuntimeMetrics`: what a runtime has done so far, from `Handle::metrics()`; and its
/// Prometheus and JSON forms (`weft::metrics::to_prometheus`, `weft::metrics::to_json`).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft {

namespace detail {
struct MetricsCollector;
}

/// A snapshot of a runtime's metrics, taken by `Handle::metrics()`: Tokio's `RuntimeMetrics`,
/// with its names where it has them. **Stable**: names and meanings do not change.
///
/// ```cpp
/// #include <cstdio>
///
/// weft::Runtime rt;
/// weft::RuntimeMetrics m = rt.handle().metrics();
/// for (std::size_t w = 0; w < m.num_workers(); ++w)
///     std::printf("worker %zu: %llu polls, %lld ms busy\n", w,
///                 static_cast<unsigned long long>(m.worker_poll_count(w)),
///                 static_cast<long long>(m.worker_total_busy_duration(w).count() / 1000000));
/// std::fputs(weft::metrics::to_prometheus(m).c_str(), stdout);
/// ```
///
/// A snapshot, not live accessors (Tokio's are live): it is a value, taken at one moment,
/// that can be kept, copied to another thread and compared with a later one (rates are the
/// difference of two snapshots over `taken_at()`), and the exporters format one consistent
/// set of numbers. Taking one reads each counter once (relaxed loads) and takes the blocking
/// pool's lock and the task registry's shard locks briefly; nothing on the runtime's hot
/// paths waits for it. Counters are exact but read one after another, so two counters of one
/// snapshot may be a few polls apart.
///
/// Workers are numbered `0 .. num_workers() - 1`; a current-thread runtime has one, the thread
/// inside `block_on` that runs its tasks. Counters (`_count`, durations) only grow; depths and
/// thread counts are gauges (the value when the snapshot was taken). Out-of-range worker or
/// bucket indexes are undefined behaviour, as for `std::vector::operator[]`.
class RuntimeMetrics {
  public:
    RuntimeMetrics() = default;

    /// When the snapshot was taken (steady_clock).
    std::chrono::steady_clock::time_point taken_at() const noexcept { return taken_at_; }

    // --- the runtime ---
    /// Worker threads (1 for a current-thread runtime).
    std::size_t num_workers() const noexcept { return workers_.size(); }
    /// Tasks spawned and not yet finished (blocking tasks not included).
    std::size_t num_alive_tasks() const noexcept { return alive_tasks_; }
    /// Tasks spawned since the runtime started (`spawn`, `spawn_local`; not `spawn_blocking`).
    std::uint64_t spawned_tasks_count() const noexcept { return spawned_; }
    /// Tasks in the global (injection) queue: woken or spawned from outside the workers, or
    /// moved there when a worker's queue overflowed. A current-thread runtime: its queue of
    /// wakes and spawns from other threads.
    std::size_t global_queue_depth() const noexcept { return global_queue_depth_; }

    // --- per worker ---
    /// Tasks polled by worker `w`.
    std::uint64_t worker_poll_count(std::size_t w) const noexcept { return workers_[w].polls; }
    /// Tasks worker `w` stole from other workers' queues (0 on a current-thread runtime).
    std::uint64_t worker_steal_count(std::size_t w) const noexcept { return workers_[w].steals; }
    /// Successful steal operations of worker `w` (each takes up to half a queue).
    std::uint64_t worker_steal_operations(std::size_t w) const noexcept {
        return workers_[w].steal_operations;
    }
    /// Times worker `w` went to sleep for lack of work.
    std::uint64_t worker_park_count(std::size_t w) const noexcept { return workers_[w].parks; }
    /// Times worker `w` woke from such a sleep.
    std::uint64_t worker_unpark_count(std::size_t w) const noexcept { return workers_[w].unparks; }
    /// Times worker `w` woke and parked again without polling a task (a wake for nothing).
    std::uint64_t worker_noop_count(std::size_t w) const noexcept { return workers_[w].noops; }
    /// Times worker `w`'s local queue was full and half of it moved to the global queue.
    std::uint64_t worker_overflow_count(std::size_t w) const noexcept {
        return workers_[w].overflows;
    }
    /// Time worker `w` spent not parked (running tasks, looking for work, firing timers), up to
    /// `taken_at()`. Measured when it parks and unparks, not per poll.
    std::chrono::nanoseconds worker_total_busy_duration(std::size_t w) const noexcept {
        return std::chrono::nanoseconds(workers_[w].busy_ns);
    }
    /// Tasks in worker `w`'s local run queue (its LIFO slot not included). On a current-thread
    /// runtime the run queue's length after the last batch of polls.
    std::size_t worker_local_queue_depth(std::size_t w) const noexcept {
        return workers_[w].local_queue_depth;
    }

    // --- the blocking pool ---
    /// Threads of the `spawn_blocking` pool (busy or idle).
    std::size_t num_blocking_threads() const noexcept { return blocking_threads_; }
    /// Of those, threads waiting for work.
    std::size_t num_idle_blocking_threads() const noexcept { return idle_blocking_threads_; }
    /// Blocking tasks queued, not yet started.
    std::size_t blocking_queue_depth() const noexcept { return blocking_queue_depth_; }

    // --- the drivers ---
    /// Readiness events the I/O driver dispatched to sockets (one per descriptor per report).
    std::uint64_t io_driver_ready_count() const noexcept { return io_ready_; }
    /// Timer registrations (a `sleep` or timeout armed; re-arming a registered timer to a new
    /// deadline does not count).
    std::uint64_t timers_registered_count() const noexcept { return timers_registered_; }
    /// Timers that fired (reached their deadline; cancelled ones do not count).
    std::uint64_t timers_fired_count() const noexcept { return timers_fired_; }

    // --- the poll-time histogram (RuntimeBuilder::enable_metrics_poll_time_histogram) ---
    /// Whether the runtime measures poll times (off by default: two clock reads per poll).
    bool poll_time_histogram_enabled() const noexcept { return histogram_; }
    /// Number of buckets (the same whether enabled or not).
    static std::size_t poll_time_histogram_num_buckets() noexcept;
    /// Bucket `i`'s range [start, end): log scale, bucket 0 is [0, 256 ns), each next bucket
    /// twice as wide, the last one ends at `nanoseconds::max()` (from about 67 ms).
    static std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds>
    poll_time_histogram_bucket_range(std::size_t i) noexcept;
    /// Polls of worker `w` whose duration fell in bucket `i` (always 0 when disabled).
    std::uint64_t worker_poll_time_histogram_bucket_count(std::size_t w,
                                                          std::size_t i) const noexcept {
        return workers_[w].buckets.empty() ? 0 : workers_[w].buckets[i];
    }
    /// Total time worker `w`'s measured polls took (0 when disabled).
    std::chrono::nanoseconds worker_poll_time_sum(std::size_t w) const noexcept {
        return std::chrono::nanoseconds(workers_[w].poll_time_sum_ns);
    }

  private:
    friend struct detail::MetricsCollector;
    struct Worker {
        std::uint64_t polls = 0, steals = 0, steal_operations = 0, parks = 0, unparks = 0,
                      noops = 0, overflows = 0;
        std::int64_t busy_ns = 0;
        std::size_t local_queue_depth = 0;
        std::uint64_t poll_time_sum_ns = 0;
        std::vector<std::uint64_t> buckets;  // empty when the histogram is off
    };
    std::chrono::steady_clock::time_point taken_at_{};
    std::vector<Worker> workers_;
    std::size_t alive_tasks_ = 0;
    std::uint64_t spawned_ = 0;
    std::size_t global_queue_depth_ = 0;
    std::size_t blocking_threads_ = 0, idle_blocking_threads_ = 0, blocking_queue_depth_ = 0;
    std::uint64_t io_ready_ = 0, timers_registered_ = 0, timers_fired_ = 0;
    bool histogram_ = false;
};

namespace metrics {

/// `m` in the Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines,
/// then the samples; per-worker series carry a `worker="N"` label; metric names start with
/// `weft_`. The poll-time histogram (when enabled) is a Prometheus histogram per worker,
/// `weft_worker_poll_time_seconds` with cumulative `le` buckets, `+Inf`, `_sum` and `_count`.
/// Serve it at `/metrics` with any HTTP server. docs/observability.md lists every series.
std::string to_prometheus(const RuntimeMetrics& m);

/// `m` as one JSON object (no whitespace), for tools such as `weft::console`:
///
///     {"workers":2,"alive_tasks":5,"spawned_tasks":9,"global_queue_depth":0,
///      "blocking_threads":1,"idle_blocking_threads":1,"blocking_queue_depth":0,
///      "io_driver_ready_events":4,"timers_registered":3,"timers_fired":2,
///      "poll_time_histogram":{"enabled":true,"bucket_upper_ns":[256,512,...,null]},
///      "per_worker":[{"polls":12,"steals":3,"steal_operations":1,"parks":4,"unparks":4,
///                     "noops":0,"overflows":0,"busy_ns":81234,"local_queue_depth":0,
///                     "poll_time_sum_ns":53000,"poll_time_buckets":[2,7,...]},...]}
///
/// `bucket_upper_ns` gives each bucket's exclusive upper bound (null: unbounded);
/// `poll_time_buckets` is present only when the histogram is enabled (one count per bucket,
/// not cumulative). Keys are those of docs/observability.md's table; counters are integers.
std::string to_json(const RuntimeMetrics& m);

}  // namespace metrics

}  // namespace weft
