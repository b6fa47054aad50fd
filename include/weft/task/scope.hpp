#pragma once
/// \file
/// `weft::scope`: structured concurrency, where spawned children may borrow from the parent.

#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "weft/detail/task/scope_state.hpp"
#include "weft/detail/task/spawn_on.hpp"
#include "weft/future/future.hpp"
#include "weft/task/abort_handle.hpp"

namespace weft {

template <class Fn>
class ScopeFuture;

/// The handle a scope's body gets for spawning children: see `weft::scope`.
class Scope {
  public:
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

    /// Spawns a child on the current executor (as `weft::spawn` does: it runs in parallel on a
    /// multi-threaded runtime). Accepts a `Task`, any `Future`, or a callable returning one (kept
    /// alive as long as the future it made). The child may borrow anything that outlives the
    /// scope: the awaiting frame's locals and the body's captures, but not the body's own locals
    /// (see `weft::scope`). Its output is dropped: write results into borrowed storage.
    ///
    /// May be called from the body and from the children, on any thread. A child spawned into
    /// a scope that is already being cancelled is cancelled at once.
    ///
    /// **Throws** `std::logic_error` when called outside of any executor.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>> AbortHandle
    spawn(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
        detail::Spawner& sp = detail::require_spawner("weft::Scope::spawn");
        auto task = detail::to_task(
            detail::ScopeChild<std::decay_t<F>>(state_, std::decay_t<F>(std::forward<F>(f))));
        detail::TaskHeader* t;
        JoinHandle<void> handle = detail::handle_for(task, t, site);
        detail::allow_cancel_here(t);
        sp.spawn_task(t);
        AbortHandle abort = handle.abort_handle();
        detail::add_ref(t);  // for the scope's list of children (track takes it over)
        handle.detach();     // its output is nobody's; a failure reaches the scope instead
        state_->track(t);
        return abort;
    }

  private:
    template <class Fn>
    friend class ScopeFuture;
    explicit Scope(detail::ScopeState* st) noexcept : state_(st) {}

    detail::ScopeState* state_;
};

/// The future `weft::scope` returns; its output is the body's.
template <class Fn>
class [[nodiscard]] ScopeFuture {
    using Body = std::invoke_result_t<Fn&, Scope&>;

  public:
    using Output = output_t<Body>;

    explicit ScopeFuture(Fn fn) : fn_(std::move(fn)) {}
    ScopeFuture(ScopeFuture&& o) noexcept(std::is_nothrow_move_constructible_v<Fn>)
        : fn_(std::move(o.fn_)) {}  // only before the first poll, which makes the state
    ScopeFuture& operator=(ScopeFuture&&) = delete;

    /// Cancelled before it finished: cancels every child and blocks until each one's future
    /// has been destroyed, then destroys the body, then the body's callable.
    ~ScopeFuture() {
        detail::ScopeState* st = scope_.state_;
        if (st == nullptr) return;  // never polled, or finished
        st->cancel_and_wait();
        body_.reset();
        st->release();
    }

    Poll<Output> poll(Context& cx) {
        if (scope_.state_ == nullptr) {
            if (started_) throw std::logic_error("weft::scope polled after completion");
            started_ = true;
            scope_.state_ = new detail::ScopeState();
            try {
                body_.emplace(std::invoke(fn_, scope_));
            } catch (...) {
                scope_.state_->fail(std::current_exception());
            }
        }
        detail::ScopeState* st = scope_.state_;
        if (!out_ && body_ && !st->cancelled()) {
            try {
                auto p = body_->poll(cx);
                if (p.is_ready()) {
                    if constexpr (std::is_void_v<Output>) {
                        out_.emplace();
                    } else {
                        out_.emplace(std::move(p).value());
                    }
                }
            } catch (...) {
                st->fail(std::current_exception());
            }
        }
        if (!st->poll_children(cx)) return Pending;
        // Every child is gone (their destructors ran): now the body may go too.
        if (std::exception_ptr e = st->take_error()) {
            finish();
            std::rethrow_exception(e);
        }
        if (!out_) return Pending;  // the body waits on something of its own (and woke us up)
        finish();
        if constexpr (std::is_void_v<Output>) {
            return Ready;
        } else {
            return std::move(*out_);
        }
    }

  private:
    void finish() noexcept {
        body_.reset();
        std::exchange(scope_.state_, nullptr)->release();
    }

    Fn fn_;  // declared first: destroyed after the body it made (its captures may be borrowed)
    Scope scope_{nullptr};  // its state is made by the first poll
    bool started_ = false;
    std::optional<Body> body_;
    std::optional<value_or_monostate_t<Output>> out_;
};

/// Runs `body(scope)` and waits until it and every child it spawned into the scope have finished
/// (Trio's nursery, `std::thread::scope` for tasks). No child outlives the scope: so, unlike
/// spawned tasks in Rust, **children may borrow** from the frame that awaits the scope.
///
/// ```cpp
/// std::vector<std::string> pages(urls.size());  // children write into the parent's frame
/// co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
///     for (std::size_t i = 0; i < urls.size(); ++i)
///         s.spawn([&, i]() -> weft::Task<void> { pages[i] = co_await fetch(urls[i]); });
///     co_return;
/// });
/// ```
///
/// - **Output.** The body's output, once the body has finished and every child has ended.
/// - **Errors.** The first exception, from a child or from the body, cancels every other child
///   (and stops polling the body); when all of them are gone, the body is destroyed and that
///   exception is rethrown from the `co_await`. Later exceptions are dropped.
/// - **Cancellation.** Dropping the scope's future (aborting its task, a `timeout`, a `select`
///   that picked another branch) cancels every child and waits for their destructors before
///   the parent's frame can go: a child not being polled is destroyed right there, on the
///   dropping thread; a child being polled on another worker is destroyed when that poll ends,
///   and the drop blocks until then (one poll: never hold a child's poll up on the dropping
///   thread, for example with a lock it holds).
/// - **Borrowing.** Children may use anything that lives longer than the `co_await`: the
///   awaiting frame's locals and the body lambda's captures (the callable is kept until the
///   children are gone). **Not** the body's own locals: they end when the body `co_return`s,
///   which may be before the children end, exactly as in `std::thread::scope`.
/// - Needs an executor for the children (`weft::spawn`'s); the body itself is polled by the
///   scope's future, in the awaiting task.
template <class Fn>
requires std::invocable < std::decay_t<Fn>
&, Scope& > &&Future<std::invoke_result_t<std::decay_t<Fn>&, Scope&>> ScopeFuture<std::decay_t<Fn>>
            scope(Fn&& body) {
    return ScopeFuture<std::decay_t<Fn>>(std::forward<Fn>(body));
}

}  // namespace weft
