// Commands: from frames (server side), to frames (client side), and the database ones applied.
// Replies follow Redis 7's wording, so clients that match on it (and people who know it) are
// not surprised.
#include "cmd.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "db.hpp"

namespace mini_redis {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Redis's own sanitising of a name quoted in an error: at most 128 bytes, no control bytes.
std::string quoted_name(std::string_view name) {
    std::string out(name.substr(0, 128));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return out;
}

Invalid arity(std::string_view name) {
    return Invalid{"ERR wrong number of arguments for '" + quoted_name(lower(name)) + "' command"};
}

Frame bulk_of(std::string_view s) {
    return Frame::bulk(std::string(s));
}

Command parse_set(std::vector<Frame>& a) {
    if (a.size() < 3) return arity("set");
    Set set{std::move(a[1].str), std::move(a[2].str), std::nullopt};
    for (std::size_t i = 3; i < a.size(); ++i) {
        const std::string& opt = a[i].str;
        bool ex = iequals(opt, "EX");
        bool px = iequals(opt, "PX");
        if (!(ex || px) || set.expire || i + 1 >= a.size()) return Invalid{"ERR syntax error"};
        const std::string& n = a[++i].str;
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
        if (ec != std::errc() || end != n.data() + n.size())
            return Invalid{"ERR value is not an integer or out of range"};
        // As Redis: not positive, or so large that the deadline would overflow, is refused.
        constexpr std::int64_t max_ms = INT64_MAX / 1'000'000 / 2;
        if (v <= 0 || v > (ex ? max_ms / 1000 : max_ms))
            return Invalid{"ERR invalid expire time in 'set' command"};
        set.expire = std::chrono::milliseconds(ex ? v * 1000 : v);
    }
    return set;
}

std::vector<std::string> rest(std::vector<Frame>& a) {
    std::vector<std::string> out;
    out.reserve(a.size() - 1);
    for (std::size_t i = 1; i < a.size(); ++i)
        out.push_back(std::move(a[i].str));
    return out;
}

}  // namespace

std::string command_name(const Frame& frame) {
    if (!frame.is_array() || frame.array.empty() || !frame.array[0].is_bulk()) return {};
    return lower(frame.array[0].str);
}

Command parse_command(Frame frame) {
    if (frame.kind == Frame::Kind::Null) return Nothing{};
    if (!frame.is_array())
        return Invalid{"ERR Protocol error: expected an array of bulk strings", true};
    std::vector<Frame>& a = frame.array;
    if (a.empty()) return Nothing{};
    for (const Frame& f : a)
        if (!f.is_bulk()) return Invalid{"ERR Protocol error: expected '$' in a command", true};
    std::string name = lower(a[0].str);
    std::size_t n = a.size();
    if (name == "get") {
        if (n != 2) return arity(name);
        return Get{std::move(a[1].str)};
    }
    if (name == "set") return parse_set(a);
    if (name == "ping") {
        if (n > 2) return arity(name);
        return Ping{n == 2 ? std::optional(std::move(a[1].str)) : std::nullopt};
    }
    if (name == "publish") {
        if (n != 3) return arity(name);
        return Publish{std::move(a[1].str), std::move(a[2].str)};
    }
    if (name == "subscribe") {
        if (n < 2) return arity(name);
        return Subscribe{rest(a)};
    }
    if (name == "unsubscribe") return Unsubscribe{rest(a)};
    if (name == "quit") return Quit{};
    if (name == "config") {
        if (n >= 2 && iequals(a[1].str, "get")) {
            if (n < 3) return Invalid{"ERR wrong number of arguments for 'config|get' command"};
            std::vector<std::string> params;
            for (std::size_t i = 2; i < n; ++i)
                params.push_back(lower(a[i].str));
            return ConfigGet{std::move(params)};
        }
        return Invalid{"ERR unknown subcommand '" + quoted_name(n >= 2 ? a[1].str : "") +
                       "'. Only CONFIG GET is supported"};
    }
    return Invalid{"ERR unknown command '" + quoted_name(a[0].str) + "'"};
}

Frame to_frame(const Command& cmd) {
    std::vector<Frame> a;
    auto word = [&](std::string_view s) { a.push_back(bulk_of(s)); };
    auto words = [&](const std::vector<std::string>& v) {
        for (const std::string& s : v)
            word(s);
    };
    std::visit(
        [&](const auto& c) {
            using C = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<C, Ping>) {
                word("PING");
                if (c.msg) word(*c.msg);
            } else if constexpr (std::is_same_v<C, Get>) {
                word("GET");
                word(c.key);
            } else if constexpr (std::is_same_v<C, Set>) {
                word("SET");
                word(c.key);
                word(c.value);
                if (c.expire) {
                    word("PX");
                    word(std::to_string(c.expire->count()));
                }
            } else if constexpr (std::is_same_v<C, Publish>) {
                word("PUBLISH");
                word(c.channel);
                word(c.message);
            } else if constexpr (std::is_same_v<C, Subscribe>) {
                word("SUBSCRIBE");
                words(c.channels);
            } else if constexpr (std::is_same_v<C, Unsubscribe>) {
                word("UNSUBSCRIBE");
                words(c.channels);
            } else if constexpr (std::is_same_v<C, Quit>) {
                word("QUIT");
            } else if constexpr (std::is_same_v<C, ConfigGet>) {
                word("CONFIG");
                word("GET");
                words(c.params);
            }
            // Nothing and Invalid: an empty array
        },
        cmd);
    return Frame::array_of(std::move(a));
}

Frame apply(Command&& cmd, Db& db) {
    return std::visit(
        [&](auto& c) -> Frame {
            using C = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<C, Ping>) {
                return c.msg ? Frame::bulk(std::move(*c.msg)) : Frame::simple("PONG");
            } else if constexpr (std::is_same_v<C, Get>) {
                auto v = db.get(c.key);
                return v ? Frame::bulk(std::move(*v)) : Frame::null();
            } else if constexpr (std::is_same_v<C, Set>) {
                db.set(std::move(c.key), std::move(c.value), c.expire);
                return Frame::simple("OK");
            } else if constexpr (std::is_same_v<C, Publish>) {
                return Frame::integer_of(
                    static_cast<std::int64_t>(db.publish(c.channel, std::move(c.message))));
            } else if constexpr (std::is_same_v<C, ConfigGet>) {
                // mini-redis keeps nothing on disk: say so to those who ask (redis-benchmark
                // does), and answer any other parameter as Redis answers an unknown one.
                std::vector<Frame> out;
                for (const std::string& p : c.params) {
                    if (p == "save" || p == "appendonly") {
                        out.push_back(bulk_of(p));
                        out.push_back(bulk_of(p == "save" ? "" : "no"));
                    }
                }
                return Frame::array_of(std::move(out));
            } else if constexpr (std::is_same_v<C, Invalid>) {
                return Frame::error(c.message);
            } else {
                return Frame::error("ERR internal: not a database command");
            }
        },
        cmd);
}

Frame subscribe_mode_error(std::string_view command_name) {
    return Frame::error("ERR Can't execute '" + quoted_name(command_name) +
                        "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                        "allowed in this context");
}

}  // namespace mini_redis
