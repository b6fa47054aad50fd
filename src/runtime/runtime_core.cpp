#include "weft/detail/runtime/runtime_core.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "weft/task/task_id.hpp"

namespace weft::detail {

RuntimeCore* start_multi_thread(RuntimeConfig cfg);    // multi_thread/multi_thread.cpp
RuntimeCore* start_current_thread(RuntimeConfig cfg);  // current_thread.cpp

// The console (weft/console/console.hpp) starts with the runtime when the builder's
// enable_console or the WEFT_CONSOLE variable asks for it. It is defined in a higher layer, in
// src/console/autostart.cpp, which explains why the runtime calls up into it by name.
RuntimeCore* start_with_console(RuntimeConfig cfg, std::string addr, bool required);

namespace {

// WEFT_CONSOLE: unset, empty or "0": off; "1": the default address; else the address. Only
// the first runtime of the process that asks gets it (a program's second runtime, a test
// suite's hundredth, would only find the port taken).
std::string console_from_env() {
    static std::atomic<bool> taken{false};
    const char* env = std::getenv("WEFT_CONSOLE");
    if (env == nullptr) return {};
    std::string_view v = env;
    if (v.empty() || v == "0") return {};
    if (taken.exchange(true, std::memory_order_relaxed)) return {};  // only the flag matters
    return v == "1" ? std::string(kDefaultConsoleAddr) : std::string(v);
}

}  // namespace

RuntimeCore* start_runtime(RuntimeConfig cfg) {
    if (!cfg.console.empty()) {
        std::string addr = std::move(cfg.console);
        return start_with_console(std::move(cfg), std::move(addr), /*required=*/true);
    }
    if (std::string addr = console_from_env(); !addr.empty())
        return start_with_console(std::move(cfg), std::move(addr), /*required=*/false);
    return start_flavour(std::move(cfg));
}

RuntimeCore* start_flavour(RuntimeConfig cfg) {
    if (cfg.current_thread) return start_current_thread(std::move(cfg));
    if (cfg.start_paused) {
        throw std::logic_error(
            "weft: start_paused needs a current-thread runtime (only there can the runtime tell "
            "that every task is idle and move the clock)");
    }
    return start_multi_thread(std::move(cfg));
}

void RuntimeCore::unhandled(TaskHeader* t, const std::exception_ptr& e) noexcept {
    if (policy_ == UnhandledPolicy::Ignore) return;
    if (policy_ == UnhandledPolicy::ShutdownRuntime) {
        fail(e);
        return;
    }
    // UnhandledPolicy::Log
    std::string what = "unknown exception";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        what = ex.what();
    } catch (...) {
    }
    try {
        std::fprintf(stderr, "weft: task %llu failed with an unhandled exception: %s\n",
                     static_cast<unsigned long long>(task_id_of(t).value()), what.c_str());
    } catch (...) {  // no memory for the id: say it without one
        std::fprintf(stderr, "weft: a task failed with an unhandled exception: %s\n", what.c_str());
    }
}

}  // namespace weft::detail
