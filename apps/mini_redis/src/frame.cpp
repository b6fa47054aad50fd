// The RESP2 parser (see frame.hpp): a recursive descent over a span with a cursor, bounded in
// depth, that returns Incomplete as soon as it would read past the end and Error as soon as a
// byte cannot start or continue a frame. Strict where Redis is strict: lengths and integers
// are plain decimal, lines end in CR LF and contain neither alone, a bulk string's payload is
// followed by CR LF.
#include "frame.hpp"

#include <cstring>

namespace mini_redis {

namespace {

// Keeps CR and LF out of a line (a simple string or an error), where they would end it early.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\r' || c == '\n') c = ' ';
    return s;
}

class Parser {
  public:
    Parser(const char* p, std::size_t n, const ParseLimits& lim) : p_(p), n_(n), lim_(lim) {}

    enum class R : std::uint8_t { Ok, Incomplete, Error };

    R frame(Frame& out, std::size_t depth) {
        if (pos_ >= n_) return R::Incomplete;
        char type = p_[pos_++];
        switch (type) {
            case '+':
            case '-': {
                std::string_view line;
                if (R r = read_line(line, lim_.max_line); r != R::Ok) return r;
                out.kind = type == '+' ? Frame::Kind::Simple : Frame::Kind::Error;
                out.str.assign(line);
                return R::Ok;
            }
            case ':': {
                std::int64_t v = 0;
                if (R r = read_int(v); r != R::Ok) return r;
                out.kind = Frame::Kind::Integer;
                out.integer = v;
                return R::Ok;
            }
            case '$': {
                std::int64_t len = 0;
                if (R r = read_int(len); r != R::Ok) return r;
                if (len == -1) {
                    out.kind = Frame::Kind::Null;
                    return R::Ok;
                }
                if (len < 0 || static_cast<std::uint64_t>(len) > lim_.max_bulk)
                    return fail("invalid bulk length");
                auto ulen = static_cast<std::size_t>(len);
                // The payload and its CR LF must all be here before anything is copied.
                if (n_ - pos_ < ulen + 2) return R::Incomplete;
                if (p_[pos_ + ulen] != '\r' || p_[pos_ + ulen + 1] != '\n')
                    return fail("bulk string not followed by CRLF");
                out.kind = Frame::Kind::Bulk;
                out.str.assign(p_ + pos_, ulen);
                pos_ += ulen + 2;
                return R::Ok;
            }
            case '*': {
                std::int64_t len = 0;
                if (R r = read_int(len); r != R::Ok) return r;
                if (len == -1) {
                    out.kind = Frame::Kind::Null;
                    return R::Ok;
                }
                if (len < 0 || static_cast<std::uint64_t>(len) > lim_.max_array)
                    return fail("invalid multibulk length");
                if (depth + 1 > lim_.max_depth) return fail("arrays nested too deeply");
                out.kind = Frame::Kind::Array;
                // Never reserve what the peer only declared: each element takes at least 3
                // bytes, so what is reserved stays in proportion to the bytes received.
                auto ulen = static_cast<std::size_t>(len);
                out.array.reserve(std::min(ulen, (n_ - pos_) / 3));
                for (std::size_t i = 0; i < ulen; ++i) {
                    Frame item;
                    if (R r = frame(item, depth + 1); r != R::Ok) return r;
                    out.array.push_back(std::move(item));
                }
                return R::Ok;
            }
            default:
                return fail(std::string("expected '$', '*', '+', '-' or ':', got byte ") +
                            std::to_string(static_cast<unsigned char>(type)));
        }
    }

    std::size_t pos() const noexcept { return pos_; }
    std::string take_error() { return std::move(error_); }

  private:
    R fail(std::string why) {
        error_ = std::move(why);
        return R::Error;
    }

    // The text up to the next CR LF (which is consumed). A line longer than `max` is an error
    // even before its end arrives, so a peer cannot make us buffer an endless line.
    R read_line(std::string_view& line, std::size_t max) {
        std::size_t avail = n_ - pos_;
        std::size_t scan = std::min(avail, max + 1);  // the CR may sit just past max bytes
        const void* cr = std::memchr(p_ + pos_, '\r', scan);
        const void* lf = std::memchr(p_ + pos_, '\n', scan);
        if (lf != nullptr && (cr == nullptr || lf < cr)) return fail("LF without CR");
        if (cr == nullptr) return avail > max ? fail("line too long") : R::Incomplete;
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(cr) - p_);
        if (at + 1 >= n_) return R::Incomplete;
        if (p_[at + 1] != '\n') return fail("CR without LF");
        line = std::string_view(p_ + pos_, at - pos_);
        pos_ = at + 2;
        return R::Ok;
    }

