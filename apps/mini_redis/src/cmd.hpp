#pragma once
/// \file
/// The commands mini-redis understands, parsed from the frames clients send (an array of bulk
/// strings, as Redis clients write them) and written back as frames by `mini_redis::Client`.
///
/// Parsing never throws and never closes anything by itself: a command it cannot accept becomes
/// `Invalid`, which says what to answer and whether the connection must close (a frame that is
/// not an array of bulk strings is a protocol error, as in Redis; a wrong argument count or an
/// unknown option is an ordinary -ERR reply). `apply` runs the commands that need only the
/// database; the subscribe-mode ones need the connection and live in server.cpp.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "frame.hpp"

namespace mini_redis {

class Db;

struct Ping {
    std::optional<std::string> msg;
};
struct Get {
    std::string key;
};
struct Set {
    std::string key;
    std::string value;
    std::optional<std::chrono::milliseconds> expire;  ///< EX / PX; none clears a TTL
};
struct Publish {
    std::string channel;
    std::string message;
};
struct Subscribe {
    std::vector<std::string> channels;
};
struct Unsubscribe {
    std::vector<std::string> channels;  ///< empty: every channel
};
struct Quit {};
/// `CONFIG GET param...`: what redis-benchmark asks at start-up (see docs/mini_redis.md).
struct ConfigGet {
    std::vector<std::string> params;
};
/// An empty command (`*0` or a null array): Redis ignores it, and so do we.
struct Nothing {};
/// A command that gets an error reply: unknown, wrong arity, bad option, or (when
/// `protocol_error`) a frame that is not a command at all, after which the connection closes.
struct Invalid {
    std::string message;  ///< the error reply's text, e.g. "ERR unknown command 'xyz'"
    bool protocol_error = false;
};

using Command = std::variant<Ping, Get, Set, Publish, Subscribe, Unsubscribe, Quit, ConfigGet,
                             Nothing, Invalid>;

/// The command a client's frame asks for.
Command parse_command(Frame frame);

/// The frame a client sends for `cmd` (the inverse of `parse_command` for the valid ones).
Frame to_frame(const Command& cmd);

/// Runs a command that needs only the database (Ping, Get, Set, Publish, ConfigGet, Invalid)
/// and returns the reply. Subscribe, Unsubscribe, Quit and Nothing are the connection's.
Frame apply(Command&& cmd, Db& db);

/// The error reply for a command refused in subscribe mode, as Redis words it.
Frame subscribe_mode_error(std::string_view command_name);

/// The lower-case name a command frame asks for ("" if it has none).
std::string command_name(const Frame& frame);

}  // namespace mini_redis
