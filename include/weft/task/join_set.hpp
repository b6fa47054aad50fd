#pragma once
/// \file
/// `JoinSet<T>`: a set of spawned tasks, joined in the order they finish.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/detail/spin_lock.hpp"
#include "weft/detail/waiter_list.hpp"
#include "weft/future/future.hpp"
#include "weft/task/abort_handle.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/task/spawn.hpp"

namespace weft {

namespace detail_join_set {

// Where the set's tasks stand. Each entry sits in one of two lists: `idle` (its JoinHandle is
// waiting for the task) or `notified` (the task woke it: finished, or the handle has not been
// polled yet). join_next polls only the notified entries, so joining n tasks costs O(n) polls
// in all, not O(n) per wake-up (tokio's IdleNotifiedSet does the same).
enum class Where : std::uint8_t { Idle, Notified, Polling, PollingNotified, Gone };

struct Shared;

struct EntryBase {
    EntryBase* next = nullptr;
    EntryBase* prev = nullptr;
    std::atomic<std::uint32_t> refs{1};  // the set's own, plus one per clone of its waker
    Where where = Where::Notified;       // guarded by shared->mu
    std::shared_ptr<Shared> shared;      // the lists outlive the set while wakers exist
    virtual ~EntryBase() = default;
};

struct Shared {
    weft::detail::SpinLock mu;
    weft::detail::WaiterList<EntryBase> idle, notified;
    Waker waker;  // join_next's task, woken when an entry moves to `notified`
};

inline void release(EntryBase* e) noexcept {
    // acq_rel: the last owner sees every write made before the other owners let go.
    if (e->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete e;
}

// The waker handed to an entry's JoinHandle: it moves the entry to `notified` and wakes the
// set's task. Refcounted on the entry, so a wake after the set is gone is harmless.
inline const RawWakerVTable entry_waker_vtable{
    [](const void* p) -> RawWaker {
        static_cast<EntryBase*>(const_cast<void*>(p))->refs.fetch_add(1, std::memory_order_relaxed);
        return {p, &entry_waker_vtable};
    },
    [](const void* p) {
        entry_waker_vtable.wake_by_ref(p);
        release(static_cast<EntryBase*>(const_cast<void*>(p)));
    },
    [](const void* p) {
        auto* e = static_cast<EntryBase*>(const_cast<void*>(p));
        Waker w;
        {
            std::lock_guard lock(e->shared->mu);
            if (e->where == Where::Idle) {
                e->shared->idle.remove(e);
                e->shared->notified.push_back(e);
                e->where = Where::Notified;
                w = std::move(e->shared->waker);
            } else if (e->where == Where::Polling) {
                e->where = Where::PollingNotified;  // join_next re-queues it after its poll
            }
        }
        std::move(w).wake();
    },
    [](const void* p) { release(static_cast<EntryBase*>(const_cast<void*>(p))); },
};

template <class T>
struct Entry : EntryBase {
    explicit Entry(JoinHandle<T> h) : handle(std::move(h)) {}
    JoinHandle<T> handle;
};

}  // namespace detail_join_set

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
/// - `abort_all()` cancels every task (they stay in the set until joined, and join as
///   `JoinError`); `shutdown()` aborts them all and waits until every one is gone.
/// - Not thread-safe itself (as Tokio's needs `&mut`): use it from one task at a time. Its
///   tasks run anywhere and wake it from any thread.
template <class T>
class JoinSet {
    using Entry = detail_join_set::Entry<T>;
    using EntryBase = detail_join_set::EntryBase;
    using Where = detail_join_set::Where;

  public:
    /// What `join_next` gives for one task.
    using Value = value_or_monostate_t<T>;

    JoinSet() : shared_(std::make_shared<detail_join_set::Shared>()) {}
    JoinSet(const JoinSet&) = delete;
    JoinSet& operator=(const JoinSet&) = delete;
    /// Aborts every task still in the set.
    ~JoinSet() { clear(); }

    /// Spawns `f` (a `Task<T>`, a future, or a callable returning one) on the current executor
    /// into the set; the handle that comes back can abort it.
    template <class F>
    AbortHandle spawn(F&& f) {
        return insert(weft::spawn(std::forward<F>(f)));
    }
    /// Spawns `f` on `ex` (anything with a `spawn` returning a `JoinHandle`) into the set.
    template <class Ex, class F>
    AbortHandle spawn_on(Ex& ex, F&& f) {
        return insert(ex.spawn(std::forward<F>(f)));
    }

