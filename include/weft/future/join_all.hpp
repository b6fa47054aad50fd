#pragma once
/// \file
/// `join_all(range)`: wait for every future of a range.

#include <exception>
#include <iterator>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/future/future.hpp"
#include "weft/future/pin_check.hpp"

namespace weft {

/// The future returned by `join_all`: output is a `std::vector` of the outputs, in order.
template <Future F>
class JoinAll {
    using Out = value_or_monostate_t<output_t<F>>;

  public:
    using Output = std::vector<Out>;

    template <std::ranges::input_range R>
    explicit JoinAll(R&& range) {
        if constexpr (std::ranges::sized_range<R>) futs_.reserve(std::ranges::size(range));
        for (auto&& f : range)
            futs_.emplace_back(std::in_place, std::move(f));
        outs_.resize(futs_.size());
        remaining_ = futs_.size();
    }

    Poll<Output> poll(Context& cx) {
        pin_.pin();
        for (std::size_t i = 0; i < futs_.size() && remaining_ > 0; ++i) {
            auto& fut = futs_[i];
            if (!fut) continue;
            try {
                auto p = fut->poll(cx);
                if (p.is_pending()) continue;
                if constexpr (std::is_void_v<output_t<F>>) {
                    outs_[i].emplace();
                } else {
                    outs_[i].emplace(std::move(p).value());
                }
            } catch (...) {
                if (!error_) error_ = std::current_exception();
            }
            fut.reset();
            --remaining_;
        }
        if (remaining_ > 0) return Pending;
        if (error_) std::rethrow_exception(std::exchange(error_, {}));
        Output out;
        out.reserve(outs_.size());
        for (auto& o : outs_)
            out.push_back(std::move(*o));
        return out;
    }

  private:
    std::vector<std::optional<F>> futs_;  // never resized after construction: children stay put
    std::vector<std::optional<Out>> outs_;
    std::size_t remaining_ = 0;
    std::exception_ptr error_;
    [[no_unique_address]] PinCheck pin_;
};

/// Runs every future of `range` concurrently on the current task; completes with their
/// outputs in range order. Exceptions behave as in `join`: all run to completion, then the
/// first exception is rethrown.
///
/// Each poll polls every unfinished child, which suits tens or hundreds of futures; for
/// thousands, spawn them and await the `JoinHandle`s, so that a wake costs one poll.
///
/// ```cpp
/// std::vector<weft::Task<int>> tasks;
/// for (int i = 0; i < 10; ++i) tasks.push_back(square(i));
/// std::vector<int> squares = co_await weft::join_all(std::move(tasks));
/// ```
template <std::ranges::input_range R>
requires Future<std::ranges::range_value_t<R>> JoinAll<std::ranges::range_value_t<R>> join_all(
    R&& range) {
    return JoinAll<std::ranges::range_value_t<R>>(std::forward<R>(range));
}

}  // namespace weft
