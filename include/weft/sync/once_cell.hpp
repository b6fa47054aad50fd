#pragma once
/// \file
/// `weft::sync::OnceCell<T>`: a value set once, by the first of many tasks, with an async
/// initialiser.

#include <atomic>
#include <cassert>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/future/future.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/sync/semaphore.hpp"

namespace weft::sync {

/// Why `OnceCell::set` did not store its value (Tokio's `SetError`).
enum class SetError {
    AlreadyInitialized,  ///< the cell has a value
    Initializing,        ///< a `get_or_init` initialiser is running now
};

/// The outcome of `OnceCell::set`: stored, or the value handed back with the reason.
template <class T>
class [[nodiscard]] SetResult {
  public:
    /// Whether the value was stored.
    bool ok() const noexcept { return !value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    /// Why not (only when `!ok()`).
    SetError error() const noexcept { return error_; }
    /// The value that was not stored (only when `!ok()`).
    T into_value() && {
        assert(!ok());
        return std::move(*value_);
    }

  private:
    template <class>
    friend class OnceCell;
    SetResult() = default;
    SetResult(SetError e, T v) : error_(e), value_(std::move(v)) {}
    SetError error_ = SetError::AlreadyInitialized;
    std::optional<T> value_;
};

/// Tokio's `OnceCell<T>`: empty until the first `get_or_init` (or `set`) fills it, then
/// read-only for good. It is how a lazily loaded, shared thing (a configuration, a connection
/// pool, a compiled regex) is made exactly once by whichever task needs it first.
///
/// - `co_await cell.get_or_init(init)` gives the value, running `init()` (a callable returning
///   a future of `T`, such as a coroutine lambda returning `Task<T>`) only if the cell is
///   empty. **Concurrent callers wait** for the one initialiser that runs instead of running
///   their own.
/// - **A failed or cancelled initialiser lets the next caller try:** if `init`'s future throws,
///   its exception goes to the caller that ran it (and only to it), and the next waiting
///   caller runs its own `init`. The same happens if that caller's `get_or_init` is dropped
///   mid-way (its task aborted, a `select` lost): the initialiser's destructors run and the
///   next caller takes over. (So Tokio's `get_or_try_init` is `get_or_init` with an `init`
///   that throws.)
/// - Once set, `get()` is one atomic load. Thread-safe and executor-agnostic. The cell must
///   outlive its `get_or_init` futures.
///
/// `get_or_init` gives a `std::reference_wrapper<const T>` to the stored value (weft's futures
/// cannot output a bare reference): bind it to `const T&`, or call `.get()`.
///
/// ```cpp
/// weft::sync::OnceCell<Config> config;
/// weft::Task<void> handle(Request r) {
///     const Config& c = co_await config.get_or_init([]() -> weft::Task<Config> {
///         co_return co_await load_config("/etc/app.toml");  // once, whoever comes first
///     });
///     co_await serve(r, c);
/// }
/// ```
template <class T>
class OnceCell {
  public:
    /// An empty cell.
    OnceCell() : sem_(1) {}
    /// A cell that already holds `value`.
    explicit OnceCell(T value) : sem_(0) { store(std::move(value)); }
    OnceCell(const OnceCell&) = delete;
    OnceCell& operator=(const OnceCell&) = delete;

    /// Whether the cell holds a value.
    bool initialized() const noexcept { return set_.load(std::memory_order_acquire); }
    /// The value, or null while the cell is empty (or being initialised).
    const T* get() const noexcept { return initialized() ? &*value_ : nullptr; }
    /// The value for a caller that knows nobody else can reach the cell (Rust's
    /// `get_mut(&mut self)`; here it is on you); null while empty.
    T* get_mut() noexcept { return initialized() ? &*value_ : nullptr; }