    /// Tasks in the set: spawned and not yet joined.
    std::size_t len() const noexcept { return len_; }
    bool is_empty() const noexcept { return len_ == 0; }

    /// The future of `join_next()`.
    class JoinNext {
      public:
        using Output = std::optional<Value>;
        Poll<Output> poll(Context& cx) { return set_->poll_join_next(&cx); }

      private:
        friend class JoinSet;
        explicit JoinNext(JoinSet* s) noexcept : set_(s) {}
        JoinSet* set_;
    };

    /// The output of the next task to finish; `std::nullopt` when the set is empty.
    ///
    /// Cancel safety: dropping it loses nothing; a task that finished stays in the set until a
    /// `join_next` takes it.
    JoinNext join_next() noexcept { return JoinNext(this); }
    /// As `join_next`, without waiting: empty if no task has finished (or the set is empty).
    std::optional<Value> try_join_next() {
        auto p = poll_join_next(nullptr);
        if (p.is_pending()) return std::nullopt;
        return std::move(p).value();
    }

    /// Aborts every task in the set; each still joins (as `JoinError`).
    void abort_all() noexcept {
        std::vector<AbortHandle> hs;
        {
            std::lock_guard lock(shared_->mu);
            for (auto* l : {&shared_->idle, &shared_->notified}) {
                for (EntryBase* e = l->front(); e != nullptr; e = e->next)
                    hs.push_back(static_cast<Entry*>(e)->handle.abort_handle());
            }
        }
        for (AbortHandle& h : hs)
            h.abort();
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

    /// Removes every task from the set without aborting it: they run on, unobserved.
    void detach_all() { clear(false); }

  private:
    AbortHandle insert(JoinHandle<T> h) {
        AbortHandle a = h.abort_handle();
        auto* e = new Entry(std::move(h));
        e->shared = shared_;
        Waker w;
        {
            std::lock_guard lock(shared_->mu);
            shared_->notified.push_back(e);  // polled once by join_next to register its waker
            w = std::move(shared_->waker);
        }
        ++len_;
        std::move(w).wake();
        return a;
    }

    // cx null: try_join_next (no waker registered).
    Poll<std::optional<Value>> poll_join_next(Context* cx) {
        for (;;) {
            EntryBase* e;
            {
                std::lock_guard lock(shared_->mu);
                e = shared_->notified.pop_front();
                if (e == nullptr) {
                    if (len_ == 0) return std::optional<Value>();
                    if (cx != nullptr) shared_->waker = cx->waker();
                    return Pending;
                }
                e->where = Where::Polling;
            }
            // The entry's own waker: the handle's task wakes the entry, not the set's task.
            e->refs.fetch_add(1, std::memory_order_relaxed);
            Waker entry_waker = Waker::from_raw({e, &detail_join_set::entry_waker_vtable});
            Context ecx(entry_waker);
            std::optional<Poll<T>> p;
            try {
                p.emplace(static_cast<Entry*>(e)->handle.poll(ecx));
            } catch (...) {
                finish(e);  // the task threw or was aborted: it has left the set
                throw;
            }
            if (p->is_ready()) {
                finish(e);
                if constexpr (std::is_void_v<T>) {
                    return std::optional<Value>(std::in_place);
                } else {
                    return std::optional<Value>(std::move(*p).value());
                }
            }
            std::lock_guard lock(shared_->mu);
            if (e->where == Where::PollingNotified) {
                e->where = Where::Notified;
                shared_->notified.push_back(e);  // woken during the poll: look again
            } else {
                e->where = Where::Idle;
                shared_->idle.push_back(e);
            }
        }
    }

    void finish(EntryBase* e) noexcept {
        {
            std::lock_guard lock(shared_->mu);
            e->where = Where::Gone;
        }
        --len_;
        detail_join_set::release(e);  // the set's reference
    }

    // Takes every entry out of the set; aborts its task first when `abort`.
    void clear(bool abort = true) noexcept {
        std::vector<EntryBase*> all;
        {
            std::lock_guard lock(shared_->mu);
            for (auto* l : {&shared_->idle, &shared_->notified}) {
                while (EntryBase* e = l->pop_front()) {
                    e->where = Where::Gone;
                    all.push_back(e);
                }
            }
        }
        for (EntryBase* e : all) {
            JoinHandle<T> h = std::move(static_cast<Entry*>(e)->handle);
            if (abort) h.abort();
            detail_join_set::release(e);
        }  // each handle detaches here
        len_ = 0;
    }

    std::shared_ptr<detail_join_set::Shared> shared_;
    std::size_t len_ = 0;
};

}  // namespace weft
