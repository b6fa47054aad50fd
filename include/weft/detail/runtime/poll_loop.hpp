#pragma once
// Internal: the loop at the heart of every "run this future to completion on this thread"
// (weft::block_on, LocalExecutor::run).

#include <type_traits>
#include <utility>

#include "weft/future/future.hpp"
#include "weft/task/context.hpp"

namespace weft::detail {

/// Polls `fut` with `cx` whenever `woken()` says its waker fired, calling `wait()` in between
/// (park, or run other tasks), until it is ready; returns its output (or its exception).
template <Future F, class Woken, class Wait>
output_t<F> poll_until_ready(F& fut, Context& cx, Woken&& woken, Wait&& wait) {
    for (;;) {
        if (woken()) {
            auto p = fut.poll(cx);
            if (p.is_ready()) {
                if constexpr (std::is_void_v<output_t<F>>) {
                    return;
                } else {
                    return std::move(p).value();
                }
            }
        }
        wait();
    }
}

}  // namespace weft::detail
