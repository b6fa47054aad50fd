#pragma once
/// \file
/// `ready(v)`: a future that is immediately ready with a value.

#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/task/platform.hpp"
#include "weft/future/future.hpp"

namespace weft {

/// A future ready on its first poll: Rust's `std::future::Ready`. Made by `ready(v)`.
/// Polling it again after it gave its value throws `std::logic_error`.
template <class T>
class ReadyFuture {
  public:
    using Output = T;
    explicit ReadyFuture(T value) : value_(std::move(value)) {}
    Poll<T> poll(Context&) {
        if (!value_) detail::panic("weft::ReadyFuture polled after completion");
        T v = std::move(*value_);
        value_.reset();
        return v;
    }

  private:
    std::optional<T> value_;
};

template <>
class ReadyFuture<void> {
  public:
    using Output = void;
    Poll<void> poll(Context&) noexcept { return Ready; }
};

/// A future that is ready at once with `value`.
///
/// ```cpp
/// weft::Task<int> f() { co_return co_await weft::ready(7); }
/// ```
template <class T>
ReadyFuture<std::decay_t<T>> ready(T&& value) {
    return ReadyFuture<std::decay_t<T>>(std::forward<T>(value));
}

/// A `void` future that is ready at once.
inline ReadyFuture<void> ready() noexcept {
    return {};
}

}  // namespace weft
