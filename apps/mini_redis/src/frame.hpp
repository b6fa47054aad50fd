#pragma once
/// \file
/// RESP2 frames and their parser: the wire format of Redis (https://redis.io/docs/reference/
/// protocol-spec/), as data, with no I/O.
///
/// Design: the parser is a plain function over bytes, `parse(bytes)`, that says one of three
/// things: the bytes hold no whole frame yet (read more), here is the first frame and how many
/// bytes it took, or the bytes can never become a frame (a protocol error). Everything else
/// builds on it: the codec's `decode` (resp_codec.hpp) is a thin wrapper that advances the read
/// buffer, the fuzz target calls it on arbitrary bytes, and the unit tests split frames at every
/// byte. It never reads past the span it is given and never trusts a length before the bytes
/// are there: a declared `$1000000000` allocates nothing until the bytes arrive, and lengths,
/// line sizes and nesting are bounded (the limits below), so no input can make it crash, use
/// memory out of proportion to the input, or recurse deeply.
///
/// Cost: a frame that is not complete yet is parsed again from its start when more bytes come.
/// For a bulk string that is O(1) (the length is known up front, so an incomplete bulk is
/// recognised without looking at its payload); only an array of very many small elements,
/// arriving in very many reads, pays more.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mini_redis {

/// One RESP2 value. `Null` stands for both of RESP2's nulls (`$-1` and `*-1`); it is written
/// back as the null bulk string `$-1`, which is what Redis answers a GET of a missing key with.
struct Frame {
    enum class Kind : std::uint8_t { Simple, Error, Integer, Bulk, Null, Array };

    Kind kind = Kind::Null;
    std::string str;  ///< Simple, Error (no CR or LF inside) and Bulk (any bytes)
    std::int64_t integer = 0;
    std::vector<Frame> array;

    static Frame simple(std::string s);
    static Frame error(std::string s);
    static Frame integer_of(std::int64_t v);
    static Frame bulk(std::string bytes);
    static Frame null() { return Frame{}; }
    static Frame array_of(std::vector<Frame> items);

    bool is_bulk() const noexcept { return kind == Kind::Bulk; }
    bool is_array() const noexcept { return kind == Kind::Array; }

    bool operator==(const Frame&) const = default;
};

/// A readable rendering for tests and the CLI, e.g. `["SET", "k", "v"]`, `(error) ERR ...`.
std::string to_debug_string(const Frame& f);

/// Limits that keep a hostile peer from making the parser hold or allocate too much.
struct ParseLimits {
    std::size_t max_bulk = 512u * 1024 * 1024;  ///< as Redis's proto-max-bulk-len
    std::size_t max_array = 1024u * 1024;       ///< elements in one array
    std::size_t max_line = 64u * 1024;          ///< a simple string, error or integer line
    std::size_t max_depth = 32;                 ///< nested arrays
};

/// What `parse` found at the front of the bytes.
struct ParseResult {
    enum class Status : std::uint8_t {
        Incomplete,  ///< no whole frame yet: read more and call again with all the bytes
        Ok,          ///< `frame` was parsed from the first `consumed` bytes
        Error,       ///< the bytes are not RESP: `error` says why (for a `-ERR Protocol error`)
    };
    Status status = Status::Incomplete;
    Frame frame;
    std::size_t consumed = 0;
    std::string error;

    bool ok() const noexcept { return status == Status::Ok; }
    bool incomplete() const noexcept { return status == Status::Incomplete; }
    bool is_error() const noexcept { return status == Status::Error; }
};

/// Parses the first frame in `bytes` (see the file comment).
ParseResult parse(std::span<const std::byte> bytes, const ParseLimits& limits = {});
ParseResult parse(std::string_view bytes, const ParseLimits& limits = {});

/// Appends the encoding of `f` to `out` with `out.append(std::string_view)`-like calls: `Sink`
/// is anything with `void put(std::string_view)`.
template <class Sink>
void encode(const Frame& f, Sink& out);

/// The encoding of `f` as a string.
std::string encode(const Frame& f);

template <class Sink>
void encode(const Frame& f, Sink& out) {
    char head[32];
    auto header = [&](char type, std::int64_t n) {
        head[0] = type;
        std::size_t len = 1;
        char digits[24];
        std::size_t nd = 0;
        std::uint64_t u = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
        do {
            digits[nd++] = static_cast<char>('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (n < 0) head[len++] = '-';
        while (nd > 0)
            head[len++] = digits[--nd];
        head[len++] = '\r';
        head[len++] = '\n';
        out.put(std::string_view(head, len));
    };
    switch (f.kind) {
        case Frame::Kind::Simple:
        case Frame::Kind::Error:
            out.put(f.kind == Frame::Kind::Simple ? "+" : "-");
            out.put(f.str);  // the constructors keep CR and LF out
            out.put("\r\n");
            return;
        case Frame::Kind::Integer:
            header(':', f.integer);
            return;
        case Frame::Kind::Bulk:
            header('$', static_cast<std::int64_t>(f.str.size()));
            out.put(f.str);
            out.put("\r\n");
            return;
        case Frame::Kind::Null:
            out.put("$-1\r\n");
            return;
        case Frame::Kind::Array:
            header('*', static_cast<std::int64_t>(f.array.size()));
            for (const Frame& item : f.array)
                encode(item, out);
            return;
    }
}

}  // namespace mini_redis
