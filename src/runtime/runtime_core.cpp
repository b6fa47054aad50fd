#include "weft/detail/runtime/runtime_core.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

#include "weft/task/task_id.hpp"

namespace weft::detail {

RuntimeCore* start_multi_thread(RuntimeConfig cfg);    // multi_thread/multi_thread.cpp
RuntimeCore* start_current_thread(RuntimeConfig cfg);  // current_thread.cpp

RuntimeCore* start_runtime(RuntimeConfig cfg) {
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
