// The request parser and the path sanitiser: see weft/detail/http/request.hpp for what they accept.
// Each step below either moves `pos` forward over bytes it has checked, returns NeedMore (the bytes
// so far are a valid prefix within the limits), or returns an error with its status.
#include "weft/detail/http/request.hpp"

#include <array>
#include <cstdint>

namespace weft::detail::http {
namespace {

bool is_tchar(unsigned char c) noexcept {
    // RFC 9110 token characters.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(static_cast<unsigned char>(c))) return false;
    return true;
}

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Whether the comma-separated list `v` holds `token` (case-insensitive).
bool list_has(std::string_view v, std::string_view token) noexcept {
    while (!v.empty()) {
        std::size_t comma = v.find(',');
        std::string_view item = trim_ows(v.substr(0, comma));
        if (iequals(item, token)) return true;
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    return false;
}

ParseResult fail(int status, std::string reason) {
    ParseResult r;
    r.kind = ParseResult::Kind::Error;
    r.status = status;
    r.reason = std::move(reason);
    return r;
}

constexpr std::array<std::string_view, 9> kMethods = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"};

// The line starting at `start`: its text without the line end, and where the next one starts;
// nullopt if no '\n' has arrived yet.
struct Line {
    std::string_view text;
    std::size_t next;
};
std::optional<Line> line_at(std::string_view buf, std::size_t start) noexcept {
    std::size_t nl = buf.find('\n', start);
    if (nl == std::string_view::npos) return std::nullopt;
    std::size_t end = nl;
    if (end > start && buf[end - 1] == '\r') --end;
    return Line{buf.substr(start, end - start), nl + 1};
}

// The request target, checked and reduced to origin form (or "*").
std::optional<std::string> check_target(std::string_view t, std::string_view method) {
    for (char ch : t) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f) return std::nullopt;
    }
    if (!t.empty() && t.front() == '/') return std::string(t);
    if (t == "*") return method == "OPTIONS" ? std::optional<std::string>("*") : std::nullopt;
    for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
        if (t.size() >= scheme.size() && iequals(t.substr(0, scheme.size()), scheme)) {
            std::string_view rest = t.substr(scheme.size());
            std::size_t path = rest.find_first_of("/?#");
            if (path == 0) return std::nullopt;  // no authority
            if (path == std::string_view::npos) return std::string("/");
            if (rest[path] == '/') return std::string(rest.substr(path));
            // Appended, not "/" + std::string(...): GCC 12 at -O3 reports a false -Wrestrict
            // on that operator+ (a known GCC 12 bug).
            std::string origin("/");
            origin += rest.substr(path);
            return origin;
        }
    }
    return std::nullopt;
}

}  // namespace

