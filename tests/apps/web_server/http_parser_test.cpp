// The request parser and the path sanitiser (weft/detail/http/request.hpp, named in weft-http's
// namespace by apps/web_server/src/http_parser.hpp):
// every request split at every byte, pipelined requests, every limit and every error status.
#include "http_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "response.hpp"

using web_server::Limits;
using web_server::parse_request;
using web_server::ParseResult;
using web_server::sanitize_path;

namespace {

// Parses `in` whole, and checks that every strict prefix of it needs more bytes (or, for an
// error, that no prefix is a complete request and the full input gives the same error when fed
// byte by byte as a growing buffer).
ParseResult parse_checked(const std::string& in, const Limits& lim = {}) {
    ParseResult whole = parse_request(in, lim);
    for (std::size_t cut = 0; cut < in.size(); ++cut) {
        ParseResult part = parse_request(std::string_view(in).substr(0, cut), lim);
        if (whole.complete()) {
            EXPECT_TRUE(part.need_more()) << "cut at " << cut << " of " << in;
        } else {
            EXPECT_FALSE(part.complete()) << "cut at " << cut << " of " << in;
            if (part.error()) {
                EXPECT_EQ(part.status, whole.status) << "cut at " << cut;
            }
        }
    }
    return whole;
}

int status_of(const std::string& in, const Limits& lim = {}) {
    ParseResult r = parse_checked(in, lim);
    EXPECT_TRUE(r.error()) << in;
    return r.status;
}

}  // namespace

TEST(HttpParser, SimpleGetSplitAtEveryByte) {
    std::string in = "GET /index.html?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept:  */* \r\n\r\n";
    ParseResult r = parse_checked(in);
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.consumed, in.size());
    EXPECT_EQ(r.request.method, "GET");
    EXPECT_EQ(r.request.target, "/index.html?x=1");
    EXPECT_EQ(r.request.version_minor, 1);
    ASSERT_EQ(r.request.headers.size(), 2u);
    EXPECT_EQ(*r.request.header("accept"), "*/*");
    EXPECT_EQ(*r.request.header("HOST"), "localhost");
    EXPECT_EQ(r.request.header("Cookie"), nullptr);
    EXPECT_TRUE(r.request.keep_alive());
}

TEST(HttpParser, BareLineFeedsAndLeadingEmptyLines) {
    std::string in = "\r\n\nGET / HTTP/1.1\nHost: a\n\n";
    ParseResult r = parse_checked(in);
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.consumed, in.size());
    EXPECT_EQ(status_of("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(HttpParser, PipelinedRequestsOneAtATime) {
    std::string a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string b = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    std::string c = "HEAD /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    std::string all = a + b + c + "GET /d HT";
    std::string_view rest = all;
    std::vector<std::string> targets;
    for (;;) {
        ParseResult r = parse_request(rest);
        if (!r.complete()) {
            EXPECT_TRUE(r.need_more());
            break;
        }
        targets.push_back(r.request.target);
        if (r.request.target == "/b") {
            EXPECT_EQ(r.request.body, "abc");
        }
        if (r.request.target == "/c") {
            EXPECT_FALSE(r.request.keep_alive());
        }
        rest.remove_prefix(r.consumed);
    }
    EXPECT_EQ(targets, (std::vector<std::string>{"/a", "/b", "/c"}));
    EXPECT_EQ(rest, "GET /d HT");
}

TEST(HttpParser, BodyByContentLength) {
    std::string in = "PUT /f HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET";
    ParseResult r = parse_request(in);
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.request.body, "0123456789");
    EXPECT_EQ(r.consumed, in.size() - 3);
    parse_checked(in.substr(0, r.consumed));
    // The same value twice is one length; two different ones are an attack or a bug.
    EXPECT_TRUE(parse_request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                              "Content-Length: 1\r\n\r\nz")
                    .complete());
    EXPECT_EQ(
        status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
        400);
    EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), 400);
    EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"), 400);
    EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n"), 400);
    EXPECT_EQ(
        status_of("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
        413);
}

TEST(HttpParser, ChunkedBodiesAreRefusedWith411) {
    EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), 411);
    EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
                        "Content-Length: 3\r\n\r\n"),
              411);
}

