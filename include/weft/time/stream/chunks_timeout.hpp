#pragma once
/// \file
/// `chunks_timeout(n, d)`: a stream's items in batches of up to `n`, each at most `d` old.

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "weft/detail/stream/adaptor.hpp"
#include "weft/stream/adaptor.hpp"
#include "weft/time/instant.hpp"
#include "weft/time/sleep.hpp"

namespace weft::stream {

/// The items of `S` in vectors of up to `n`: a batch goes out when it is full, when `d` has
/// passed since its first item arrived, or when the source ends (tokio-stream's
/// `StreamExt::chunks_timeout`). It is how a consumer writes in bulk without letting a quiet
/// period delay the first item by more than `d`. Made by `chunks_timeout`.
template <Stream S>
class ChunksTimeout {
  public:
    using Item = std::vector<item_t<S>>;
    ChunksTimeout(S s, std::size_t n, std::chrono::nanoseconds d) : s_(std::move(s)), n_(n), d_(d) {
        if (n == 0) throw std::invalid_argument("weft::stream::chunks_timeout: n must be > 0");
    }
    ChunksTimeout(ChunksTimeout&& o)  // before the first poll
        : s_(std::move(o.s_)), n_(o.n_), d_(o.d_) {}

    Poll<std::optional<Item>> poll_next(Context& cx) {
        detail::pull_while(
            s_, cx, [&] { return chunk_.size() < n_; },
            [&](item_t<S>&& v) {
                if (chunk_.empty()) {  // the first item starts the clock
                    time::Instant due = time::Instant::now() + d_;
                    if (sleep_) {
                        sleep_->reset(due);
                    } else {
                        sleep_.emplace(due);
                    }
                }
                chunk_.push_back(std::move(v));
            });
        if (chunk_.size() == n_) return take();
        if (chunk_.empty()) {
            if (s_.ended()) return std::optional<Item>();
            return Pending;
        }
        if (s_.ended() || sleep_->poll(cx).is_ready()) return take();
        return Pending;
    }

  private:
    std::optional<Item> take() {
        std::optional<Item> out(std::move(chunk_));
        chunk_.clear();
        chunk_.reserve(n_);
        return out;
    }
    detail::Fuse<S> s_;
    std::size_t n_;
    std::chrono::nanoseconds d_;
    Item chunk_;
    std::optional<time::Sleep> sleep_;  // the deadline of the current chunk
};

/// Batches of up to `n` items, none waiting more than `d`.
///
/// ```cpp
/// auto batches = weft::stream::ReceiverStream(std::move(rx))
///              | weft::stream::chunks_timeout(100, 10ms);
/// while (auto batch = co_await weft::stream::next(batches)) co_await db.insert_all(*batch);
/// ```
template <Stream S, class Rep, class Period>
ChunksTimeout<S> chunks_timeout(S s, std::size_t n, std::chrono::duration<Rep, Period> d) {
    return ChunksTimeout<S>(std::move(s), n,
                            std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}
/// `chunks_timeout` for the pipe.
template <class Rep, class Period>
auto chunks_timeout(std::size_t n, std::chrono::duration<Rep, Period> d) {
    return detail::pipe_form<ChunksTimeout>(
        n, std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

}  // namespace weft::stream