    /// Stores `value` if the cell is empty and no initialiser is running; otherwise hands it
    /// back with the reason. Never waits.
    SetResult<T> set(T value) {
        TryAcquireResult<SemaphorePermit> permit = sem_.try_acquire(1);
        if (!permit) {
            SetError e = permit.is_closed() ? SetError::AlreadyInitialized : SetError::Initializing;
            return SetResult<T>(e, std::move(value));
        }
        store(std::move(value));
        return SetResult<T>();
    }

    /// Takes the value out, leaving the cell empty (and usable again). Needs exclusive access,
    /// as `get_mut` does.
    std::optional<T> take() {
        if (!initialized()) return std::nullopt;
        std::optional<T> out = std::move(value_);
        value_.reset();
        set_.store(false, std::memory_order_relaxed);
        std::destroy_at(&sem_);  // closed for good: a fresh one, with the one permit
        std::construct_at(&sem_, 1);
        return out;
    }

    /// The future of `get_or_init(init)`.
    template <class F>
    class GetOrInit {
        using InitFuture = std::invoke_result_t<F&>;
        static_assert(Future<InitFuture>, "init must return a future, e.g. a weft::Task<T>");
        static_assert(std::convertible_to<output_t<InitFuture>, T>,
                      "init's future must produce a T");

      public:
        using Output = std::reference_wrapper<const T>;
        /// Movable until first polled.
        GetOrInit(GetOrInit&& o) noexcept(std::is_nothrow_move_constructible_v<F>)
            : cell_(o.cell_), f_(std::move(o.f_)), acquire_(std::move(o.acquire_)), pin_(o.pin_) {}
        GetOrInit& operator=(GetOrInit&&) = delete;

        Poll<Output> poll(Context& cx) {
            pin_.pin();
            if (cell_->initialized()) return std::cref(*cell_->value_);
            if (!permit_) {
                try {
                    Poll<SemaphorePermit> p = acquire_.poll(cx);
                    if (p.is_pending()) return Pending;
                    permit_.emplace(std::move(p).value());
                } catch (const AcquireError&) {
                    // Closed: the initialiser that ran before us succeeded.
                    return std::cref(*cell_->value_);
                }
                // Our turn: every initialiser before ours failed or was dropped.
            }
            try {
                if (!init_) init_.emplace(std::invoke(f_));
                Poll<output_t<InitFuture>> v = init_->poll(cx);
                if (v.is_pending()) return Pending;
                cell_->store(std::move(v).value());
            } catch (...) {
                init_.reset();
                permit_.reset();  // the next waiter runs its own init
                throw;
            }
            init_.reset();
            return std::cref(*cell_->value_);
        }

      private:
        friend class OnceCell;
        GetOrInit(OnceCell* c, F f) : cell_(c), f_(std::move(f)), acquire_(c->sem_.acquire(1)) {}
        OnceCell* cell_;
        F f_;
        Acquire acquire_;
        std::optional<SemaphorePermit> permit_;  // held while our init runs
        std::optional<InitFuture> init_;  // declared last: dropped (cancelled) before the permit
        [[no_unique_address]] PinCheck pin_;
    };

    /// The value, initialised by `init()` first if the cell is empty (see the class comment).
    ///
    /// Cancel safety: dropping it while it waits loses nothing; dropping it while its own
    /// initialiser runs cancels that initialiser and lets the next waiting caller run its own.
    template <class F>
    requires std::invocable<F&> GetOrInit<std::decay_t<F>> get_or_init(F&& init) {
        return GetOrInit<std::decay_t<F>>(this, std::forward<F>(init));
    }

  private:
    // Sets the value, then closes the semaphore: waiters (and later acquires) get
    // AcquireError, which tells them to read the value. The release store pairs with the
    // acquire load in initialized(), so whoever sees the flag sees the value.
    void store(T value) {
        value_.emplace(std::move(value));
        set_.store(true, std::memory_order_release);
        sem_.close();
    }

    Semaphore sem_;  // one permit: the right to run an initialiser; closed once set
    std::atomic<bool> set_{false};
    std::optional<T> value_;  // written once, before set_
};

}  // namespace weft::sync
