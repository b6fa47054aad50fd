#pragma once
/// \file
/// `Handle`: a copyable reference to a `Runtime`, for spawning from anywhere.

#include <optional>
#include <type_traits>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/task/spawn_on.hpp"
#include "weft/runtime/dump.hpp"
#include "weft/runtime/enter_guard.hpp"
#include "weft/runtime/runtime_flavor.hpp"
#include "weft/runtime/runtime_metrics.hpp"

namespace weft {

namespace detail {
struct HandleAccess;  // the console's start-up makes a Handle for a new runtime (autostart.cpp)
}

/// A reference to a `Runtime` that can be copied and sent to other threads: Tokio's `Handle`.
/// Made by `Runtime::handle()`.
///
/// ```cpp
/// weft::Runtime rt;
/// weft::Handle h = rt.handle();
/// std::thread([h] { h.spawn(background_job()).detach(); }).join();
/// ```
///
/// A handle may outlive its runtime. Tasks spawned through it after the runtime was dropped
/// are cancelled at once: their `JoinHandle` throws `JoinError`.
namespace detail {
/// Dumps `rt`'s tasks (src/runtime/dump.cpp); requires rt.can_snapshot_here().
runtime::Dump dump_runtime(RuntimeCore& rt);
}  // namespace detail

class Handle {
  public:
    /// The runtime this thread is in (a task's, a worker's, inside `block_on` or an
    /// `EnterGuard`). **Throws** `std::logic_error` outside of any runtime.
    static Handle current() {
        detail::RuntimeCore* rt = detail::runtime_context().runtime;
        if (rt == nullptr) detail::throw_needs_runtime("weft::Handle::current()");
        return Handle(rt);
    }
    /// As `current()`, or nullopt outside of any runtime.
    static std::optional<Handle> try_current() noexcept {
        detail::RuntimeCore* rt = detail::runtime_context().runtime;
        if (rt == nullptr) return std::nullopt;
        return Handle(rt);
    }

    Handle(const Handle& o) noexcept : rt_(o.rt_) { rt_->retain(); }
    Handle(Handle&& o) noexcept : rt_(std::exchange(o.rt_, nullptr)) {}
    Handle& operator=(Handle o) noexcept {
        std::swap(rt_, o.rt_);
        return *this;
    }
    ~Handle() {
        if (rt_ != nullptr) rt_->release();
    }

    /// As `Runtime::spawn`.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    auto spawn(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) const {
        return detail::spawn_on(*rt_->spawner(), std::forward<F>(f), {}, site);
    }
    /// As `Runtime::spawn_blocking`.
    template <class Fn>
    auto spawn_blocking(Fn&& fn) const {
        return detail::spawn_blocking_on(*rt_->spawner(), std::forward<Fn>(fn));
    }
    /// As `Runtime::block_on`: runs the future on the calling thread with the runtime current.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    decltype(auto) block_on(F&& f) const {
        if constexpr (!Future<F>) {
            auto task = detail::to_task(std::forward<F>(f));
            return detail::block_on_runtime(*rt_, task);
        } else if constexpr (std::is_lvalue_reference_v<F>) {
            return detail::block_on_runtime(*rt_, f);  // polled where it is
        } else {
            std::remove_cvref_t<F> owned(std::move(f));
            return detail::block_on_runtime(*rt_, owned);
        }
    }

    /// As `Runtime::enter`.
    EnterGuard enter() const noexcept { return EnterGuard(rt_); }

    /// Every live task of the runtime with its async backtrace (Tokio's `Handle::dump`): see
    /// `runtime::Dump`. On a current-thread runtime awaited from elsewhere, the dump is taken
    /// by a task spawned on it, so it waits for the runtime's thread to be free.
    Task<runtime::Dump> dump() const { return dump_from(*this); }
    /// As `dump()`, from a thread outside the runtime (a signal handler's thread, a debugger
    /// hook): blocks until the dump is taken. Not from inside a task (use `dump()`).
    runtime::Dump dump_blocking() const {
        if (rt_->can_snapshot_here()) return detail::dump_runtime(*rt_);
        return block_on(dump());
    }

    /// Which scheduler the runtime uses.
    RuntimeFlavor runtime_flavor() const noexcept {
        return rt_->is_current_thread() ? RuntimeFlavor::CurrentThread : RuntimeFlavor::MultiThread;
    }

    /// A snapshot of the runtime's metrics (see `RuntimeMetrics`). Any thread, also after the
    /// runtime was dropped (the counters then stay where they stopped).
    RuntimeMetrics metrics() const { return rt_->metrics(); }

  private:
    friend class Runtime;
    friend struct detail::HandleAccess;
    // Coroutines take the handle by value: the Handle a dump() was called on may be gone.
    static Task<runtime::Dump> dump_on(Handle h) { co_return detail::dump_runtime(*h.rt_); }
    static Task<runtime::Dump> dump_from(Handle h) {
        if (h.rt_->can_snapshot_here()) co_return detail::dump_runtime(*h.rt_);
        co_return co_await h.spawn(dump_on(h));
    }
    explicit Handle(detail::RuntimeCore* rt) noexcept : rt_(rt) { rt_->retain(); }
    detail::RuntimeCore* rt_;
};

}  // namespace weft
