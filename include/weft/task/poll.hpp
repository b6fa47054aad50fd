#pragma once
/// \file
/// `Poll<T>`: the answer of a future's `poll`, either ready with a value or pending.

#include <cassert>
#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

namespace weft {

/// Tag meaning "not ready yet": `return weft::Pending;` from any `poll`.
struct PendingTag {
    explicit constexpr PendingTag(int) {}
};
/// The value to return from `poll` when the future is not ready.
inline constexpr PendingTag Pending{0};

/// Tag meaning "ready, with no value": `return weft::Ready;` from a `Poll<void>` poll.
struct ReadyTag {
    explicit constexpr ReadyTag(int) {}
};
/// The value to return from a `Poll<void>` poll when the future is done.
inline constexpr ReadyTag Ready{0};

/// The result of polling a future: `Ready` with a `T`, or `Pending`.
///
/// Rust's `Poll<T>` enum. A `Poll<T>` converts implicitly from a `T` (ready) and from
/// `weft::Pending`, so a hand-written `poll` reads naturally:
///
/// ```cpp
/// weft::Poll<int> poll(weft::Context& cx) {
///     if (!done_) { waker_ = cx.waker(); return weft::Pending; }
///     return 42;
/// }
/// ```
template <class T>
class Poll {
  public:
    using value_type = T;

    constexpr Poll(PendingTag) noexcept {}
    template <class U = T>
    requires std::constructible_from<T, U&&> &&(!std::same_as<std::remove_cvref_t<U>, Poll>)&&(
        !std::same_as<std::remove_cvref_t<U>, PendingTag>)constexpr Poll(U&& value)
        : value_(std::in_place, std::forward<U>(value)) {}

    /// A ready poll holding `value`.
    static constexpr Poll ready(T value) { return Poll(std::move(value)); }

    constexpr bool is_ready() const noexcept { return value_.has_value(); }
    constexpr bool is_pending() const noexcept { return !value_.has_value(); }

    /// The ready value. Precondition: `is_ready()`.
    constexpr T& value() & noexcept {
        assert(is_ready());
        return *value_;
    }
    constexpr const T& value() const& noexcept {
        assert(is_ready());
        return *value_;
    }
    constexpr T&& value() && noexcept {
        assert(is_ready());
        return std::move(*value_);
    }

    /// Applies `f` to a ready value; a pending poll stays pending.
    template <class F>
    constexpr auto map(F&& f) && -> Poll<std::invoke_result_t<F, T&&>> {
        if (is_pending()) return Pending;
        return std::forward<F>(f)(std::move(*value_));
    }

  private:
    std::optional<T> value_;
};

/// `Poll<void>`: ready or pending, with nothing to carry.
template <>
class Poll<void> {
  public:
    using value_type = void;

    constexpr Poll(PendingTag) noexcept {}
    constexpr Poll(ReadyTag) noexcept : ready_(true) {}

    static constexpr Poll ready() noexcept { return Poll(Ready); }

    constexpr bool is_ready() const noexcept { return ready_; }
    constexpr bool is_pending() const noexcept { return !ready_; }

  private:
    bool ready_ = false;
};

}  // namespace weft
