// weft-http's error pages and MIME types (response.hpp); the heads themselves are written by
// the library's HTTP module (weft/detail/http/response.cpp).
#include "response.hpp"

#include <array>

namespace web_server {

std::string error_page(int status, std::string_view reason) {
    std::string code = std::to_string(status);
    std::string title = code + " " + std::string(reason_phrase(status));
    return "<!DOCTYPE html>\n<html lang=\"en\">\n  <head><meta charset=\"utf-8\"><title>" + title +
           "</title></head>\n  <body>\n    <h1>" + title + "</h1>\n    <p>" + std::string(reason) +
           "</p>\n  </body>\n</html>\n";
}

std::string_view mime_type(std::string_view name) noexcept {
    struct Entry {
        std::string_view ext, type;
    };
    static constexpr std::array<Entry, 24> kTypes = {{
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"wasm", "application/wasm"},
        {"pdf", "application/pdf"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"mp4", "video/mp4"},
        {"csv", "text/csv; charset=utf-8"},
    }};
    std::size_t slash = name.rfind('/');
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
    std::string_view ext = name.substr(dot + 1);
    for (const Entry& e : kTypes) {
        if (e.ext.size() != ext.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < ext.size() && same; ++i) {
            char c = ext[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
            same = c == e.ext[i];
        }
        if (same) return e.type;
    }
    return "application/octet-stream";
}

}  // namespace web_server
