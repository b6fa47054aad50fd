#pragma once
// Shared by the Runtime bench programs: the runtime the `rt=` and `workers=` arguments ask for.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "bench_util.hpp"
#include "weft/executor/local_executor.hpp"
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

// What a bench main on a Runtime (`rt=current|multi`, `workers=`) starts with: the workload
// named by argv[1] (or a usage line and exit 2), the k=v pairs, and the runtime they ask for.
struct RuntimeArgs {
    RuntimeArgs(int argc, char** argv, const char* workloads)
        : what(argc >= 2 ? argv[1] : usage(argv[0], workloads)),
          kv(parse(argc, argv)),
          br(runtime_from_args(kv)) {}

    std::string what;
    std::map<std::string, std::string> kv;
    BenchRuntime br;

  private:
    static const char* usage(const char* prog, const char* workloads) {
        std::fprintf(stderr, "usage: %s %s [k=v...]\n", prog, workloads);
        std::exit(2);
    }
};

// The executor the `rt=` argument asks for: rt=local (LocalExecutor), rt=current (current-thread
// Runtime) or rt=multi (the default) with `workers` workers (default 2). `run` spawns the body
// on it and waits for it, so the body is always a spawned task (on a worker, on rt=multi).
class BenchRt {
  public:
    explicit BenchRt(const std::map<std::string, std::string>& kv) {
        std::string rt = str(kv, "rt", "multi");
        if (rt == "local") {
            local_ = std::make_unique<weft::LocalExecutor>();
            params_ = "rt=local";
        } else if (rt == "current") {
            rt_ =
                std::make_unique<weft::Runtime>(weft::RuntimeBuilder::new_current_thread().build());
            params_ = "rt=current";
        } else if (rt == "multi") {
            long workers = arg(kv, "workers", 2);
            rt_ = std::make_unique<weft::Runtime>(
                weft::Runtime::builder().worker_threads(static_cast<std::size_t>(workers)).build());
            params_ = "rt=multi workers=" + std::to_string(workers);
        } else {
            std::fprintf(stderr, "rt must be local, current or multi\n");
            std::exit(2);
        }
    }
    // `body` is a callable returning a weft::Task<double> (the seconds it measured).
    template <class F>
    double run(F&& body) {
        if (local_) return local_->run(local_->spawn(std::forward<F>(body)));
        return rt_->block_on(rt_->spawn(std::forward<F>(body)));
    }
    const std::string& params() const { return params_; }

  private:
    std::unique_ptr<weft::LocalExecutor> local_;
    std::unique_ptr<weft::Runtime> rt_;
    std::string params_;
};

// What a bench main taking `rt=` starts with: the workload named by argv[1] (or a usage line
// and exit 2), the k=v pairs, the executor they ask for, and `iters=` (default 1).
struct BenchArgs {
    BenchArgs(int argc, char** argv, const char* workloads)
        : what(argc >= 2 ? argv[1] : usage(argv[0], workloads)),
          kv(parse(argc, argv)),
          rt(kv),
          iters(arg(kv, "iters", 1)),
          its(" iters=" + std::to_string(iters)) {}

    std::string what;
    std::map<std::string, std::string> kv;
    BenchRt rt;
    long iters;
    std::string its;  // " iters=K", for the output line

  private:
    static const char* usage(const char* prog, const char* workloads) {
        std::fprintf(stderr, "usage: %s %s [rt=local|current|multi] [k=v...]\n", prog, workloads);
        std::exit(2);
    }
};

}  // namespace bench
