// Response heads and dates (weft/detail/http/response.hpp).
#include "weft/detail/http/response.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "weft/detail/http/request.hpp"

namespace weft::detail::http {
namespace {

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The Date header's value for the current second, formatted once per second per thread.
std::string_view now_date() {
    thread_local std::time_t cached_at = -1;
    thread_local std::string cached;
    std::time_t now = std::time(nullptr);
    if (now != cached_at) {
        cached = http_date(now);
        cached_at = now;
    }
    return cached;
}

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

std::string http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
    // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters, fixed positions.
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
        return std::nullopt;
    auto num = [&](std::size_t at, std::size_t len) -> int {
        int v = 0;
        for (std::size_t i = at; i < at + len; ++i) {
            if (s[i] < '0' || s[i] > '9') return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    int mon = -1;
    for (std::size_t i = 0; i < kMonths.size(); ++i)
        if (s.substr(8, 3) == kMonths[i]) mon = static_cast<int>(i);
    int day = num(5, 2), year = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
    if (mon < 0 || day < 1 || day > 31 || year < 1970 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 60)
        return std::nullopt;
    std::chrono::year_month_day ymd{std::chrono::year(year),
                                    std::chrono::month(static_cast<unsigned>(mon + 1)),
                                    std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok()) return std::nullopt;
    auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
    return static_cast<std::time_t>(days) * 86400 + hh * 3600 + mm * 60 + ss;
}

void write_head(std::string& out, const Head& h) {
    out += "HTTP/1.1 ";
    append_number(out, static_cast<std::uint64_t>(h.status));
    out += ' ';
    out += reason_phrase(h.status);
    out += "\r\nServer: ";
    out += h.server;
    out += "\r\nDate: ";
    out += now_date();
    if (!h.content_type.empty()) {
        out += "\r\nContent-Type: ";
        out += h.content_type;
    }
    if (!h.until_close) {
        out += "\r\nContent-Length: ";
        append_number(out, h.content_length);
    }
    if (h.last_modified) {
        out += "\r\nLast-Modified: ";
        out += http_date(*h.last_modified);
    }
    if (!h.location.empty()) {
        out += "\r\nLocation: ";
        out += h.location;
    }
    if (!h.allow.empty()) {
        out += "\r\nAllow: ";
        out += h.allow;
    }
    if (!h.cache_control.empty()) {
        out += "\r\nCache-Control: ";
        out += h.cache_control;
    }
    out += h.keep_alive && !h.until_close ? "\r\nConnection: keep-alive\r\n\r\n"
                                          : "\r\nConnection: close\r\n\r\n";
}

void write_response(std::string& out, Head h, std::string_view body, bool with_body) {
    h.content_length = body.size();
    write_head(out, h);
    if (with_body) out += body;
}

}  // namespace weft::detail::http
