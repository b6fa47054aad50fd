#pragma once
/// \file
/// `FuturesUnordered<F>`: a growing set of futures, polled together, giving their outputs in the
/// order they finish.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "weft/detail/sync/spin_lock.hpp"
#include "weft/detail/sync/waiter_list.hpp"
#include "weft/future/future.hpp"
#include "weft/stream/stream.hpp"

namespace weft::detail::unordered {

// Each future sits in an entry, and each entry in one of two lists: `idle` (its future is
// waiting) or `notified` (it was woken, or never polled yet). poll_next polls only notified
// entries, so a wake-up costs one poll, not one per future in the set. An entry is refcounted:
// the set holds one reference and each clone of its waker one more, so a wake arriving after
// the set (or the future) is gone finds the entry still there and does nothing.
enum class Where : std::uint8_t { Idle, Notified, Polling, PollingNotified, Gone };

struct Shared;

struct EntryBase {
    EntryBase* next = nullptr;
    EntryBase* prev = nullptr;
    std::atomic<std::uint32_t> refs{1};
    Where where = Where::Notified;  // guarded by shared->mu
    std::shared_ptr<Shared> shared;
    virtual ~EntryBase() = default;
};

struct Shared {
    weft::detail::SpinLock mu;  // a few pointer moves; never held while polling or waking
    weft::detail::WaiterList<EntryBase> idle, notified;
    Waker waker;  // the task polling the set
};

inline void release(EntryBase* e) noexcept {
    // acq_rel: the last owner sees every write the others made before letting go.
    if (e->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete e;
}

inline void wake_entry(EntryBase* e) {
    Waker w;
    {
        std::lock_guard lock(e->shared->mu);
        if (e->where == Where::Idle) {
            e->shared->idle.remove(e);
            e->shared->notified.push_back(e);
            e->where = Where::Notified;
            w = std::move(e->shared->waker);
        } else if (e->where == Where::Polling) {
            e->where = Where::PollingNotified;  // poll_next puts it back in `notified`
        }
    }
    std::move(w).wake();
}

inline EntryBase* entry_of(const void* p) noexcept {
    return static_cast<EntryBase*>(const_cast<void*>(p));
}

inline constexpr RawWakerVTable entry_waker_vtable{
    [](const void* p) -> RawWaker {
        entry_of(p)->refs.fetch_add(1, std::memory_order_relaxed);  // from a live reference
        return {p, &entry_waker_vtable};
    },
    [](const void* p) {
        wake_entry(entry_of(p));
        release(entry_of(p));
    },
    [](const void* p) { wake_entry(entry_of(p)); },
    [](const void* p) { release(entry_of(p)); },
};

template <class F>
struct Entry : EntryBase {
    explicit Entry(F f) : fut(std::in_place, std::move(f)) {}
    std::optional<F> fut;  // pinned here; reset when done or when the set goes
};

}  // namespace weft::detail::unordered

namespace weft::stream {

/// A set of futures of one type, polled together in the task that polls the set, as a
/// `Stream` of their outputs in the order they **finish** (futures' `FuturesUnordered`). It is
/// the dynamic `select`/`join`: push as many futures as come up, take outputs as they arrive.
/// Nothing is spawned: every future runs inside this set's `poll_next`.
///
/// ```cpp
/// weft::stream::FuturesUnordered<weft::Task<Reply>> pending;
/// for (auto& peer : peers)
///     pending.push(ask(peer));
/// while (auto reply = co_await weft::stream::next(pending))  // fastest first
///     if (reply->ok()) break;  // dropping `pending` cancels the slower ones
/// ```
///
/// - Each future gets a waker of its own, so a wake-up polls only the future it is for.
/// - A future whose poll throws leaves the set; the exception comes out of that `poll_next`,
///   and the set may be polled on for the others.
/// - One `poll_next` polls each future at most once; a future that wakes itself while polled
///   (`yield_now`) is polled again on the next call, so a set of such futures cannot keep its
///   task from yielding.
/// - Destroying the set destroys (cancels) every future still in it.
/// - Not thread-safe itself: push and poll from one task at a time; the futures' wakes may come
///   from any thread.
template <Future F>
class FuturesUnordered {
    using Entry = weft::detail::unordered::Entry<F>;
    using EntryBase = weft::detail::unordered::EntryBase;
    using Where = weft::detail::unordered::Where;

  public:
    using Item = value_or_monostate_t<output_t<F>>;

