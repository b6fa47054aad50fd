#pragma once
/// \file
/// `enumerate()`: each item of a stream with its index.

#include <cstddef>
#include <optional>
#include <utility>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"

namespace weft::stream {

/// `(index, item)` pairs, from index 0 (Rust's `StreamExt::enumerate`). Made by `enumerate`.
template <Stream S>
class Enumerate {
  public:
    using Item = std::pair<std::size_t, item_t<S>>;
    explicit Enumerate(S s) : s_(std::move(s)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        auto p = s_.poll_next(cx);
        if (p.is_pending()) return Pending;
        if (!p.value()) return std::optional<Item>();
        return std::optional<Item>(std::in_place, i_++, std::move(*p.value()));
    }

  private:
    S s_;
    std::size_t i_ = 0;
};

/// Numbers the items: `for (auto [i, v] ...)`.
template <Stream S>
Enumerate<S> enumerate(S s) {
    return Enumerate<S>(std::move(s));
}
/// `enumerate` for the pipe: `s | enumerate()`.
inline auto enumerate() {
    return detail::pipe_form<Enumerate>();
}

}  // namespace weft::stream
