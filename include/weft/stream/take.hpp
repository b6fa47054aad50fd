#pragma once
/// \file
/// `take(n)`: the first `n` items of a stream.

#include <cstddef>
#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The first `n` items of `S`, then the end; `S` is not polled again after the `n`-th (Rust's
/// `StreamExt::take`). Made by `take`.
template <Stream S>
class Take {
  public:
    using Item = item_t<S>;
    Take(S s, std::size_t n) : s_(std::move(s)), left_(n) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        if (left_ == 0) return std::optional<Item>();
        auto p = s_.poll_next(cx);
        if (p.is_pending()) return Pending;
        if (p.value()) {
            --left_;
        } else {
            left_ = 0;
        }
        return p;
    }

  private:
    S s_;
    std::size_t left_;
};

/// At most the first `n` items.
///
/// ```cpp
/// auto first3 = std::move(ticks) | weft::stream::take(3);
/// ```
template <Stream S>
Take<S> take(S s, std::size_t n) {
    return Take<S>(std::move(s), n);
}
/// `take` for the pipe.
inline auto take(std::size_t n) {
    return detail::pipe_form<Take>(n);
}

}  // namespace weft::stream