TEST(HttpParser, Versions) {
    ParseResult r = parse_checked("GET / HTTP/1.0\r\n\r\n");  // no Host needed in 1.0
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.request.version_minor, 0);
    EXPECT_FALSE(r.request.keep_alive());
    r = parse_request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    EXPECT_TRUE(r.request.keep_alive());
    r = parse_request("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n");
    EXPECT_FALSE(r.request.keep_alive());
    r = parse_request("GET / HTTP/1.7\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.request.version_minor, 1);
    EXPECT_EQ(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    EXPECT_EQ(status_of("GET / HTTP/3.0\r\n\r\n"), 505);
    EXPECT_EQ(status_of("GET / HTTP/0.9\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.10\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / http/1.1\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET /\r\n\r\n"), 400);  // HTTP/0.9's request line
}

TEST(HttpParser, MalformedRequestLines) {
    EXPECT_EQ(status_of("garbage\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(status_of("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET nope HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(status_of(std::string("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", 28)), 400);
    EXPECT_EQ(status_of("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    EXPECT_TRUE(parse_request("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").complete());
    EXPECT_EQ(status_of("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
}

TEST(HttpParser, AbsoluteFormBecomesOriginForm) {
    ParseResult r = parse_request("GET http://example.com:80/a/b?c HTTP/1.1\r\nHost: e\r\n\r\n");
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.request.target, "/a/b?c");
    r = parse_request("GET HTTPS://example.com HTTP/1.1\r\nHost: e\r\n\r\n");
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.request.target, "/");
    r = parse_request("GET http://example.com?q HTTP/1.1\r\nHost: e\r\n\r\n");
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.request.target, "/?q");
    EXPECT_EQ(status_of("GET http:///x HTTP/1.1\r\nHost: e\r\n\r\n"), 400);
}

TEST(HttpParser, MalformedHeaders) {
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\n\r\n"), 400);  // HTTP/1.1 without Host
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\n Folded: x\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n"), 400);
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\rz\r\n\r\n"), 400);
    EXPECT_EQ(status_of(std::string("GET / HTTP/1.1\r\nHost: a\r\nX: \0\r\n\r\n", 33)), 400);
    // Tabs and bytes >= 0x80 are fine in values.
    ParseResult r = parse_request("GET / HTTP/1.1\r\nHost: a\r\nX:\ta\tb\xff\t\r\n\r\n");
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(*r.request.header("x"), "a\tb\xff");
}

TEST(HttpParser, RequestLineLimitGives414) {
    Limits lim;
    lim.max_request_line = 40;
    std::string ok = "GET /" + std::string(26, 'a') + " HTTP/1.1";  // exactly 40
    ASSERT_EQ(ok.size(), 40u);
    EXPECT_TRUE(parse_checked(ok + "\r\nHost: a\r\n\r\n", lim).complete());
    std::string over = "GET /" + std::string(27, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n";
    EXPECT_EQ(status_of(over, lim), 414);
    // Detected before the line ends: the server need not buffer an endless line.
    EXPECT_EQ(parse_request("GET /" + std::string(100, 'a'), lim).status, 414);
    EXPECT_TRUE(parse_request("GET /" + std::string(30, 'a'), lim).need_more());
}

TEST(HttpParser, HeadLimitsGive431) {
    Limits lim;
    lim.max_head_bytes = 64;
    std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";  // 25 bytes
    std::string fits = head + "X: " + std::string(32, 'v') + "\r\n\r\n";
    ASSERT_EQ(fits.size(), 64u);
    EXPECT_TRUE(parse_checked(fits, lim).complete());
    std::string over = head + "X: " + std::string(33, 'v') + "\r\n\r\n";
    EXPECT_EQ(status_of(over, lim), 431);
    EXPECT_EQ(parse_request(head + "X: " + std::string(100, 'v'), lim).status, 431);

    Limits few;
    few.max_headers = 3;
    EXPECT_TRUE(parse_checked("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", few).complete());
    EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", few), 431);
}

TEST(HttpParser, BodyLimitGives413) {
    Limits lim;
    lim.max_body = 8;
    EXPECT_TRUE(
        parse_checked("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n12345678", lim)
            .complete());
    // Refused from the head alone, before any of the body is read.
    EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n", lim).status,
              413);
}

TEST(HttpParser, TooManyEmptyLinesBeforeTheRequest) {
    Limits lim;
    lim.max_request_line = 16;
    EXPECT_EQ(parse_request(std::string(40, '\n'), lim).status, 400);
    EXPECT_TRUE(parse_request(std::string(10, '\n'), lim).need_more());
}

TEST(PathSanitiser, PlainPaths) {
    auto p = sanitize_path("/a/b/c.html?x=../..#frag");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.path, "a/b/c.html");
    EXPECT_FALSE(p.trailing_slash);
    p = sanitize_path("/");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.path, "");
    EXPECT_TRUE(p.trailing_slash);
    p = sanitize_path("//a/./b//");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.path, "a/b");
    EXPECT_TRUE(p.trailing_slash);
    p = sanitize_path("/hello%20world%21.txt");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.path, "hello world!.txt");
    p = sanitize_path("/a..b/...");  // dots that are not a whole ".." segment are names
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.path, "a..b/...");
    p = sanitize_path("/%2e/x");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.path, "x");
}

