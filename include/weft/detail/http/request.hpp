#pragma once
// Internal: the HTTP/1.x request parser and the path sanitiser, shared by weft-http
// (apps/web_server) and the live dashboard (weft::console, src/console). Plain functions over
// bytes, with no I/O, so that the unit tests and the libFuzzer target
// (tests/apps/web_server, apps/web_server/fuzz) drive exactly the code both servers run. Not a
// public API: it lives in detail/ and may change with its two users.
//
// parse_request(bytes) looks at the front of a connection's read buffer and says one of three
// things: it needs more bytes (nothing is consumed; call again when more have arrived), here is
// one complete request and how many bytes it took (head and Content-Length body), or the bytes
// are not an acceptable request, with the status to answer before closing the connection. It
// keeps no state between calls: a request split across reads is parsed again from its start when
// the rest arrives, which costs at most the limits below (a head is at most 16 KiB by default)
// and makes "split at every byte" trivially equivalent to "all at once".
//
// What it accepts (RFC 9112, strict where leniency has been a source of request smuggling):
//   - empty lines before the request line are skipped; lines end in CRLF or a bare LF;
//   - request line `METHOD SP target SP HTTP/1.x`, single spaces; the method a token; the target
//     in origin form (`/path?query`), absolute form (`http://host/path`, reduced to its path) or
//     `*` (OPTIONS only); no control characters, spaces or bytes >= 0x80 in it;
//   - `HTTP/1.0` and `HTTP/1.1` (and 1.2..1.9, answered as 1.1); `HTTP/2`+ → 505;
//   - headers `name: value` with a token name and no space before the colon; obsolete line
//     folding → 400; control characters in values (but tab) → 400; HTTP/1.1 needs one Host;
//   - a body only by Content-Length (one value, digits only, ≤ max_body or 413); any
//     Transfer-Encoding → 411 Length Required (chunked bodies are refused, not decoded: a static
//     file server has no use for request bodies, and refusing is the smaller attack surface);
//   - methods: GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, TRACE, CONNECT are parsed; any other
//     token → 501. (The server then answers only GET and HEAD; the rest get 405.)
// Limits (Limits below): a request line longer than max_request_line → 414; a head longer than
// max_head_bytes or with more than max_headers headers → 431. Both are detected as soon as the
// bytes seen pass the limit, complete line or not, so a client cannot make the server buffer
// more than the limits.
//
// sanitize_path(target) turns a request target into a relative path that cannot leave a root
// (see below); resolving it against the file system (symlinks) is the server's job
// (weft-http's static_files.hpp), which checks the realpath against the root.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::detail::http {

struct Limits {
    std::size_t max_request_line = 8192;  // bytes, without the line end → else 414
    std::size_t max_head_bytes = 16384;   // the whole head, line ends and the empty line
                                          // included → else 431
    std::size_t max_headers = 100;        // → else 431
    std::size_t max_body = 1 << 20;       // Content-Length → else 413
};

struct Header {
    std::string name;   // as sent
    std::string value;  // without surrounding whitespace
};

struct Request {
    std::string method;
    std::string target;     // origin form: starts with '/', or "*"
    int version_minor = 1;  // HTTP/1.x
    std::vector<Header> headers;
    std::string body;

    // The first header named `name` (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const noexcept;
    // Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`;
    // HTTP/1.0 only with `Connection: keep-alive`.
    bool keep_alive() const noexcept;
};

struct ParseResult {
    enum class Kind { NeedMore, Complete, Error };
    Kind kind = Kind::NeedMore;
    Request request;           // Complete
    std::size_t consumed = 0;  // Complete: bytes of this request (head and body)
    int status = 0;            // Error: 400, 411, 413, 414, 431, 501 or 505
    std::string reason;        // Error: what was wrong, for the error page and logs

    bool need_more() const noexcept { return kind == Kind::NeedMore; }
    bool complete() const noexcept { return kind == Kind::Complete; }
    bool error() const noexcept { return kind == Kind::Error; }
};

// Parses one request from the front of `buf` (see above).
ParseResult parse_request(std::string_view buf, const Limits& limits = {});

// The reason phrase of a status code ("OK", "Not Found", ...).
std::string_view reason_phrase(int status) noexcept;

// A request target made safe for a file lookup under a root.
struct SanitizedPath {
    int status = 0;    // 0: ok; else 400 (malformed) or 403 (an attempt to leave the root)
    std::string path;  // ok: relative, segments joined by '/', no "", ".", ".." segments,
                       // no NUL, no backslash; "" is the root itself
    bool trailing_slash = false;  // the target's path ended in '/'
    bool ok() const noexcept { return status == 0; }
};

// Drops the query and fragment, splits the path on '/', percent-decodes each segment, and:
//   - an invalid escape (`%zz`, `%4`) → 400; a decoded NUL → 400;
//   - a segment that decodes to "." is dropped, empty segments (`//`) are dropped;
//   - a segment that decodes to "..", or that contains a decoded '/' or '\\' (`%2f`, `%5c`) → 403:
//     no attempt to climb, even one that would stay inside, is resolved;
//   - a target that is not in origin form (not starting with '/') → 400.
// The result joined to a root never names anything outside it lexically; symlinks are the
// caller's to check.
SanitizedPath sanitize_path(std::string_view target);

}  // namespace weft::detail::http
