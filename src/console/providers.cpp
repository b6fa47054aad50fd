// The console's data sources (providers.hpp).
#include "providers.hpp"

#include <cstdio>

#include "../runtime/json.hpp"
#include "weft/runtime/runtime_metrics.hpp"

namespace weft::console::detail {

std::string json_string(std::string_view s) {
    std::string out;
    weft::detail::append_json_string(out, s);
    return out;
}

std::string stall_json(const runtime::StallReport& r) {
    std::string o = "{\"task_id\":";
    o += r.task_id ? std::to_string(r.task_id->value()) : "null";
    o += ",\"task_name\":" + json_string(r.task_name);
    o += ",\"spawn_file\":" + json_string(r.spawn_file);
    o += ",\"spawn_line\":" + std::to_string(r.spawn_line);
    o += ",\"spawn_function\":" + json_string(r.spawn_function);
    o += ",\"await_file\":" + json_string(r.await_file);
    o += ",\"await_line\":" + std::to_string(r.await_line);
    o += ",\"await_function\":" + json_string(r.await_function);
    o += ",\"running_ns\":" + std::to_string(r.running.count());
    o += ",\"threshold_ns\":" + std::to_string(r.threshold.count());
    o += ",\"worker\":" + std::to_string(r.worker);
    o += ",\"native_stack\":[";
    for (std::size_t i = 0; i < r.native_stack.size(); ++i) {
        if (i > 0) o += ',';
        o += json_string(r.native_stack[i].to_string());
    }
    return o + "]}";
}

Task<std::string> dump_json(Handle h) {
    runtime::Dump d = co_await h.dump();
    co_return d.to_json();
}

std::string metrics_json(const Handle& h) {
    return metrics::to_json(h.metrics());
}

std::string metrics_prometheus(const Handle& h) {
    return metrics::to_prometheus(h.metrics());
}

}  // namespace weft::console::detail
