// libFuzzer target: the HTTP request parser and the path sanitiser must never crash, leak or
// hang on any bytes, and must keep their promises:
//   - a complete request consumes no more than it was given, and at least one byte;
//   - parsing is prefix-stable: the same bytes cut just before the request's end need more;
//   - an error carries one of the statuses the parser documents;
//   - a sanitised path joined to a root never leaves it lexically (no "..", no leading '/',
//     no empty or "." segment, no NUL or backslash).
// The same input is also parsed under tiny limits, so the 414/431/413 paths are reached.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http_parser.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void check_path(std::string_view target) {
    web_server::SanitizedPath p = web_server::sanitize_path(target);
    if (!p.ok()) {
        check(p.status == 400 || p.status == 403);
        return;
    }
    std::string_view rest = p.path;
    check(rest.find('\0') == std::string_view::npos);
    check(rest.find('\\') == std::string_view::npos);
    if (rest.empty()) return;
    for (;;) {
        std::size_t slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        check(!seg.empty() && seg != "." && seg != "..");
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
}

void check_parse(std::string_view in, const web_server::Limits& limits) {
    web_server::ParseResult r = web_server::parse_request(in, limits);
    if (r.error()) {
        switch (r.status) {
            case 400:
            case 411:
            case 413:
            case 414:
            case 431:
            case 501:
            case 505:
                break;
            default:
                check(false);
        }
        return;
    }
    if (!r.complete()) return;
    check(r.consumed > 0 && r.consumed <= in.size());
    check(r.request.body.size() <= limits.max_body);
    check(!r.request.target.empty());
    check(r.request.target == "*" || r.request.target.front() == '/');
    web_server::ParseResult again = web_server::parse_request(in.substr(0, r.consumed), limits);
    check(again.complete() && again.consumed == r.consumed);
    web_server::ParseResult cut = web_server::parse_request(in.substr(0, r.consumed - 1), limits);
    check(cut.need_more());
    check_path(r.request.target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    check_parse(in, web_server::Limits{});
    web_server::Limits tiny;
    tiny.max_request_line = 32;
    tiny.max_head_bytes = 96;
    tiny.max_headers = 3;
    tiny.max_body = 16;
    check_parse(in, tiny);
    check_path(in);
    return 0;
}
