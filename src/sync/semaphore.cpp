#include "weft/sync/semaphore.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "weft/detail/runtime/parker.hpp"
#include "weft/detail/task/driving.hpp"
#include "weft/detail/task/spawner.hpp"

namespace weft::sync {

// ---- Semaphore ----

Semaphore::Semaphore(std::size_t permits) : permits_(permits) {
    if (permits > kMaxPermits) throw std::length_error("weft::sync::Semaphore: too many permits");
}

Semaphore::~Semaphore() = default;

void Semaphore::link(Waiter* w) noexcept {
    waiters_.push_back(w);
    w->queued = true;
}

void Semaphore::unlink(Waiter* w) noexcept {
    waiters_.remove(w);
    w->queued = false;
}

void Semaphore::release(std::size_t n) noexcept {
    std::unique_lock lock(mu_);
    permits_ += n;
    // Hand the free permits to the head of the queue, in order: the head takes what there is
    // (so a large request is filled bit by bit and cannot starve behind small ones), and each
    // waiter fully served leaves the queue and is woken, with the lock released meanwhile.
    // The lock is taken again only while permits are left over for the next waiter: a release
    // of one permit (a mutex unlock, a permit dropped) locks once. Each lock round trip is a
    // move of this cache line between workers when the waiters run on the other one.
    while (!waiters_.empty() && permits_ > 0) {
        Waiter* w = waiters_.front();
        std::size_t give = std::min(permits_, w->needed);
        permits_ -= give;
        w->needed -= give;
        if (w->needed != 0) return;  // still the head, still short: later releases go on
        unlink(w);
        Waker wake = std::move(w->waker);
        // Release: publishes needed and queued to the waiter's lock-free check in poll. Set
        // under the lock, so a waiter dropped from now on (~Acquire) never touches the list.
        w->granted.store(true, std::memory_order_release);
        bool more = !waiters_.empty() && permits_ > 0;
        lock.unlock();
        std::move(wake).wake();  // w may be gone from here on
        if (!more) return;
        lock.lock();
    }
}

TryAcquireResult<SemaphorePermit> Semaphore::try_acquire(std::size_t n) {
    std::lock_guard lock(mu_);
    if (closed_) return TryAcquireError::Closed;
    if (!waiters_.empty() || permits_ < n) return TryAcquireError::NoPermits;
    permits_ -= n;
    return SemaphorePermit(this, n);
}

void Semaphore::add_permits(std::size_t n) {
    {
        std::lock_guard lock(mu_);
        if (n > kMaxPermits || permits_ > kMaxPermits - n)
            throw std::length_error("weft::sync::Semaphore::add_permits: too many permits");
    }
    release(n);
}

std::size_t Semaphore::available_permits() const {
    std::lock_guard lock(mu_);
    return permits_;
}

void Semaphore::close() {
    std::vector<Waker> wake;
    {
        std::lock_guard lock(mu_);
        closed_ = true;
        while (!waiters_.empty()) {
            Waiter* w = waiters_.front();
            unlink(w);
            permits_ += w->total - w->needed;  // what it had been handed comes back
            w->needed = w->total;
            wake.push_back(std::move(w->waker));
        }
    }
    for (Waker& w : wake)
        std::move(w).wake();
}

bool Semaphore::is_closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

std::size_t Semaphore::forget_permits(std::size_t n) {
    std::lock_guard lock(mu_);
    std::size_t take = std::min(n, permits_);
    permits_ -= take;
    return take;
}

TryAcquireResult<OwnedSemaphorePermit> Semaphore::try_acquire_owned(std::shared_ptr<Semaphore> sem,
                                                                    std::size_t n) {
    TryAcquireResult<SemaphorePermit> r = sem->try_acquire(n);
    if (!r) return r.error();
    r->forget();  // its permits now belong to the owned permit
    return OwnedSemaphorePermit(std::move(sem), n);
}

SemaphorePermit Semaphore::blocking_acquire(std::size_t n) {
    // Refused on a thread that drives tasks: they may be the ones that give permits back.
    weft::detail::refuse_blocking_in_async("weft::sync::Semaphore::blocking_acquire");
    Acquire fut(this, n);
    weft::detail::Parker& parker = weft::detail::Parker::current();
    Waker waker = parker.waker();
    Context cx(waker);
    for (;;) {
        Poll<SemaphorePermit> p = fut.poll(cx);  // (throws AcquireError once closed)
        if (p.is_ready()) return std::move(p).value();
        parker.park();  // a wake before the park leaves a token: nothing is lost
    }
}

// ---- Acquire ----

Poll<SemaphorePermit> Acquire::poll(Context& cx) {
    pin_.pin();
    // Woken by release() with every permit handed over: no lock needed (acquire: pairs with
    // the release store there, so its writes to w_ are seen, and none come after it).
    if (w_.started && w_.granted.load(std::memory_order_acquire)) {
        w_.done = true;
        return SemaphorePermit(sem_, w_.total);
    }
    Waker replaced;  // dropped after the lock is released: a waker's drop may re-enter us
    std::lock_guard lock(sem_->mu_);
    if (!w_.started) {
        w_.started = true;
        if (sem_->closed_) throw AcquireError();
        // With nobody ahead, take what is free now; the rest comes through release().
        if (sem_->waiters_.empty()) {
            std::size_t take = std::min(sem_->permits_, w_.needed);
            sem_->permits_ -= take;
            w_.needed -= take;
        }
        if (w_.needed == 0) {
            w_.done = true;
            return SemaphorePermit(sem_, w_.total);
        }
        sem_->link(&w_);
    } else if (w_.needed == 0 && !w_.queued) {
        w_.done = true;
        return SemaphorePermit(sem_, w_.total);
    } else if (!w_.queued) {  // close() took it out of the queue
        throw AcquireError();
    }
    replaced = weft::detail::replace_waker(w_.waker, cx.waker());
    return Pending;
}

Acquire::~Acquire() {
    if (sem_ == nullptr || !w_.started || w_.done) return;
    std::size_t give_back = 0;
    if (w_.granted.load(std::memory_order_acquire)) {  // as in poll: out of the queue, filled
        give_back = w_.total;
    } else {
        std::lock_guard lock(sem_->mu_);
        if (w_.queued) sem_->unlink(&w_);
        give_back = w_.total - w_.needed;  // handed to it while it waited, never used
    }
    // Back to the queue's next waiters (also when this one was the head holding them up).
    sem_->release(give_back);
}

AcquireOwned::AcquireOwned(std::shared_ptr<Semaphore> s, std::size_t n)
    : sem_(std::move(s)), inner_(sem_->acquire(n)) {}

Poll<OwnedSemaphorePermit> AcquireOwned::poll(Context& cx) {
    Poll<SemaphorePermit> p = inner_.poll(cx);
    if (p.is_pending()) return Pending;
    std::size_t n = p.value().num_permits();
    p.value().forget();
    return OwnedSemaphorePermit(sem_, n);
}

// ---- permits ----

void SemaphorePermit::throw_merge_mismatch() {
    throw std::invalid_argument(
        "weft::sync: merging a semaphore permit with a permit of another semaphore (or with "
        "itself)");
}

SemaphorePermit& SemaphorePermit::operator=(SemaphorePermit&& o) noexcept {
    if (this != &o) {
        if (sem_ != nullptr && n_ != 0) sem_->release(n_);
        sem_ = std::exchange(o.sem_, nullptr);
        n_ = std::exchange(o.n_, 0);
    }
    return *this;
}

SemaphorePermit::~SemaphorePermit() {
    if (sem_ != nullptr && n_ != 0) sem_->release(n_);
}

OwnedSemaphorePermit& OwnedSemaphorePermit::operator=(OwnedSemaphorePermit&& o) noexcept {
    if (this != &o) {
        if (sem_ && n_ != 0) sem_->release(n_);
        sem_ = std::move(o.sem_);
        n_ = std::exchange(o.n_, 0);
    }
    return *this;
}

OwnedSemaphorePermit::~OwnedSemaphorePermit() {
    if (sem_ && n_ != 0) sem_->release(n_);
}

}  // namespace weft::sync
