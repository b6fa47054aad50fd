#pragma once
// Internal: the hierarchical timing wheel behind weft::time (driven by time_driver.cpp).
//
// Time is counted in ticks of 1 ms since the driver started. The wheel has 6 levels of 64
// slots: a level-L slot spans 64^L ticks, so level 0 holds the next 64 ms one tick per slot and
// level 5 spans 64^6 ms (about 2.2 years). An entry goes to the level of the highest 6-bit digit
// in which its deadline differs from `elapsed` (the tick up to which everything has fired), in
// the slot named by that digit of its deadline. Insert and remove are O(1) (intrusive lists, no
// allocation); finding the next deadline is one count-trailing-zeros per level on a bitmap of
// occupied slots. When time reaches a slot of level L > 0, its entries are put back in at lower
// levels ("cascade"); an entry moves down at most 5 times in its life.
//
// Invariant: every occupied slot begins after `elapsed` at its level, because `elapsed` only
// advances by processing slots in time order. So the lowest non-empty level holds the earliest
// entries, and within it the first occupied slot at or after the current position.
//
// Entries further out than the current 2^36-tick cycle (sleeps of years, or "forever") wait
// in an unsorted overflow list that is looked at once per cycle.

#include <atomic>
#include <bit>
#include <cassert>
#include <cstdint>
#include <optional>

#include "weft/task/waker.hpp"

namespace weft::detail {

/// A timer registration, embedded in the future that sleeps (weft::time::Sleep), so that
/// registering allocates nothing. Every field but `state` is guarded by the driver's lock.
struct TimerEntry {
    enum State : std::uint8_t {
        Idle,        // not in the wheel
        Registered,  // in the wheel, `waker` set
        Fired,       // deadline reached; the waker was taken and called
        Shutdown,    // the runtime that owned the wheel is gone
    };
    TimerEntry* prev = nullptr;
    TimerEntry* next = nullptr;
    std::uint64_t tick = 0;  // deadline, in ticks, rounded up (a timer never fires early)
    Waker waker;
    std::uint8_t level = 0, slot = 0;  // where it is linked; kOverflow for the overflow list
    // Written under the driver's lock, read without it by the sleeping future's poll and
    // destructor: Fired is stored (release) after the driver's last touch of the entry.
    std::atomic<std::uint8_t> state{Idle};
};

class TimerWheel {
  public:
    static constexpr unsigned kLevels = 6;
    static constexpr unsigned kSlotBits = 6;
    static constexpr unsigned kSlots = 1u << kSlotBits;
    static constexpr unsigned kCycleBits = kLevels * kSlotBits;  // 36
    static constexpr std::uint8_t kOverflow = 0xff;

    std::uint64_t elapsed() const noexcept { return elapsed_; }
    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }

    /// Links `e` (e->tick > elapsed()).
    void insert(TimerEntry* e) noexcept {
        assert(e->tick > elapsed_);
        ++count_;
        link(e);
    }

    /// Unlinks `e`, which is in the wheel.
    void remove(TimerEntry* e) noexcept {
        --count_;
        TimerEntry*& head = e->level == kOverflow ? overflow_ : slots_[e->level][e->slot];
        if (e->prev != nullptr) {
            e->prev->next = e->next;
        } else {
            head = e->next;
        }
        if (e->next != nullptr) e->next->prev = e->prev;
        if (e->level != kOverflow && head == nullptr)
            occupied_[e->level] &= ~(std::uint64_t{1} << e->slot);
        e->prev = e->next = nullptr;
    }

    /// The tick at which the driver must next look: the start of the earliest occupied slot
    /// (its entries may lie later in the slot, then they cascade), or the next cycle if only
    /// the overflow list has entries. Empty if nothing is registered.
    std::optional<std::uint64_t> next_expiration() const noexcept {
        if (auto next = next_slot()) return next->start;
        return std::nullopt;
    }

