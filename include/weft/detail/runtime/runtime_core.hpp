#pragma once
// Internal: what Runtime and Handle see of a runtime, whatever its flavour (multi_thread.cpp,
// current_thread.cpp).

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/task/spawner.hpp"
#include "weft/future/future.hpp"
#include "weft/io/driver_kind.hpp"
#include "weft/task/context.hpp"

namespace weft::runtime {
struct StallReport;  // weft/runtime/stall_report.hpp
}

namespace weft::detail {

enum class UnhandledPolicy { Ignore, Log, ShutdownRuntime };

/// Where the console listens by default (weft::console::kDefaultAddr).
inline constexpr std::string_view kDefaultConsoleAddr = "127.0.0.1:6669";

struct RuntimeConfig {
    bool current_thread = false;
    UnhandledPolicy unhandled = UnhandledPolicy::Ignore;
    std::size_t worker_threads = 0;  // 0: one per core
    std::string thread_name = "weft-worker";
    std::function<void()> on_thread_start, on_thread_stop;
    std::string console;  // enable_console's address; empty: WEFT_CONSOLE decides
    std::size_t max_blocking_threads = 512;
    std::chrono::milliseconds blocking_keep_alive{10000};
    bool start_paused = false;  // current-thread only: the clock starts paused
    IoDriverKind io_driver = IoDriverKind::Auto;
    // The stall detector (src/runtime/stall_detector.hpp): a poll running longer than this is
    // reported; zero turns the detector off. An empty on_stall writes the report to stderr.
    std::chrono::nanoseconds stall_threshold = std::chrono::milliseconds(100);
    std::function<void(const runtime::StallReport&)> on_stall;
};

/// One poll of block_on's future, type-erased so that the loop around it is compiled once:
/// returns whether the future completed.
class PollStep {
  public:
    template <class F>
    explicit PollStep(F& f) noexcept
        : obj_(&f), fn_([](void* o, Context& cx) { return (*static_cast<F*>(o))(cx); }) {}
    bool operator()(Context& cx) const { return fn_(obj_, cx); }

  private:
    void* obj_;
    bool (*fn_)(void*, Context&);
};

class TimeDriver;
class IoDriver;
struct WorkerProbe;

class RuntimeCore {
  public:
    virtual Spawner* spawner() noexcept = 0;
    virtual TimeDriver* time_driver() noexcept = 0;
    virtual IoDriver* io_driver() noexcept = 0;
    virtual bool is_current_thread() const noexcept = 0;
    virtual std::size_t workers() const noexcept = 0;
    /// The probes of the threads that poll this runtime's tasks (probe.hpp), one per worker.
    virtual std::vector<WorkerProbe*> probes() noexcept = 0;
    /// Task dumps (src/runtime/dump.cpp): appends every registered task to `out`, each with a
    /// reference the caller drops. Call only where can_snapshot_here() (a current-thread
    /// runtime's tasks are listed on the thread that holds its core).
    virtual void snapshot_tasks(std::vector<TaskHeader*>& out) = 0;
    virtual bool can_snapshot_here() const noexcept = 0;
    /// Keeps the runtime's memory alive (a Handle, a blocking thread); after shutdown the
    /// runtime only cancels what it is given.
    virtual void retain() noexcept = 0;
    virtual void release() noexcept = 0;
    /// Calls `step` until it returns true, on the calling thread, with the runtime current,
    /// parking in between. A current-thread runtime runs its tasks meanwhile. Throws the
    /// failing task's exception once the runtime was shut down by UnhandledPolicy::ShutdownRuntime.
    virtual void block_on(PollStep step) = 0;
    /// Cancels every task, stops the workers, waits up to `timeout` for blocking threads
    /// (forever if negative), then drops the runtime's own reference.
    virtual void shutdown(std::chrono::nanoseconds timeout) noexcept = 0;

    /// Applies the unhandled-exception policy to an exception nobody will observe.
    void unhandled(TaskHeader* t, const std::exception_ptr& e) noexcept;

  protected:
    explicit RuntimeCore(UnhandledPolicy p) noexcept : policy_(p) {}
    ~RuntimeCore() = default;
    /// Stops running tasks and makes block_on throw `e` (ShutdownRuntime); only the first
    /// failure counts.
    virtual void fail(const std::exception_ptr& e) noexcept = 0;

  private:
    UnhandledPolicy policy_;
};

/// Builds and starts a runtime of the configured flavour, and its console if asked for.
RuntimeCore* start_runtime(RuntimeConfig cfg);
/// The same without the console.
RuntimeCore* start_flavour(RuntimeConfig cfg);

/// Runs `fut` to completion with `rt`: an lvalue future is polled where it is.
template <Future F>
output_t<F> block_on_runtime(RuntimeCore& rt, F& fut) {
    using T = output_t<F>;
    std::optional<value_or_monostate_t<T>> out;
    auto step = [&](Context& cx) {
        auto p = fut.poll(cx);
        if (!p.is_ready()) return false;
        if constexpr (std::is_void_v<T>) {
            out.emplace();
        } else {
            out.emplace(std::move(p).value());
        }
        return true;
    };
    rt.block_on(PollStep(step));
    if constexpr (!std::is_void_v<T>) return std::move(*out);
}

}  // namespace weft::detail