TEST(PathSanitiser, DotDotIsForbidden) {
    for (const char* t : {"/..", "/../etc/passwd", "/a/../../b", "/a/..", "/%2e%2e/etc/passwd",
                          "/%2E%2E/x", "/.%2e/x", "/%2e./x", "/a/%2e%2e"})
        EXPECT_EQ(sanitize_path(t).status, 403) << t;
}

TEST(PathSanitiser, EncodedSlashesAndBackslashes) {
    EXPECT_EQ(sanitize_path("/..%2fetc%2fpasswd").status, 403);
    EXPECT_EQ(sanitize_path("/a%2fb").status, 403);
    EXPECT_EQ(sanitize_path("/a%2Fb").status, 403);
    EXPECT_EQ(sanitize_path("/a%5cb").status, 403);
    EXPECT_EQ(sanitize_path("/a\\b").status, 403);
    EXPECT_EQ(sanitize_path("/..%5c..%5cwindows").status, 403);
}

TEST(PathSanitiser, NulAndBadEscapes) {
    EXPECT_EQ(sanitize_path("/a%00.html").status, 400);
    EXPECT_EQ(sanitize_path(std::string("/a\0b", 4)).status, 400);
    EXPECT_EQ(sanitize_path("/a%zz").status, 400);
    EXPECT_EQ(sanitize_path("/a%4").status, 400);
    EXPECT_EQ(sanitize_path("/a%").status, 400);
    EXPECT_EQ(sanitize_path("a/b").status, 400);
    EXPECT_EQ(sanitize_path("").status, 400);
    EXPECT_EQ(sanitize_path("*").status, 400);
}

TEST(Response, DatesRoundTrip) {
    EXPECT_EQ(web_server::http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(web_server::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ(web_server::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), std::nullopt);
    EXPECT_EQ(web_server::parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), std::nullopt);
    EXPECT_EQ(web_server::parse_http_date(""), std::nullopt);
}

TEST(Response, MimeTypes) {
    EXPECT_EQ(web_server::mime_type("/x/index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(web_server::mime_type("a.CSS"), "text/css; charset=utf-8");
    EXPECT_EQ(web_server::mime_type("img.png"), "image/png");
    EXPECT_EQ(web_server::mime_type("x.tar.gz"), "application/gzip");
    EXPECT_EQ(web_server::mime_type("README"), "application/octet-stream");
    EXPECT_EQ(web_server::mime_type(".bashrc"), "application/octet-stream");
    EXPECT_EQ(web_server::mime_type("dir.d/file"), "application/octet-stream");
}

TEST(Response, EveryHeadHasContentLength) {
    std::string out;
    web_server::Head h;
    h.status = 304;
    h.content_length = 42;
    h.keep_alive = false;
    web_server::write_head(out, h);
    EXPECT_EQ(out.rfind("HTTP/1.1 304 Not Modified\r\n", 0), 0u);
    EXPECT_NE(out.find("\r\nContent-Length: 42\r\n"), std::string::npos);
    EXPECT_NE(out.find("\r\nConnection: close\r\n\r\n"), std::string::npos);
    out.clear();
    web_server::write_response(out, web_server::Head{}, "hello", false);  // HEAD
    EXPECT_NE(out.find("\r\nContent-Length: 5\r\n"), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}