const std::string* Request::header(std::string_view name) const noexcept {
    for (const Header& h : headers)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

bool Request::keep_alive() const noexcept {
    bool close = false, keep = false;
    for (const Header& h : headers) {
        if (!iequals(h.name, "Connection")) continue;
        close = close || list_has(h.value, "close");
        keep = keep || list_has(h.value, "keep-alive");
    }
    if (close) return false;
    return version_minor >= 1 || keep;
}

ParseResult parse_request(std::string_view buf, const Limits& limits) {
    const std::size_t n = buf.size();
    std::size_t pos = 0;

    // Empty lines before the request line are skipped (RFC 9112 2.2), a bounded number of them.
    while (pos < n && (buf[pos] == '\n' || buf[pos] == '\r')) {
        if (buf[pos] == '\r') {
            if (pos + 1 == n) return {};
            if (buf[pos + 1] != '\n') return fail(400, "a bare CR before the request line");
            ++pos;
        }
        ++pos;
        if (pos > limits.max_request_line) return fail(400, "too many empty lines");
    }
    if (pos == n) return {};
    const std::size_t start = pos;

    // The request line.
    auto line = line_at(buf, start);
    if (!line) {
        if (n - start > limits.max_request_line + 1) return fail(414, "request line too long");
        return {};
    }
    if (line->text.size() > limits.max_request_line) return fail(414, "request line too long");
    std::string_view rl = line->text;
    std::size_t sp1 = rl.find(' ');
    std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || rl.find(' ', sp2 + 1) != std::string_view::npos)
        return fail(400, "malformed request line");
    std::string_view method = rl.substr(0, sp1);
    std::string_view target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = rl.substr(sp2 + 1);
    if (!is_token(method)) return fail(400, "malformed method");
    std::optional<std::string> origin = check_target(target, method);
    if (!origin) return fail(400, "malformed request target");
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return fail(400, "malformed HTTP version");
    if (version[5] != '1') {
        if (version[5] >= '2') return fail(505, "only HTTP/1.x is supported");
        return fail(400, "HTTP/0.x is not supported");
    }
    bool known = false;
    for (std::string_view m : kMethods)
        known = known || m == method;
    if (!known) return fail(501, "unknown method");

    ParseResult r;
    Request& req = r.request;
    req.method = std::string(method);
    req.target = std::move(*origin);
    req.version_minor = version[7] == '0' ? 0 : 1;
    pos = line->next;

    // The headers, up to the empty line.
    for (;;) {
        auto hl = line_at(buf, pos);
        if (!hl) {
            if (n - start > limits.max_head_bytes) return fail(431, "request header too large");
            return {};
        }
        if (hl->next - start > limits.max_head_bytes) return fail(431, "request header too large");
        pos = hl->next;
        std::string_view h = hl->text;
        if (h.empty()) break;
        if (h.front() == ' ' || h.front() == '\t') return fail(400, "obsolete header folding");
        if (req.headers.size() == limits.max_headers) return fail(431, "too many headers");
        std::size_t colon = h.find(':');
        if (colon == std::string_view::npos) return fail(400, "a header line without a colon");
        std::string_view name = h.substr(0, colon);
        if (!is_token(name)) return fail(400, "malformed header name");
        std::string_view value = trim_ows(h.substr(colon + 1));
        for (char ch : value) {
            auto c = static_cast<unsigned char>(ch);
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return fail(400, "a control character in a header value");
        }
        req.headers.push_back(Header{std::string(name), std::string(value)});
    }

    // What the headers say about the message.
    std::size_t hosts = 0;
    bool have_length = false;
    std::uint64_t length = 0;
    for (const Header& h : req.headers) {
        if (iequals(h.name, "Host")) {
            ++hosts;
        } else if (iequals(h.name, "Transfer-Encoding")) {
            return fail(411, "chunked bodies are not accepted: send Content-Length");
        } else if (iequals(h.name, "Content-Length")) {
            if (h.value.empty() || h.value.size() > 18) {
                if (!h.value.empty() &&
                    h.value.find_first_not_of("0123456789") == std::string::npos)
                    return fail(413, "request body too large");
                return fail(400, "malformed Content-Length");
            }
            std::uint64_t v = 0;
            for (char c : h.value) {
                if (c < '0' || c > '9') return fail(400, "malformed Content-Length");
                v = v * 10 + static_cast<std::uint64_t>(c - '0');
            }
            if (have_length && v != length) return fail(400, "conflicting Content-Length");
            have_length = true;
            length = v;
        }
    }
    if (hosts > 1) return fail(400, "more than one Host header");
    if (hosts == 0 && req.version_minor >= 1) return fail(400, "HTTP/1.1 needs a Host header");
    if (length > limits.max_body) return fail(413, "request body too large");

    // The body.
    if (n - pos < length) return {};
    req.body = std::string(buf.substr(pos, static_cast<std::size_t>(length)));
    r.kind = ParseResult::Kind::Complete;
    r.consumed = pos + static_cast<std::size_t>(length);
    return r;
}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
        case 200:
            return "OK";
        case 301:
            return "Moved Permanently";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

namespace {
int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

SanitizedPath sanitize_path(std::string_view target) {
    SanitizedPath out;
    if (target.empty() || target.front() != '/') {
        out.status = 400;
        return out;
    }
    std::string_view p = target.substr(0, target.find_first_of("?#"));
    out.trailing_slash = p.back() == '/';
    std::string seg;
    while (!p.empty()) {
        p.remove_prefix(1);  // the '/'
        std::size_t slash = p.find('/');
        std::string_view raw = p.substr(0, slash);
        p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
        seg.clear();
        for (std::size_t i = 0; i < raw.size(); ++i) {
            char c = raw[i];
            if (c == '%') {
                int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
                int lo = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
                if (hi < 0 || lo < 0) {
                    out.status = 400;
                    out.path.clear();
                    return out;
                }
                c = static_cast<char>(hi * 16 + lo);
                i += 2;
            }
            if (c == '\0') {
                out.status = 400;
                out.path.clear();
                return out;
            }
            seg.push_back(c);
        }
        if (seg.empty() || seg == ".") continue;
        if (seg == ".." || seg.find_first_of("/\\") != std::string::npos) {
            out.status = 403;
            out.path.clear();
            return out;
        }
        if (!out.path.empty()) out.path.push_back('/');
        out.path += seg;
    }
    return out;
}

}  // namespace weft::detail::http
