#pragma once
// Internal: the futex calls the runtime sleeps on (Parker, the blocking pool's slots).
//
// FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline (steady_clock's clock), or none,
// so a caller's deadline survives spurious returns and retries unchanged; every caller loops
// on its word, since the wait also returns on a signal or a wake meant for an earlier value.
// PRIVATE: the words are never shared with another process.

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <type_traits>

namespace weft::detail {

/// Sleeps while `word` still holds `expected`, until woken or `deadline` (null: none) passes.
template <class Word>
void futex_wait(std::atomic<Word>& word, std::type_identity_t<Word> expected,
                const timespec* deadline) noexcept {
    static_assert(sizeof(Word) == 4 && std::is_integral_v<Word>, "a futex word is 32 bits");
    syscall(SYS_futex, reinterpret_cast<Word*>(&word), FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG,
            expected, deadline, nullptr, FUTEX_BITSET_MATCH_ANY);
}

/// Wakes one thread sleeping on `word`.
template <class Word>
void futex_wake_one(std::atomic<Word>& word) noexcept {
    syscall(SYS_futex, reinterpret_cast<Word*>(&word), FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, nullptr,
            nullptr, 0);
}

/// A steady_clock time as futex_wait's absolute deadline.
inline timespec futex_deadline(std::chrono::steady_clock::time_point t) noexcept {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
    ts.tv_nsec = static_cast<long>(ns % 1000000000);
    return ts;
}

}  // namespace weft::detail
