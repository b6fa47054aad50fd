#pragma once
// Writing responses. The heads are the library's (weft/detail/http/response.hpp, shared with
// the live dashboard): every answer has a Date, a Server, a Content-Length (also on HEAD, 304
// and errors: the framing of a keep-alive connection never depends on closing it) and a
// Connection header saying what the server will do. weft-http's heads say `Server: weft-http`.
// Responses are appended to a per-connection output string that the connection writes out once
// per batch of pipelined requests (see server.cpp).
#include <string>
#include <string_view>

#include "http_parser.hpp"
#include "weft/detail/http/response.hpp"

namespace web_server {

// A head as the library's, saying `Server: weft-http`.
struct Head : weft::detail::http::Head {
    Head() noexcept { server = "weft-http"; }
};

using weft::detail::http::http_date;
using weft::detail::http::parse_http_date;
using weft::detail::http::write_head;
using weft::detail::http::write_response;

// A small HTML page for an error status ("400 Bad Request" and the reason).
std::string error_page(int status, std::string_view reason);

// The Content-Type for a file name, by its extension (application/octet-stream if unknown).
std::string_view mime_type(std::string_view file_name) noexcept;

}  // namespace web_server
