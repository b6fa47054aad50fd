#pragma once
// Internal: writing HTTP/1.1 response heads, shared by weft-http (apps/web_server) and the live
// dashboard (weft::console). Every head goes through write_head, so each one has a Date, a
// Server, a framing header and a Connection header saying what the server will do:
//   - a Content-Length (also on HEAD, 304 and errors: the framing of a keep-alive connection
//     never depends on closing it), or
//   - for a body that runs until the connection closes (`until_close`: a server-sent-events
//     stream), no length and `Connection: close`, which is how HTTP/1.1 frames such a body
//     (RFC 9112 6.3, rule 8) without chunked coding.
// Responses are appended to an output string that the caller writes out once per batch.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace weft::detail::http {

struct Head {
    int status = 200;
    std::string_view server = "weft";  // the Server header
    std::string_view content_type;     // empty: no Content-Type
    std::uint64_t content_length = 0;
    bool until_close = false;  // no Content-Length: the body ends when the connection closes
    bool keep_alive = true;    // else `Connection: close` (always so with until_close)
    std::optional<std::time_t> last_modified;
    std::string_view location;       // 301: where to
    std::string_view allow;          // 405: which methods
    std::string_view cache_control;  // empty: none
};

// Appends the status line and headers (and the blank line) to `out`.
void write_head(std::string& out, const Head& h);

// Appends a whole response whose body is `body` (the body only if `with_body`: HEAD gets the
// same headers, Content-Length included, and no body).
void write_response(std::string& out, Head h, std::string_view body, bool with_body);

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and back (nullopt if `s` is not one; the
// obsolete RFC 850 and asctime forms are not accepted: If-Modified-Since is then ignored).
std::string http_date(std::time_t t);
std::optional<std::time_t> parse_http_date(std::string_view s);

}  // namespace weft::detail::http
