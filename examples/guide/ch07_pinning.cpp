// Chapter 7 of the weft guide: pinning.
//
// WaitForRing is a hand-written future that hands the Doorbell a pointer to itself when it is
// first polled: after that it must not move. The program shows it used correctly (polled in
// place, in a std::optional, in a coroutine frame), and shows that moving a weft::Task after
// polling it is fine, because the frame it points to stays where it is.
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "weft/weft.hpp"

class WaitForRing;

// Rings wake every future waiting on it. Single-threaded: no locks.
class Doorbell {
  public:
    void ring();

  private:
    friend class WaitForRing;
    void add(WaitForRing* w);
    void remove(WaitForRing* w);

    WaitForRing* head_ = nullptr;  // the waiting futures, linked through themselves
    int rings_ = 0;
};

// Waits for the next ring; its output is the ring's number. From its first poll until it is
// rung or destroyed, the doorbell holds a pointer to it.
class WaitForRing {
  public:
    using Output = int;

    explicit WaitForRing(Doorbell& bell) : bell_(&bell) {}
    WaitForRing(WaitForRing&&) = default;  // movable, but only before the first poll
    ~WaitForRing() {
        if (registered_) bell_->remove(this);  // dropped while waiting: unlink
    }

    weft::Poll<int> poll(weft::Context& cx) {
        pin_.pin();  // from here on, moving this future is a bug (PinCheck reports it)
        if (rung_ != 0) return rung_;
        waker_ = cx.waker();
        if (!registered_) {
            bell_->add(this);  // the doorbell now points at *this
            registered_ = true;
        }
        return weft::Pending;
    }

  private:
    friend class Doorbell;
    Doorbell* bell_;
    WaitForRing* next_ = nullptr;
    bool registered_ = false;
    int rung_ = 0;
    weft::Waker waker_;
    [[no_unique_address]] weft::PinCheck pin_;
};

void Doorbell::add(WaitForRing* w) {
    w->next_ = head_;
    head_ = w;
}

void Doorbell::remove(WaitForRing* w) {
    for (WaitForRing** p = &head_; *p != nullptr; p = &(*p)->next_) {
        if (*p == w) {
            *p = w->next_;
            return;
        }
    }
}

void Doorbell::ring() {
    ++rings_;
    WaitForRing* w = std::exchange(head_, nullptr);
    while (w != nullptr) {
        WaitForRing* next = std::exchange(w->next_, nullptr);
        w->registered_ = false;
        w->rung_ = rings_;  // writes into the future, through the pointer it gave us
        w->waker_.wake_by_ref();
        w = next;
    }
}

// WRONG, compiled but never called: a future moved after its first poll.
void moved_after_poll(Doorbell& bell) {
    weft::Context cx(weft::Waker::noop());
    WaitForRing first(bell);
    (void)first.poll(cx);                   // the doorbell now points at `first`
    WaitForRing second = std::move(first);  // with pin checks on: aborts here
    bell.ring();                            // without: rings `first`, not `second`
    (void)second.poll(cx);                  // Pending forever, and no waker will fire
}

// WRONG, compiled but never called: a vector moves its elements when it grows.
void vector_grows(Doorbell& bell) {
    weft::Context cx(weft::Waker::noop());
    std::vector<WaitForRing> waiters;
    waiters.emplace_back(bell);
    (void)waiters[0].poll(cx);
    waiters.emplace_back(bell);  // may reallocate: moves waiters[0] after its poll
}

// A future that can never move: its move constructor is deleted. It is pending `n` times,
// waking itself each time, and its output is the number of polls it took.
class Countdown {
  public:
    using Output = int;

    explicit Countdown(int n) : left_(n) {}
    Countdown(Countdown&&) = delete;

    weft::Poll<int> poll(weft::Context& cx) {
        ++polls_;
        if (left_ == 0) return polls_;
        --left_;
        cx.waker().wake_by_ref();
        return weft::Pending;
    }

  private:
    int left_;
    int polls_ = 0;
};

weft::Task<int> count_down_in_frame() {
    Countdown c(2);
    co_return co_await c;  // co_await takes an lvalue by reference: no move
}

// A coroutine: `w` lives in the coroutine frame, which is on the heap and never moves.
weft::Task<int> wait_in_frame(Doorbell& bell) {
    WaitForRing w(bell);
    int ring = co_await w;  // polled in place, in the frame
    co_return ring;
}

int main() {
    Doorbell bell;
    weft::Context cx(weft::Waker::noop());

    std::printf("1. polled in place\n");
    WaitForRing a(bell);
    std::printf("  a: %s\n", a.poll(cx).is_ready() ? "Ready" : "Pending");
    bell.ring();
    std::printf("  after ring: a = %d\n", a.poll(cx).value());

    std::printf("2. built in place in a std::optional\n");
    std::optional<WaitForRing> slot;
    slot.emplace(bell);  // constructed inside the optional: no move
    std::printf("  slot: %s\n", slot->poll(cx).is_ready() ? "Ready" : "Pending");
    bell.ring();
    std::printf("  after ring: slot = %d\n", slot->poll(cx).value());
    slot.reset();  // done with it: destroy it in place

    std::printf("3. inside a coroutine frame; the Task is moved after its first poll\n");
    weft::Task<int> task = wait_in_frame(bell);
    std::printf("  task: %s\n", task.poll(cx).is_ready() ? "Ready" : "Pending");
    weft::Task<int> moved = std::move(task);  // moves a pointer to the frame, not the frame
    bell.ring();
    std::printf("  after ring: moved task = %d\n", moved.poll(cx).value());

    std::printf("4. a future that cannot move, polled where it was built\n");
    Countdown c(3);
    std::printf("  block_on(c) = %d polls\n", weft::block_on(c));  // an lvalue: polled in place
    std::printf("  block_on(count_down_in_frame()) = %d polls\n",
                weft::block_on(count_down_in_frame()));

    std::printf("pin checks in this build of weft: %s\n", WEFT_PIN_CHECKS ? "on" : "off");
    return 0;
}
