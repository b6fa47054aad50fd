// Idle/search accounting of the multi-thread scheduler: see idle.hpp for the protocol and its
// no-lost-wake-up argument. Every RMW on state_ is seq_cst: they are what orders parking workers
// against producers.

#include "idle.hpp"

#include <algorithm>

namespace weft::detail {

Idle::Idle(std::size_t workers)
    : workers_(workers), state_(static_cast<std::uint32_t>(workers) * kUnparkOne) {
    sleepers_.reserve(workers);
}

bool Idle::transition_to_searching(IdleSlot& s) noexcept {
    if (s.searching) return true;
    // At most half the workers search at once: more only burn CPU on empty queues.
    // seq_cst: one total order with the other accesses of the word (see the file comment).
    std::uint32_t st = state_.load(std::memory_order_seq_cst);
    if (2 * searching(st) >= workers_) return false;
    state_.fetch_add(kSearchOne, std::memory_order_seq_cst);
    s.searching = true;
    return true;
}

bool Idle::transition_from_searching(IdleSlot& s) noexcept {
    s.searching = false;
    // The last searcher found work: there may be more, so another worker should look.
    return searching(state_.fetch_sub(kSearchOne, std::memory_order_seq_cst)) == 1;
}

void Idle::park_begin(IdleSlot& s) noexcept {
    std::lock_guard lock(mu_);
    // This RMW both registers us as parked and orders us against producers.
    state_.fetch_sub(kUnparkOne + (s.searching ? kSearchOne : 0), std::memory_order_seq_cst);
    s.searching = false;
    s.parked = true;
    sleepers_.push_back(&s);
}

void Idle::remove_locked(IdleSlot& s) noexcept {
    s.parked = false;
    sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), &s));
    state_.fetch_add(kUnparkOne, std::memory_order_seq_cst);
}

bool Idle::cancel_park(IdleSlot& s) noexcept {
    std::lock_guard lock(mu_);
    if (!s.parked) return false;
    remove_locked(s);
    return true;
}

bool Idle::is_parked(const IdleSlot& s) noexcept {
    std::lock_guard lock(mu_);
    return s.parked;
}

IdleSlot* Idle::worker_to_notify(PushedTo where) noexcept {
    // Wake a parked worker only if nobody is searching already and somebody is parked.
    // relaxed for a push to the own queue (only parallelism is at stake); the seq_cst RMW
    // otherwise (see the file comment).
    std::uint32_t st = where == PushedTo::OwnQueue ? state_.load(std::memory_order_relaxed)
                                                   : state_.fetch_add(0, std::memory_order_seq_cst);
    if (searching(st) != 0 || unparked(st) >= workers_) return nullptr;
    std::lock_guard lock(mu_);
    // relaxed: a re-read under mu_, under which the parked list changes; the searching count
    // only decides whether this wake is needed for parallelism.
    st = state_.load(std::memory_order_relaxed);
    if (searching(st) != 0 || sleepers_.empty()) return nullptr;
    IdleSlot* target = sleepers_.back();
    sleepers_.pop_back();
    target->parked = false;
    target->searching = true;
    state_.fetch_add(kSearchOne + kUnparkOne, std::memory_order_seq_cst);
    return target;
}

void Idle::unpark_all() noexcept {
    std::lock_guard lock(mu_);
    for (IdleSlot* s : sleepers_)
        s->parked = false;
    sleepers_.clear();
}

}  // namespace weft::detail
