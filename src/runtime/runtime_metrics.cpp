// RuntimeMetrics' histogram layout and its two text forms: the Prometheus text exposition
// format (version 0.0.4) and a flat JSON object. The snapshot itself is filled by each
// runtime's metrics() (metrics_collector.hpp).
//
// Numbers are written exactly: counters as integers, durations in seconds as a decimal with
// nine digits after the point (nanoseconds), never through a double, so a scrape shows the
// same nanoseconds the snapshot holds.

#include "weft/runtime/runtime_metrics.hpp"

#include <cinttypes>
#include <cstdio>
#include <limits>

#include "weft/detail/runtime/worker_metrics.hpp"

namespace weft {

std::size_t RuntimeMetrics::poll_time_histogram_num_buckets() noexcept {
    return detail::kPollTimeBuckets;
}

std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds>
RuntimeMetrics::poll_time_histogram_bucket_range(std::size_t i) noexcept {
    using ns = std::chrono::nanoseconds;
    auto upper = [](std::size_t b) -> ns {
        if (b + 1 >= detail::kPollTimeBuckets) return ns::max();
        return ns(static_cast<ns::rep>(detail::kPollTimeBase << b));
    };
    return {i == 0 ? ns(0) : upper(i - 1), upper(i)};
}

namespace metrics {

namespace {

void append_u64(std::string& out, std::uint64_t v) {
    char buf[24];
    int n = std::snprintf(buf, sizeof buf, "%" PRIu64, v);
    out.append(buf, static_cast<std::size_t>(n));
}

// `ns` nanoseconds as seconds, exactly: "1.000000250".
void append_seconds(std::string& out, std::int64_t ns) {
    if (ns < 0) ns = 0;
    char buf[40];
    int n =
        std::snprintf(buf, sizeof buf, "%" PRId64 ".%09" PRId64, ns / 1000000000, ns % 1000000000);
    out.append(buf, static_cast<std::size_t>(n));
}

void family(std::string& out, const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void single(std::string& out, const char* name, const char* type, const char* help,
            std::uint64_t v) {
    family(out, name, type, help);
    out += name;
    out += ' ';
    append_u64(out, v);
    out += '\n';
}

void worker_label(std::string& out, const char* name, std::size_t w) {
    out += name;
    out += "{worker=\"";
    append_u64(out, w);
    out += "\"}";
}

// One per-worker family: `get(w)` appends worker w's value.
template <class Get>
void per_worker(std::string& out, const RuntimeMetrics& m, const char* name, const char* type,
                const char* help, Get&& get) {
    family(out, name, type, help);
    for (std::size_t w = 0; w < m.num_workers(); ++w) {
        worker_label(out, name, w);
        out += ' ';
        get(w);
        out += '\n';
    }
}

}  // namespace

std::string to_prometheus(const RuntimeMetrics& m) {
    std::string out;
    out.reserve(2048 + m.num_workers() * (m.poll_time_histogram_enabled() ? 3072 : 768));
    single(out, "weft_workers", "gauge", "Worker threads (1 for a current-thread runtime).",
           m.num_workers());
    single(out, "weft_alive_tasks", "gauge", "Tasks spawned and not finished yet.",
           m.num_alive_tasks());
    single(out, "weft_spawned_tasks_total", "counter", "Tasks spawned since the runtime started.",
           m.spawned_tasks_count());
    single(out, "weft_global_queue_depth", "gauge",
           "Tasks in the global (injection) queue, queued from outside the workers.",
           m.global_queue_depth());
    single(out, "weft_blocking_threads", "gauge", "Threads of the spawn_blocking pool.",
           m.num_blocking_threads());
    single(out, "weft_idle_blocking_threads", "gauge",
           "Threads of the spawn_blocking pool waiting for work.", m.num_idle_blocking_threads());
    single(out, "weft_blocking_queue_depth", "gauge", "Blocking tasks queued, not yet started.",
           m.blocking_queue_depth());
    single(out, "weft_io_driver_ready_events_total", "counter",
           "Readiness events the I/O driver dispatched to sockets.", m.io_driver_ready_count());
    single(out, "weft_timers_registered_total", "counter", "Timers registered.",
           m.timers_registered_count());
    single(out, "weft_timers_fired_total", "counter", "Timers that reached their deadline.",
           m.timers_fired_count());

    auto counter = [&](const char* name, const char* help, auto field) {
        per_worker(out, m, name, "counter", help,
                   [&](std::size_t w) { append_u64(out, (m.*field)(w)); });
    };
    counter("weft_worker_polls_total", "Tasks polled by the worker.",
            &RuntimeMetrics::worker_poll_count);
    counter("weft_worker_steals_total", "Tasks the worker stole from other workers.",
            &RuntimeMetrics::worker_steal_count);
    counter("weft_worker_steal_operations_total", "Successful steal operations of the worker.",
            &RuntimeMetrics::worker_steal_operations);
    counter("weft_worker_parks_total", "Times the worker went to sleep for lack of work.",
            &RuntimeMetrics::worker_park_count);
    counter("weft_worker_unparks_total", "Times the worker woke from sleep.",
            &RuntimeMetrics::worker_unpark_count);
    counter("weft_worker_noops_total", "Times the worker woke and slept again with no poll.",
            &RuntimeMetrics::worker_noop_count);
    counter("weft_worker_overflows_total",
            "Times the worker's local queue overflowed into the global queue.",
            &RuntimeMetrics::worker_overflow_count);
    per_worker(out, m, "weft_worker_busy_seconds_total", "counter",
               "Time the worker spent awake (not parked).", [&](std::size_t w) {
                   append_seconds(out, m.worker_total_busy_duration(w).count());
               });
    per_worker(out, m, "weft_worker_local_queue_depth", "gauge",
               "Tasks in the worker's local run queue.",
               [&](std::size_t w) { append_u64(out, m.worker_local_queue_depth(w)); });

    if (m.poll_time_histogram_enabled()) {
        const char* name = "weft_worker_poll_time_seconds";
        family(out, name, "histogram", "Time each task poll took.");
        const std::size_t buckets = RuntimeMetrics::poll_time_histogram_num_buckets();
        for (std::size_t w = 0; w < m.num_workers(); ++w) {
            std::uint64_t cumulative = 0;
            for (std::size_t b = 0; b < buckets; ++b) {
                cumulative += m.worker_poll_time_histogram_bucket_count(w, b);
                if (b + 1 == buckets) break;  // the unbounded last bucket is +Inf's
                out += name;
                out += "_bucket{worker=\"";
                append_u64(out, w);
                out += "\",le=\"";
                append_seconds(out,
                               RuntimeMetrics::poll_time_histogram_bucket_range(b).second.count());
                out += "\"} ";
                append_u64(out, cumulative);
                out += '\n';
            }
            out += name;
            out += "_bucket{worker=\"";
            append_u64(out, w);
            out += "\",le=\"+Inf\"} ";
            append_u64(out, cumulative);
            out += '\n';
            worker_label(out, "weft_worker_poll_time_seconds_sum", w);
            out += ' ';
            append_seconds(out, m.worker_poll_time_sum(w).count());
            out += '\n';
            worker_label(out, "weft_worker_poll_time_seconds_count", w);
            out += ' ';
            append_u64(out, cumulative);
            out += '\n';
        }
    }
    return out;
}

std::string to_json(const RuntimeMetrics& m) {
    std::string out;
    out.reserve(512 + m.num_workers() * 384);
    auto key = [&](const char* k, std::uint64_t v, bool comma = true) {
        out += '"';
        out += k;
        out += "\":";
        append_u64(out, v);
        if (comma) out += ',';
    };
    out += '{';
    key("workers", m.num_workers());
    key("alive_tasks", m.num_alive_tasks());
    key("spawned_tasks", m.spawned_tasks_count());
    key("global_queue_depth", m.global_queue_depth());
    key("blocking_threads", m.num_blocking_threads());
    key("idle_blocking_threads", m.num_idle_blocking_threads());
    key("blocking_queue_depth", m.blocking_queue_depth());
    key("io_driver_ready_events", m.io_driver_ready_count());
    key("timers_registered", m.timers_registered_count());
    key("timers_fired", m.timers_fired_count());
    const std::size_t buckets = RuntimeMetrics::poll_time_histogram_num_buckets();
    out += "\"poll_time_histogram\":{\"enabled\":";
    out += m.poll_time_histogram_enabled() ? "true" : "false";
    out += ",\"bucket_upper_ns\":[";
    for (std::size_t b = 0; b < buckets; ++b) {
        if (b != 0) out += ',';
        auto upper = RuntimeMetrics::poll_time_histogram_bucket_range(b).second;
        if (upper == std::chrono::nanoseconds::max()) {
            out += "null";
        } else {
            append_u64(out, static_cast<std::uint64_t>(upper.count()));
        }
    }
    out += "]},\"per_worker\":[";
    for (std::size_t w = 0; w < m.num_workers(); ++w) {
        if (w != 0) out += ',';
        out += '{';
        key("polls", m.worker_poll_count(w));
        key("steals", m.worker_steal_count(w));
        key("steal_operations", m.worker_steal_operations(w));
        key("parks", m.worker_park_count(w));
        key("unparks", m.worker_unpark_count(w));
        key("noops", m.worker_noop_count(w));
        key("overflows", m.worker_overflow_count(w));
        key("busy_ns", static_cast<std::uint64_t>(m.worker_total_busy_duration(w).count()));
        key("local_queue_depth", m.worker_local_queue_depth(w), m.poll_time_histogram_enabled());
        if (m.poll_time_histogram_enabled()) {
            key("poll_time_sum_ns", static_cast<std::uint64_t>(m.worker_poll_time_sum(w).count()));
            out += "\"poll_time_buckets\":[";
            for (std::size_t b = 0; b < buckets; ++b) {
                if (b != 0) out += ',';
                append_u64(out, m.worker_poll_time_histogram_bucket_count(w, b));
            }
            out += ']';
        }
        out += '}';
    }
    out += "]}";
    return out;
}

}  // namespace metrics

}  // namespace weft
