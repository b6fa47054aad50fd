#pragma once
/// \file
/// `JoinSet<T>`: a set of spawned tasks, joined in the order they finish.

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/future/future.hpp"
#include "weft/future/futures_unordered.hpp"
#include "weft/task/abort_handle.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/task/spawn.hpp"

namespace weft {

/// A set of spawned tasks of one output type, joined in the order they **finish** (Tokio's
/// `JoinSet`). Destroying the set aborts every task still in it, which makes it the simplest
/// form of structured concurrency: nothing spawned into a set outlives the set.
///
/// ```cpp
/// weft::JoinSet<int> set;
/// for (int i = 0; i < 10; ++i)
///     set.spawn(fetch_size(urls[i]));
/// long total = 0;
/// while (auto size = co_await set.join_next())  // in completion order
///     total += *size;
/// ```
///
/// - `spawn` starts the task on the current executor at once (like `weft::spawn`);
///   `spawn_on(ex, f)` on a given one (a `LocalExecutor`, a `Runtime`, a `Handle`).
/// - `join_next()` gives the output of the next task to finish, `std::nullopt` once the set is
///   empty. A task that threw rethrows its exception from `join_next`, and an aborted one
///   throws `JoinError`; either way it has left the set, and `join_next` may be called again.
///   (Tokio returns a `Result`; weft's `JoinHandle` throws, and the set does as its handles
///   do.) For `JoinSet<void>` the output is `std::optional<std::monostate>`.
/// - `join_all()` awaits every task and gives their outputs in completion order.
/// - `abort_all()` cancels every task (they stay in the set until joined, and join as
///   `JoinError`); `shutdown()` aborts them all and waits until every one is gone.
/// - Not thread-safe itself (as Tokio's needs `&mut`): use it from one task at a time. Its
///   tasks run anywhere and wake it from any thread.
template <class T>
class JoinSet {
  public:
    /// What `join_next` gives for one task.
    using Value = value_or_monostate_t<T>;

    JoinSet() = default;
    JoinSet(const JoinSet&) = delete;
    JoinSet& operator=(const JoinSet&) = delete;
    /// Aborts every task still in the set.
    ~JoinSet() {
        abort_all();
        set_.clear();  // each handle detaches: the aborted tasks are destroyed by their executor
    }

    /// Spawns `f` (a `Task<T>`, a future, or a callable returning one) on the current executor
    /// into the set; the handle that comes back can abort it.
    template <class F>
    AbortHandle spawn(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
        return insert(weft::spawn(std::forward<F>(f), site));
    }
    /// Spawns `f` on `ex` (anything with a `spawn` returning a `JoinHandle`) into the set.
    template <class Ex, class F>
    AbortHandle spawn_on(Ex& ex, F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
        return insert(ex.spawn(std::forward<F>(f), site));
    }

    /// Tasks in the set: spawned and not yet joined.
    std::size_t len() const noexcept { return set_.len(); }
    bool is_empty() const noexcept { return set_.is_empty(); }

    /// The future of `join_next()`.
    class JoinNext {
      public:
        using Output = std::optional<Value>;
        Poll<Output> poll(Context& cx) { return set_->poll_next(cx); }

      private:
        friend class JoinSet;
        explicit JoinNext(stream::FuturesUnordered<JoinHandle<T>>* s) noexcept : set_(s) {}
        stream::FuturesUnordered<JoinHandle<T>>* set_;
    };

    /// The output of the next task to finish; `std::nullopt` when the set is empty.
    ///
    /// Cancel safety: dropping it loses nothing; a task that finished stays in the set until a
    /// `join_next` takes it.
    JoinNext join_next() noexcept { return JoinNext(&set_); }
    /// As `join_next`, without waiting: empty if no task has finished (or the set is empty).
    std::optional<Value> try_join_next() {
        auto p = set_.poll_next_no_wait();
        if (p.is_pending()) return std::nullopt;
        return std::move(p).value();
    }

    /// Aborts every task in the set; each still joins (as `JoinError`).
    void abort_all() noexcept {
        set_.for_each_future([](JoinHandle<T>& h) { h.abort(); });
    }

    /// Aborts every task and waits until all of them are gone (their destructors have run),
    /// dropping their outputs and errors.
    Task<void> shutdown() {
        abort_all();
        while (!is_empty()) {
            try {
                auto next = join_next();
                (void)co_await next;
            } catch (...) {  // JoinError, or the exception of a task that finished first
            }
        }
    }

    /// Awaits every task in the set and returns their outputs in the order they **finished**,
    /// not the order they were spawned (Tokio's `join_all`); the set is empty afterwards.
    /// Equivalent to calling `join_next` in a loop.
    ///
    /// Errors follow `join_next`, and Tokio's panics: if a task threw, `join_all` aborts every
    /// task still in the set and rethrows that exception; if a task was aborted, it aborts the
    /// rest and throws its `JoinError`. (The aborted tasks stay in the set until joined or
    /// until the set is destroyed, as after `abort_all`.) To handle errors another way, call
    /// `join_next` in a loop. For `JoinSet<void>` the outputs are `std::monostate`s.
    ///
    /// Cancel safety: not cancel safe, as Tokio's (which drops the set): dropping it loses the
    /// outputs it had already joined; the tasks not yet joined stay in the set.
    ///
    /// ```cpp
    /// weft::JoinSet<int> set;
    /// for (auto& url : urls)
    ///     set.spawn(fetch_size(url));
    /// std::vector<int> sizes = co_await set.join_all();  // in completion order
    /// ```
    Task<std::vector<Value>> join_all() {
        std::vector<Value> out;
        out.reserve(len());
        for (;;) {
            std::optional<Value> v;
            try {
                auto next = join_next();
                v = co_await next;
            } catch (...) {  // as Tokio panics: cancel the rest, then fail
                abort_all();
                throw;
            }
            if (!v) break;
            out.push_back(std::move(*v));
        }
        co_return out;
    }

    /// Removes every task from the set without aborting it: they run on, unobserved.
    void detach_all() noexcept { set_.clear(); }

  private:
    AbortHandle insert(JoinHandle<T> h) {
        AbortHandle a = h.abort_handle();
        set_.push(std::move(h));
        return a;
    }

    // The handles, polled as the set's futures: each gets a waker of its own, so join_next
    // polls only the handles whose tasks finished.
    stream::FuturesUnordered<JoinHandle<T>> set_;
};

}  // namespace weft
