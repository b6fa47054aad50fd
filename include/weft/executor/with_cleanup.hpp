#pragma once
/// \file
/// `weft::with_cleanup`: asynchronous cleanup that runs however a piece of work ends.

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "weft/detail/task/spawn_on.hpp"
#include "weft/executor/block_on.hpp"
#include "weft/future/future.hpp"

namespace weft {

/// How the work wrapped by `with_cleanup` ended, as its cleanup is told.
enum class Exit {
    Returned,   ///< the body finished with a value (an early `co_return` included)
    Threw,      ///< the body threw (the exception is rethrown after the cleanup)
    Cancelled,  ///< the future was dropped before it finished (aborted, timed out, not selected)
};

namespace detail {

// Calls `cleanup(resource, exit)`, or `cleanup(resource)` for a cleanup that ignores the reason.
template <class C, class R>
auto make_cleanup(C& cleanup, R& resource, Exit exit) {
    if constexpr (std::is_invocable_v<C&, R&, Exit>) {
        return std::invoke(cleanup, resource, exit);
    } else {
        return std::invoke(cleanup, resource);
    }
}
template <class C, class R>
using cleanup_future_t = decltype(make_cleanup(std::declval<C&>(), std::declval<R&>(), Exit{}));

// What outlives a cancelled WithCleanup: the resource, the cleanup callable and the cleanup's
// future (which may have started already). On the heap, so that handing it to a new task moves
// a pointer, never the (possibly borrowed, possibly pinned) things inside.
template <class R, class C>
struct CleanupState {
    CleanupState(R r, C c) : resource(std::move(r)), cleanup(std::move(c)) {}
    R resource;
    C cleanup;
    std::optional<cleanup_future_t<C, R>> running;  // destroyed before the resource

    // Polls the cleanup to its end (starting it if needed).
    Poll<void> poll_cleanup(Context& cx, Exit exit) {
        if (!running) running.emplace(make_cleanup(cleanup, resource, exit));
        if (running->poll(cx).is_pending()) return Pending;
        running.reset();
        return Ready;
    }
};

// The task that finishes a cancelled WithCleanup's cleanup.
template <class R, class C>
class DetachedCleanup {
  public:
    using Output = void;
    DetachedCleanup(std::unique_ptr<CleanupState<R, C>> st, Exit exit) noexcept
        : st_(std::move(st)), exit_(exit) {}
    Poll<void> poll(Context& cx) {
        if (st_->poll_cleanup(cx, exit_).is_pending()) return Pending;
        st_.reset();  // the resource goes once its cleanup is done
        return Ready;
    }

  private:
    std::unique_ptr<CleanupState<R, C>> st_;
    Exit exit_;
};

}  // namespace detail

/// The future `with_cleanup` returns; its output is the body's.
template <class R, class B, class C>
class [[nodiscard]] WithCleanup {
    using BodyFuture = std::invoke_result_t<B&, R&>;
    using State = detail::CleanupState<R, C>;

  public:
    using Output = output_t<BodyFuture>;

    WithCleanup(R resource, B body, C cleanup)
        : st_(std::make_unique<State>(std::move(resource), std::move(cleanup))),
          body_(std::move(body)) {}
    WithCleanup(WithCleanup&&) noexcept = default;  // only before the first poll
    WithCleanup& operator=(WithCleanup&&) = delete;

    /// Dropped before the cleanup finished: destroys the body (its destructors run first), then
    /// hands the resource and the cleanup, as far as it got, to a new task on the current
    /// executor, which runs the cleanup to its end and then destroys the resource.
    ~WithCleanup() {
        if (st_ == nullptr) return;  // finished, or moved from
        running_.reset();
        Exit exit = exit_.value_or(Exit::Cancelled);
        detail::DetachedCleanup<R, C> rest(std::move(st_), exit);
        if (detail::Spawner* s = detail::current_spawner()) {
            try {
                detail::spawn_on(*s, std::move(rest)).detach();
                return;
            } catch (...) {  // could not allocate the task: finish it here instead
            }
        }
        // No executor on this thread: run the cleanup to its end right here.
        block_on(rest);
    }

