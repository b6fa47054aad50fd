#pragma once
/// \file
/// `weft::run`: the whole of a program's `main`.

#include <type_traits>
#include <utility>

#include "weft/runtime/runtime.hpp"

namespace weft {

/// Builds a default `Runtime`, runs `main_future` on it and returns its output; the runtime is
/// shut down before `run` returns.
///
/// ```cpp
/// weft::Task<int> async_main() { co_return 0; }
/// int main() { return weft::run(async_main()); }
/// ```
template <class F>
requires Future<F> || detail::FutureFactory<std::decay_t<F>>
decltype(auto) run(F&& main_future) {
    Runtime rt;
    return rt.block_on(std::forward<F>(main_future));
}

}  // namespace weft