    // A line holding a decimal int64: an optional '-', then 1 to 19 digits, in range.
    R read_int(std::int64_t& v) {
        std::string_view line;
        if (R r = read_line(line, 21); r != R::Ok)
            return r == R::Error ? fail("invalid integer") : r;
        bool neg = !line.empty() && line[0] == '-';
        std::string_view digits = neg ? line.substr(1) : line;
        if (digits.empty() || digits.size() > 19) return fail("invalid integer");
        std::uint64_t u = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') return fail("invalid integer");
            u = u * 10 + static_cast<std::uint64_t>(c - '0');
        }
        constexpr auto max = static_cast<std::uint64_t>(INT64_MAX);
        if (u > max + (neg ? 1 : 0)) return fail("integer out of range");
        v = neg ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
        return R::Ok;
    }

    const char* p_;
    std::size_t n_;
    const ParseLimits& lim_;
    std::size_t pos_ = 0;
    std::string error_;
};

void debug(const Frame& f, std::string& out) {
    switch (f.kind) {
        case Frame::Kind::Simple:
            out += f.str;
            return;
        case Frame::Kind::Error:
            out += "(error) " + f.str;
            return;
        case Frame::Kind::Integer:
            out += "(integer) " + std::to_string(f.integer);
            return;
        case Frame::Kind::Bulk:
            out += '"';
            for (char c : f.str) {
                auto u = static_cast<unsigned char>(c);
                if (c == '"' || c == '\\') {
                    out += '\\';
                    out += c;
                } else if (u >= 0x20 && u < 0x7f) {
                    out += c;
                } else {
                    static constexpr char hex[] = "0123456789abcdef";
                    out += "\\x";
                    out += hex[u >> 4];
                    out += hex[u & 15];
                }
            }
            out += '"';
            return;
        case Frame::Kind::Null:
            out += "(nil)";
            return;
        case Frame::Kind::Array:
            out += '[';
            for (std::size_t i = 0; i < f.array.size(); ++i) {
                if (i != 0) out += ", ";
                debug(f.array[i], out);
            }
            out += ']';
            return;
    }
}

struct StringSink {
    std::string& s;
    void put(std::string_view v) { s.append(v); }
};

}  // namespace

Frame Frame::simple(std::string s) {
    Frame f;
    f.kind = Kind::Simple;
    f.str = one_line(std::move(s));
    return f;
}

Frame Frame::error(std::string s) {
    Frame f;
    f.kind = Kind::Error;
    f.str = one_line(std::move(s));
    return f;
}

Frame Frame::integer_of(std::int64_t v) {
    Frame f;
    f.kind = Kind::Integer;
    f.integer = v;
    return f;
}

Frame Frame::bulk(std::string bytes) {
    Frame f;
    f.kind = Kind::Bulk;
    f.str = std::move(bytes);
    return f;
}

Frame Frame::array_of(std::vector<Frame> items) {
    Frame f;
    f.kind = Kind::Array;
    f.array = std::move(items);
    return f;
}

std::string to_debug_string(const Frame& f) {
    std::string out;
    debug(f, out);
    return out;
}

ParseResult parse(std::string_view bytes, const ParseLimits& limits) {
    Parser p(bytes.data(), bytes.size(), limits);
    ParseResult res;
    switch (p.frame(res.frame, 0)) {
        case Parser::R::Ok:
            res.status = ParseResult::Status::Ok;
            res.consumed = p.pos();
            break;
        case Parser::R::Incomplete:
            res.status = ParseResult::Status::Incomplete;
            res.frame = Frame{};
            break;
        case Parser::R::Error:
            res.status = ParseResult::Status::Error;
            res.frame = Frame{};
            res.error = p.take_error();
            break;
    }
    return res;
}

ParseResult parse(std::span<const std::byte> bytes, const ParseLimits& limits) {
    return parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                 limits);
}

std::string encode(const Frame& f) {
    std::string out;
    StringSink sink{out};
    encode(f, sink);
    return out;
}

}  // namespace mini_redis