    Poll<Output> poll(Context& cx) {
        if (st_ == nullptr) throw std::logic_error("weft::with_cleanup polled after completion");
        if (!exit_) {
            try {
                if (!running_) running_.emplace(std::invoke(body_, st_->resource));
                auto p = running_->poll(cx);
                if (p.is_pending()) return Pending;
                if constexpr (std::is_void_v<Output>) {
                    out_.emplace();
                } else {
                    out_.emplace(std::move(p).value());
                }
                exit_ = Exit::Returned;
            } catch (...) {
                error_ = std::current_exception();
                exit_ = Exit::Threw;
            }
            running_.reset();  // the body's destructors run before the cleanup starts
        }
        try {
            if (st_->poll_cleanup(cx, *exit_).is_pending()) return Pending;
        } catch (...) {
            st_.reset();
            if (error_) std::rethrow_exception(error_);  // the body's exception wins
            throw;
        }
        st_.reset();
        if (error_) std::rethrow_exception(error_);
        if constexpr (std::is_void_v<Output>) {
            return Ready;
        } else {
            return std::move(*out_);
        }
    }

  private:
    std::unique_ptr<State> st_;
    B body_;  // after st_: destroyed first (it may hold references into the resource)
    std::optional<BodyFuture> running_;
    std::optional<Exit> exit_;  // set once the body ended
    std::optional<value_or_monostate_t<Output>> out_;
    std::exception_ptr error_;
};

/// Runs `body(resource)`, then `cleanup(resource, exit)` — **however the body ends**: when it
/// returns (early returns included), when it throws, and when the whole future is dropped
/// (cancelled). It is the asynchronous counterpart of a destructor, which Rust lacks (there is
/// no async drop): for example, send a goodbye frame and shut a connection down gracefully.
///
/// ```cpp
/// weft::Task<void> session(weft::net::TcpStream conn) {
///     co_await weft::with_cleanup(
///         std::move(conn),
///         [](weft::net::TcpStream& c) { return serve(c); },  // may return, throw, be aborted
///         [](weft::net::TcpStream& c, weft::Exit) -> weft::Task<void> {
///             co_await weft::io::write_all(c, "bye\n");
///             co_await weft::io::shutdown(c);
///         });
/// }
/// ```
///
/// - `resource` is moved into the future (onto the heap, where it stays: the body and the
///   cleanup get a reference to it); it is destroyed after the cleanup finished.
/// - `body(R&)` returns a future (a `Task`, a lambda coroutine, ...); its output is
///   `with_cleanup`'s. If it threw, the exception is rethrown after the cleanup.
/// - `cleanup(R&, weft::Exit)` (or `cleanup(R&)`) returns a future of `void`. An exception
///   from it is rethrown when the body returned, and dropped when the body threw (the body's
///   wins).
/// - **Cancellation.** A destructor cannot await, so dropping the future destroys the body at
///   once (its destructors run) and hands the resource and the cleanup (already started or
///   not) to a new task on the current executor, which runs the cleanup to its end. The
///   cleanup and the resource must therefore not borrow from the dropped frame, and may run on
///   another thread. Without an executor on the dropping thread, the cleanup runs right there
///   under `block_on`. A runtime being shut down cancels every task, cleanups included.
template <class R, class B, class C>
requires std::invocable < std::decay_t<B>
&, std::decay_t<R>& >
       &&Future<std::invoke_result_t<std::decay_t<B>&, std::decay_t<R>&>>&&
           Future<detail::cleanup_future_t<std::decay_t<C>, std::decay_t<R>>>
               WithCleanup<std::decay_t<R>, std::decay_t<B>, std::decay_t<C>> with_cleanup(
                   R&& resource, B&& body, C&& cleanup) {
    return WithCleanup<std::decay_t<R>, std::decay_t<B>, std::decay_t<C>>(
        std::forward<R>(resource), std::forward<B>(body), std::forward<C>(cleanup));
}

}  // namespace weft
