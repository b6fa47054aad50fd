#pragma once
/// \file
/// `skip(n)`: a stream without its first `n` items.

#include <cstddef>
#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// The items of `S` after the first `n` (Rust's `StreamExt::skip`). Made by `skip`.
template <Stream S>
class Skip {
  public:
    using Item = item_t<S>;
    Skip(S s, std::size_t n) : s_(std::move(s)), left_(n) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        for (;;) {
            auto p = s_.poll_next(cx);
            if (p.is_pending() || !p.value() || left_ == 0) return p;
            --left_;  // skipped
        }
    }

  private:
    S s_;
    std::size_t left_;
};

/// Drops the first `n` items.
template <Stream S>
Skip<S> skip(S s, std::size_t n) {
    return Skip<S>(std::move(s), n);
}
/// `skip` for the pipe: `s | skip(2)`.
inline auto skip(std::size_t n) {
    return detail::pipe_form<Skip>(n);
}

}  // namespace weft::stream
