#pragma once
// The console's data sources, each as the text it serves (console.cpp): the task dump and the
// metrics come from the runtime's own APIs (Handle::dump, Handle::metrics) and their own
// exporters, so the page shows exactly what a program would get from them. The stall feed keeps
// the last reports of the stall detector, which the console chains itself to when it is enabled
// through the builder or WEFT_CONSOLE (autostart.cpp).
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/runtime/handle.hpp"
#include "weft/runtime/stall_report.hpp"

namespace weft::console::detail {

// Handle::dump() as JSON (Dump::to_json): {"tasks":[{"id":..,"name":..,...},...]}.
Task<std::string> dump_json(Handle h);
// Handle::metrics() as JSON (weft::metrics::to_json) and as Prometheus text.
std::string metrics_json(const Handle& h);
std::string metrics_prometheus(const Handle& h);

// A stall report as one JSON object: {"task_id":3|null,"task_name":..,"spawn_file":..,
// "spawn_line":..,"spawn_function":..,"await_file":..,"await_line":..,"await_function":..,
// "running_ns":..,"threshold_ns":..,"worker":..,"native_stack":["0x.. fn+0x.. (obj+0x..)",..]}.
std::string stall_json(const runtime::StallReport& r);

// `s` as a JSON string literal, quotes included.
std::string json_string(std::string_view s);

// The recent stall reports, as JSON objects, numbered from 1. Written by the stall detector's
// thread, read by the console's connections: a mutex, held for a copy.
class StallFeed {
  public:
    static constexpr std::size_t kKeep = 100;
    void push(std::string json) {
        std::lock_guard<std::mutex> g(mu_);
        ++last_;
        items_.emplace_back(last_, std::move(json));
        if (items_.size() > kKeep) items_.pop_front();
    }
    // The reports numbered after `after`, and the number of the last one.
    std::pair<std::vector<std::string>, std::uint64_t> since(std::uint64_t after) const {
        std::lock_guard<std::mutex> g(mu_);
        std::vector<std::string> out;
        for (const auto& [n, json] : items_)
            if (n > after) out.push_back(json);
        return {std::move(out), last_};
    }

  private:
    mutable std::mutex mu_;
    std::uint64_t last_ = 0;
    std::deque<std::pair<std::uint64_t, std::string>> items_;
};

}  // namespace weft::console::detail
