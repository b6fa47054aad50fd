#include "weft/sync/notify.hpp"

#include <mutex>
#include <vector>

namespace weft::sync {

using Waiter = weft::detail::NotifyWaiter;
using State = Waiter::State;

Waker Notify::notify_one_locked(bool last) noexcept {
    // FIFO: the longest waiting; notify_last: LIFO, the newest.
    Waiter* w = last ? waiters_.pop_back() : waiters_.pop_front();
    if (w == nullptr) {
        permit_ = true;
        return {};
    }
    w->state = State::Notified;
    w->by_one = true;
    w->by_last = last;
    return std::move(w->waker);
}

void Notify::notify_one() {
    Waker w;
    {
        std::lock_guard lock(mu_);
        w = notify_one_locked();
    }
    std::move(w).wake();
}

void Notify::notify_last() {
    Waker w;
    {
        std::lock_guard lock(mu_);
        w = notify_one_locked(true);
    }
    std::move(w).wake();
}

void Notify::notify_waiters() {
    std::vector<Waker> wake;
    {
        std::lock_guard lock(mu_);
        // Futures created before this point compare their generation at their first poll.
        generation_.fetch_add(1, std::memory_order_release);
        while (Waiter* w = waiters_.pop_front()) {
            w->state = State::Notified;
            w->by_one = false;
            wake.push_back(std::move(w->waker));
        }
    }
    for (Waker& w : wake)
        std::move(w).wake();
}

bool Notified::poll_locked(Context* cx) {
    switch (w_.state) {
        case State::Done:
            return true;
        case State::Notified:
            w_.state = State::Done;
            return true;
        case State::Init:
            if (n_->generation_.load(std::memory_order_relaxed) != gen_) {
                w_.state = State::Done;  // a notify_waiters since this future was created
                return true;
            }
            if (n_->permit_) {
                n_->permit_ = false;
                w_.state = State::Done;
                w_.by_one = true;  // (enable keeps it as Notified: a drop passes it on)
                return true;
            }
            n_->waiters_.push_back(&w_);
            w_.state = State::Waiting;
            break;
        case State::Waiting:
            break;
    }
    if (cx != nullptr) w_.waker = cx->waker();  // clone_from: no vtable call for the same task
    return false;
}

Poll<void> Notified::poll(Context& cx) {
    pin_.pin();
    Waker replaced;  // dropped after the lock is released: a waker's drop may re-enter Notify
    std::lock_guard lock(n_->mu_);
    if (!w_.waker.will_wake(cx.waker())) replaced = std::move(w_.waker);
    if (poll_locked(&cx)) return Ready;
    return Pending;
}

void Notified::enable() {
    pin_.pin();
    std::lock_guard lock(n_->mu_);
    if (poll_locked(nullptr)) w_.state = State::Notified;  // completes at the first poll
}

Notified::~Notified() {
    if (n_ == nullptr) return;
    Waker pass_on;
    {
        std::lock_guard lock(n_->mu_);
        if (w_.state == State::Waiting) {
            n_->waiters_.remove(&w_);
        } else if (w_.state == State::Notified && w_.by_one) {
            // Picked by notify_one but never completed: the notification goes to the next
            // waiter (or back to the permit), so that dropping a future loses no wake-up.
            pass_on = n_->notify_one_locked(w_.by_last);
        }
    }
    std::move(pass_on).wake();
}

}  // namespace weft::sync
