// The console's data sources (providers.hpp).
#include "providers.hpp"

#include <cstdio>

#include "weft/runtime/runtime_metrics.hpp"

namespace weft::console::detail {

std::string json_string(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
    return out;
}

namespace {
std::atomic<std::uint64_t> fake_polls{0};
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