    /// Advances to tick `now`: unlinks every entry whose tick is <= now and passes it to
    /// `fire`, and cascades the rest of each slot reached.
    template <class Fire>
    void advance(std::uint64_t now, Fire&& fire) {
        while (count_ != 0) {
            auto next = next_slot();
            if (!next || next->start > now) break;
            std::uint64_t start = next->start;
            TimerEntry* list;
            if (next->level < kLevels) {
                list = std::exchange(slots_[next->level][next->slot], nullptr);
                occupied_[next->level] &= ~(std::uint64_t{1} << next->slot);
            } else {
                list = std::exchange(overflow_, nullptr);
            }
            if (start > elapsed_) elapsed_ = start;
            while (list != nullptr) {
                TimerEntry* e = list;
                list = e->next;
                e->prev = e->next = nullptr;
                if (e->tick <= now) {
                    --count_;
                    fire(e);  // may free `e`'s owner: e is not touched again
                } else {
                    link(e);
                }
            }
        }
        if (now > elapsed_) elapsed_ = now;
    }

  private:
    // The earliest occupied slot (level == kLevels: the overflow list) and the tick it begins.
    struct NextSlot {
        unsigned level, slot;
        std::uint64_t start;
    };
    std::optional<NextSlot> next_slot() const noexcept {
        for (unsigned level = 0; level < kLevels; ++level) {
            if (occupied_[level] == 0) continue;
            unsigned slot = first_slot(level);
            return NextSlot{level, slot, slot_start(level, slot)};
        }
        if (overflow_ != nullptr) return NextSlot{kLevels, 0, next_cycle()};
        return std::nullopt;
    }

    static constexpr std::uint64_t span(unsigned level) noexcept {
        return std::uint64_t{1} << (level * kSlotBits);
    }
    std::uint64_t next_cycle() const noexcept {
        return ((elapsed_ >> kCycleBits) + 1) << kCycleBits;
    }
    // The first occupied slot of `level` at or after the current position (by the invariant
    // there is one if the level is not empty; wrapping is handled for safety).
    unsigned first_slot(unsigned level) const noexcept {
        unsigned pos = static_cast<unsigned>(elapsed_ >> (level * kSlotBits)) & (kSlots - 1);
        std::uint64_t ahead = occupied_[level] & (~std::uint64_t{0} << pos);
        return static_cast<unsigned>(std::countr_zero(ahead != 0 ? ahead : occupied_[level]));
    }
    std::uint64_t slot_start(unsigned level, unsigned slot) const noexcept {
        std::uint64_t base = elapsed_ & ~(span(level + 1) - 1);
        std::uint64_t start = base + slot * span(level);
        unsigned pos = static_cast<unsigned>(elapsed_ >> (level * kSlotBits)) & (kSlots - 1);
        if (slot < pos)
            start += span(level + 1);  // wrapped (not reached while the invariant holds)
        return start;
    }
    void link(TimerEntry* e) noexcept {
        TimerEntry** head;
        if ((e->tick >> kCycleBits) != (elapsed_ >> kCycleBits)) {
            e->level = kOverflow;
            head = &overflow_;
        } else {
            std::uint64_t differing = (elapsed_ ^ e->tick) | (kSlots - 1);
            unsigned level = static_cast<unsigned>(63 - std::countl_zero(differing)) / kSlotBits;
            unsigned slot = static_cast<unsigned>(e->tick >> (level * kSlotBits)) & (kSlots - 1);
            e->level = static_cast<std::uint8_t>(level);
            e->slot = static_cast<std::uint8_t>(slot);
            head = &slots_[level][slot];
            occupied_[level] |= std::uint64_t{1} << slot;
        }
        e->prev = nullptr;
        e->next = *head;
        if (*head != nullptr) (*head)->prev = e;
        *head = e;
    }

    std::uint64_t elapsed_ = 0;
    std::size_t count_ = 0;
    std::uint64_t occupied_[kLevels] = {};
    TimerEntry* slots_[kLevels][kSlots] = {};
    TimerEntry* overflow_ = nullptr;
};

}  // namespace weft::detail
