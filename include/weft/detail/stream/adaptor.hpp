#pragma once
/// \file
/// What the stream adaptors share: their pipe form, a source that stays ended, and pulling
/// ready items from a source while there is room.
///
/// Design: each adaptor (`Map`, `Merge`, `Buffered`, ...) stays a plain class template with its
/// own `poll_next`: no base class, no virtual call, no allocation, all of it inlinable. What
/// recurs across them is three small pieces, kept here once:
///
/// - `pipe_form<C, Ts...>(args...)`: the `s | combinator(args...)` overload every adaptor has;
///   it captures `args` and makes `C<S, Ts...>(s, args...)` for the piped stream `S`.
/// - `Fuse<S>`: a source polled until it ends, then never again (Rust's `Fuse`); what `merge`,
///   `take_while` and the concurrent adaptors each kept a `done` flag and its logic for.
/// - `pull_while`: takes a fused source's ready items while the adaptor has room for them
///   (`buffered`, `buffer_unordered`, `for_each_concurrent`, `chunks_timeout`).

#include <optional>
#include <utility>

#include "weft/stream/adaptor.hpp"
#include "weft/stream/stream.hpp"

namespace weft::detail {

/// The pipe form of the adaptor class template `C`: an `Adaptor` that, given the stream `s`,
/// makes `C<S, Ts...>(std::move(s), args...)`, the captured `args` moved in. `Ts` are the
/// adaptor's template parameters after the stream (`pipe_form<Map, F>(f)`), none for those
/// with none (`pipe_form<Skip>(n)`).
template <template <class...> class C, class... Ts, class... Args>
auto pipe_form(Args... args) {
    return stream::Adaptor([... args = std::move(args)]<stream::Stream S>(S s) mutable {
        return C<S, Ts...>(std::move(s), std::move(args)...);
    });
}

/// The stream `S` until it ends, then its end again on every poll without polling `S`, which
/// may not be polled past its end. `end()` ends it early (the adaptor wants no more items).
template <stream::Stream S>
class Fuse {
  public:
    using Item = stream::item_t<S>;
    explicit Fuse(S s) : s_(std::move(s)) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        if (ended_) return std::optional<Item>();
        auto p = s_.poll_next(cx);
        if (p.is_ready() && !p.value()) ended_ = true;
        return p;
    }

    /// Whether the source has ended (or `end()` was called).
    bool ended() const noexcept { return ended_; }
    /// From now on the source counts as ended and is not polled again.
    void end() noexcept { ended_ = true; }

  private:
    S s_;
    bool ended_ = false;
};

/// Takes the items `src` has ready, one by one, while `room()` holds, handing each to
/// `push(item)`. It stops at the source's first Pending (which registered the waker of `cx`),
/// at its end (`src.ended()` is then true), or when `room()` is false.
template <class S, class Room, class Push>
void pull_while(Fuse<S>& src, Context& cx, Room&& room, Push&& push) {
    while (!src.ended() && room()) {
        auto p = src.poll_next(cx);
        if (p.is_pending() || !p.value()) return;
        push(std::move(*p.value()));
    }
}

}  // namespace weft::detail
