#pragma once
/// \file
/// `TimeoutResult<T>`: the output of `timeout`: a value, or "the deadline passed first".

#include <cassert>
#include <memory>
#include <type_traits>
#include <utility>

#include "weft/time/elapsed.hpp"

namespace weft::time {

/// The output of a `timeout`: the inner future's value, or elapsed (Tokio's
/// `Result<T, Elapsed>`). Test it with `ok()` / `explicit operator bool`; `value()` and `*`
/// give the value, and `value()` throws `Elapsed` if there is none.
///
/// ```cpp
/// auto r = co_await weft::time::timeout(100ms, rx.recv());
/// if (r.is_elapsed()) co_return;  // nothing within 100 ms
/// use(*r);
/// ```
template <class T>
class [[nodiscard]] TimeoutResult {
  public:
    /// A value in time.
    explicit TimeoutResult(T value) : ok_(true) { std::construct_at(&value_, std::move(value)); }
    /// The deadline passed first.
    static TimeoutResult elapsed() noexcept { return TimeoutResult(); }

    // (A hand-written union rather than std::optional: GCC 12 at -O2 reports a disengaged
    // optional<long> as "maybe uninitialized" when it is moved, GCC bug 80635.)
    TimeoutResult(TimeoutResult&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
        : ok_(o.ok_) {
        if (ok_) std::construct_at(&value_, std::move(o.value_));
    }
    TimeoutResult& operator=(TimeoutResult&&) = delete;
    ~TimeoutResult() {
        if (ok_) std::destroy_at(&value_);
    }

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    bool is_elapsed() const noexcept { return !ok_; }

    /// The value; throws `Elapsed` if the deadline passed first.
    T& value() & {
        if (!ok_) throw Elapsed();
        return value_;
    }
    T&& value() && {
        if (!ok_) throw Elapsed();
        return std::move(value_);
    }
    T& operator*() & noexcept {
        assert(ok_);
        return value_;
    }
    T&& operator*() && noexcept {
        assert(ok_);
        return std::move(value_);
    }
    T* operator->() noexcept {
        assert(ok_);
        return &value_;
    }

  private:
    TimeoutResult() noexcept : ok_(false) {}
    bool ok_;
    union {
        T value_;  // alive when ok_
    };
};

/// The output of a `timeout` around a future with no value: completed in time, or elapsed.
template <>
class [[nodiscard]] TimeoutResult<void> {
  public:
    TimeoutResult() noexcept = default;
    static TimeoutResult elapsed() noexcept {
        TimeoutResult r;
        r.ok_ = false;
        return r;
    }
    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    bool is_elapsed() const noexcept { return !ok_; }
    /// Throws `Elapsed` if the deadline passed first.
    void value() const {
        if (!ok_) throw Elapsed();
    }

  private:
    bool ok_ = true;
};

}  // namespace weft::time
