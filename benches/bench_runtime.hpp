#pragma once
// Shared by the Runtime bench programs: the runtime the `rt=` and `workers=` arguments ask for.

#include <map>
#include <string>

#include "bench_util.hpp"
#include "weft/runtime/runtime.hpp"
#include "weft/runtime/runtime_builder.hpp"

namespace bench {

// rt=current: a current-thread runtime; otherwise (rt=multi, the default) `workers` workers
// (default 2). `params` is the matching part of the result line.
struct BenchRuntime {
    weft::Runtime rt;
    std::string params;
};

inline BenchRuntime runtime_from_args(const std::map<std::string, std::string>& kv) {
    long workers = arg(kv, "workers", 2);
    auto it = kv.find("rt");
    if (it != kv.end() && it->second == "current")
        return {weft::RuntimeBuilder::new_current_thread().build(), "rt=current"};
    return {weft::Runtime::builder().worker_threads(static_cast<std::size_t>(workers)).build(),
            "rt=multi workers=" + std::to_string(workers)};
}

}  // namespace bench
