#pragma once
// Internal: fills a RuntimeMetrics snapshot from a runtime's counters (both flavours' metrics()
// use it; the counters themselves are described in detail/runtime/worker_metrics.hpp).

#include <cstddef>
#include <utility>

#include "blocking_pool.hpp"
#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/runtime/worker_metrics.hpp"
#include "weft/detail/task/probe.hpp"
#include "weft/detail/time/time_driver.hpp"
#include "weft/runtime/runtime_metrics.hpp"

namespace weft::detail {

struct MetricsCollector {
    MetricsCollector(std::size_t workers, bool histogram) : now_(metrics_now_ns()) {
        m_.taken_at_ = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now_));
        m_.workers_.resize(workers);
        m_.histogram_ = histogram;
    }

    void worker(std::size_t i, const WorkerMetrics& w, const WorkerProbe& probe,
                std::size_t local_queue_depth) {
        RuntimeMetrics::Worker& o = m_.workers_[i];
        o.polls = probe.polls.load(std::memory_order_relaxed);
        o.steals = w.steals.get();
        o.steal_operations = w.steal_operations.get();
        o.parks = w.parks.get();
        o.unparks = w.unparks.get();
        o.noops = w.noops.get();
        o.overflows = w.overflows.get();
        o.busy_ns = w.busy_total(now_);
        o.local_queue_depth = local_queue_depth;
        if (m_.histogram_) {
            o.poll_time_sum_ns = w.poll_time_sum_ns.get();
            o.buckets.resize(kPollTimeBuckets);
            for (std::size_t b = 0; b < kPollTimeBuckets; ++b)
                o.buckets[b] = w.poll_time_buckets[b].get();
        }
    }
    void tasks(std::size_t alive, std::uint64_t spawned) {
        m_.alive_tasks_ = alive;
        m_.spawned_ = spawned;
    }
    void global_queue_depth(std::size_t n) { m_.global_queue_depth_ = n; }
    void drivers(const IoDriver& io, const TimeDriver& time) {
        m_.io_ready_ = io.ready_count();
        m_.timers_registered_ = time.registered_count();
        m_.timers_fired_ = time.fired_count();
    }
    void blocking(BlockingPool::Stats s) {
        m_.blocking_threads_ = s.threads;
        m_.idle_blocking_threads_ = s.idle;
        m_.blocking_queue_depth_ = s.queued;
    }
    RuntimeMetrics finish() && { return std::move(m_); }

  private:
    std::int64_t now_;
    RuntimeMetrics m_;
};

}  // namespace weft::detail
