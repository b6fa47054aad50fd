#pragma once
// weft-http's request parser and path sanitiser are the library's HTTP module
// (weft/detail/http/request.hpp, shared with the live dashboard, weft::console): its names,
// in weft-http's namespace. What the parser accepts, and its limits, are described there.
#include "weft/detail/http/request.hpp"

namespace web_server {

using weft::detail::http::Header;
using weft::detail::http::Limits;
using weft::detail::http::parse_request;
using weft::detail::http::ParseResult;
using weft::detail::http::reason_phrase;
using weft::detail::http::Request;
using weft::detail::http::sanitize_path;
using weft::detail::http::SanitizedPath;

}  // namespace web_server
