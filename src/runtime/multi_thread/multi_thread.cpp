// The multi-thread scheduler: construction, start and reference counting. The design is
// described atop multi_thread.hpp, which also lists where each part lives.

#include "multi_thread.hpp"

#include <algorithm>

#include "../metrics_collector.hpp"

namespace weft::detail {

std::size_t MultiThread::worker_count(const RuntimeConfig& cfg) noexcept {
    std::size_t n = cfg.worker_threads;
    return n != 0 ? n : std::max(1u, std::thread::hardware_concurrency());
}

MultiThread::MultiThread(RuntimeConfig cfg)
    : RuntimeCore(cfg.unhandled),
      cfg_(std::move(cfg)),
      idle_(worker_count(cfg_)),
      blocking_(this, cfg_.max_blocking_threads, cfg_.blocking_keep_alive) {
    try {
        io_ = IoDriver::create(cfg_.io_driver);
    } catch (...) {
        time_->release();
        throw;
    }
    std::size_t n = idle_.workers();
    for (std::size_t i = 0; i < n; ++i) {
        auto w = std::make_unique<Worker>();
        w->idle.index = i;
        w->worker_local.mt = this;
        w->worker_local.w = w.get();
        w->rng = static_cast<std::uint32_t>(0x9E3779B9u * (i + 1));
        w->metrics.histogram = cfg_.metrics_poll_time_histogram;
        workers_.push_back(std::move(w));
    }
}

MultiThread::~MultiThread() {
    time_->release();
    io_->release();
}

std::vector<WorkerProbe*> MultiThread::probes() noexcept {
    std::vector<WorkerProbe*> out;
    out.reserve(workers_.size());
    for (auto& w : workers_)
        out.push_back(&w->probe);
    return out;
}

void MultiThread::start() {
    for (auto& w : workers_) {
        Worker* wp = w.get();
        wp->thread = std::thread([this, wp] { worker_main(*wp); });
    }
    // build() returns once every worker has set its I/O ring up, so what the runtime holds
    // (the rings' descriptors, their locked memory) is fixed when it returns rather than
    // growing while its first tasks run. acquire: pairs with the workers' release.
    for (std::size_t n; (n = workers_ready_.load(std::memory_order_acquire)) < workers_.size();)
        workers_ready_.wait(n, std::memory_order_acquire);
    try {
        stall_ = StallDetector::start(cfg_.stall_threshold, cfg_.on_stall, probes(),
                                      [this] { hand_off_driver(); });
    } catch (...) {
        // No thread for the watchdog: the runtime runs without stall detection.
    }
}

void MultiThread::task_added() noexcept {
    if (Worker* w = current_worker()) {
        ++w->task_delta;
    } else {
        add_ref();
    }
}

void MultiThread::task_released() noexcept {
    if (Worker* w = current_worker()) {
        --w->task_delta;
    } else {
        release();
    }
}

void MultiThread::release_runtime() noexcept {
    std::int64_t delta = 0;
    for (auto& w : workers_)
        delta += w->task_delta;
    release(kBias + 1 - delta);
}

RuntimeMetrics MultiThread::metrics() {
    MetricsCollector c(workers_.size(), cfg_.metrics_poll_time_histogram);
    std::uint64_t spawned = remote_spawned_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        const Worker& w = *workers_[i];
        c.worker(i, w.metrics, w.probe, w.stealer.len());
        spawned += w.metrics.spawned.get();
    }
    c.tasks(owned_.len(), spawned);
    c.global_queue_depth(inject_.len());
    c.drivers(*io_, *time_);
    c.blocking(blocking_.stats());
    return std::move(c).finish();
}

RuntimeCore* start_multi_thread(RuntimeConfig cfg) {
    auto* mt = new MultiThread(std::move(cfg));
    mt->start();
    return mt;
}

}  // namespace weft::detail