    FuturesUnordered() : shared_(std::make_shared<weft::detail::unordered::Shared>()) {}
    FuturesUnordered(FuturesUnordered&& o) noexcept
        : shared_(std::move(o.shared_)), len_(std::exchange(o.len_, 0)) {}
    FuturesUnordered& operator=(FuturesUnordered&&) = delete;
    ~FuturesUnordered() { clear(); }

    /// Adds a future; it is first polled by the next `poll_next`.
    void push(F f) {
        auto* e = new Entry(std::move(f));
        e->shared = shared_;
        Waker w;
        {
            std::lock_guard lock(shared_->mu);
            shared_->notified.push_back(e);
            w = std::move(shared_->waker);
        }
        ++len_;
        std::move(w).wake();  // a pending poll_next must come back for it
    }

    /// Futures in the set (pushed, not finished).
    std::size_t len() const noexcept { return len_; }
    bool is_empty() const noexcept { return len_ == 0; }

    /// The output of the next future to finish; `std::nullopt` when the set is empty.
    Poll<std::optional<Item>> poll_next(Context& cx) { return poll_next_impl(&cx); }

    /// Visits every future still in the set (for example to abort the tasks of JoinHandles).
    template <class Fn>
    void for_each_future(Fn&& fn) {
        std::lock_guard lock(shared_->mu);
        for (auto* l : {&shared_->idle, &shared_->notified}) {
            for (EntryBase* e = l->front(); e != nullptr; e = e->next)
                fn(*static_cast<Entry*>(e)->fut);
        }
    }

    /// As `poll_next` with no waker registered (for a caller that will not wait).
    Poll<std::optional<Item>> poll_next_no_wait() { return poll_next_impl(nullptr); }

    /// Destroys every future still in the set.
    void clear() noexcept {
        if (!shared_) return;
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
            static_cast<Entry*>(e)->fut.reset();  // destroyed here, even if a waker lingers
            weft::detail::unordered::release(e);
        }
        len_ = 0;
    }

  private:
    Poll<std::optional<Item>> poll_next_impl(Context* cx) {
        // At most one poll per future per call (see the class comment).
        for (std::size_t budget = len_; budget > 0; --budget) {
            EntryBase* e;
            {
                std::lock_guard lock(shared_->mu);
                e = shared_->notified.pop_front();
                if (e == nullptr) break;
                e->where = Where::Polling;
            }
            e->refs.fetch_add(1, std::memory_order_relaxed);
            Waker entry_waker = Waker::from_raw({e, &weft::detail::unordered::entry_waker_vtable});
            Context ecx(entry_waker);
            auto& fut = *static_cast<Entry*>(e)->fut;
            std::optional<Poll<output_t<F>>> p;
            try {
                p.emplace(fut.poll(ecx));
            } catch (...) {
                finish(e);
                throw;
            }
            if (p->is_ready()) {
                std::optional<Item> out;
                if constexpr (std::is_void_v<output_t<F>>) {
                    out.emplace();
                } else {
                    out.emplace(std::move(*p).value());
                }
                finish(e);
                return out;
            }
            std::lock_guard lock(shared_->mu);
            if (e->where == Where::PollingNotified) {
                e->where = Where::Notified;
                shared_->notified.push_back(e);  // woken while being polled: poll it again
            } else {
                e->where = Where::Idle;
                shared_->idle.push_back(e);
            }
        }
        // The task's waker is user code when woken and when dropped: neither happens under
        // `mu` (a waker whose drop or wake re-enters this set would spin on it, issue 16).
        Waker replaced;  // the waker a new registration replaces: dropped after unlocking
        bool again = false;
        {
            std::lock_guard lock(shared_->mu);
            // The end, built in place from nullopt: returning a temporary empty optional<int>
            // copies its unset payload, which GCC 12 -O3 flags as -Wmaybe-uninitialized.
            if (len_ == 0) return std::nullopt;
            if (!shared_->notified.empty()) {  // budget used up with futures still woken
                again = true;
            } else if (cx != nullptr) {
                replaced = weft::detail::replace_waker(shared_->waker, cx->waker());
            }
        }
        if (again && cx != nullptr) cx->waker().wake_by_ref();
        return Pending;
    }

    void finish(EntryBase* e) noexcept {
        {
            std::lock_guard lock(shared_->mu);
            e->where = Where::Gone;
        }
        static_cast<Entry*>(e)->fut.reset();
        --len_;
        weft::detail::unordered::release(e);
    }

    std::shared_ptr<weft::detail::unordered::Shared> shared_;
    std::size_t len_ = 0;
};

}  // namespace weft::stream
