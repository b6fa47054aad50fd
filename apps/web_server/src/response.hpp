#pragma once
// Writing responses: the status line and headers of every answer go through write_head, so each
// one has a Date, a Server, a Content-Length (also on HEAD, 304 and errors: the framing of a
// keep-alive connection never depends on closing it) and a Connection header saying what the
// server will do. Responses are appended to a per-connection output string that the connection
// writes out once per batch of pipelined requests (see server.cpp).
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace web_server {

struct Head {
    int status = 200;
    std::string_view content_type;  // empty: no Content-Type
    std::uint64_t content_length = 0;
    bool keep_alive = true;  // else `Connection: close`
    std::optional<std::time_t> last_modified;
    std::string_view location;  // 301: where to
    std::string_view allow;     // 405: which methods
};

// Appends the status line and headers (and the blank line) to `out`.
void write_head(std::string& out, const Head& h);

// Appends a whole response whose body is `body` (the body only if `with_body`: HEAD gets the
// same headers, Content-Length included, and no body).
void write_response(std::string& out, Head h, std::string_view body, bool with_body);

// A small HTML page for an error status ("400 Bad Request" and the reason).
std::string error_page(int status, std::string_view reason);

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and back (nullopt if `s` is not one; the
// obsolete RFC 850 and asctime forms are not accepted: If-Modified-Since is then ignored).
std::string http_date(std::time_t t);
std::optional<std::time_t> parse_http_date(std::string_view s);

// The Content-Type for a file name, by its extension (application/octet-stream if unknown).
std::string_view mime_type(std::string_view file_name) noexcept;

}  // namespace web_server
