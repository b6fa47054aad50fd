#pragma once
// The Rust book's two pages, built in (apps/web_server/hello.html and 404.html, embedded by
// CMake when it configures, so the program needs no files beside it).
#include <string_view>

namespace web_server {
extern const std::string_view kHelloHtml;     // GET / (and /sleep) with no --root
extern const std::string_view kNotFoundHtml;  // every 404: "Oops!"
}  // namespace web_server
