#pragma once
/// \file
/// The database every connection shares: keys with optional deadlines, and pub/sub channels.
///
/// Design. One `std::mutex` guards the whole state. Every operation is a short, synchronous
/// critical section (a hash lookup, an insert, a send on a channel that never waits), and none
/// of these functions is a coroutine, so the lock can never be held across a `co_await`: a
/// task never suspends holding it, and a worker thread never blocks on it for longer than
/// another thread's map operation. An async mutex (weft::sync::Mutex) would only be needed if
/// the state had to stay locked while waiting for something, which it never does; it would cost
/// an extra future per command.
///
/// Expiry: keys with a deadline are also kept in an ordered set of (deadline, key). A GET of a
/// key past its deadline finds nothing, even before it is removed. Removal is the job of one
/// background task, `purge_task()`, which deletes every expired key, then sleeps (on the
/// runtime's timer) until the earliest deadline left, or until `set` gives a key a deadline
/// earlier than that one and wakes it through a `Notify` (whose stored permit means a wake-up
/// sent between its unlock and its wait is not lost).
///
/// Pub/sub: a `weft::sync::broadcast` channel per channel name, created by the first subscriber
/// and dropped by the first publish that finds no subscriber left. A subscriber that falls more
/// than `channel_capacity` messages behind loses the oldest (the connection reports nothing;
/// Redis would instead disconnect a client whose output buffer grows too large).
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "weft/coro/task.hpp"
#include "weft/sync/broadcast.hpp"

namespace mini_redis {

class Db {
  public:
    /// Messages a subscriber may fall behind by before it loses the oldest.
    static constexpr std::size_t channel_capacity = 1024;

    Db();
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    /// The value of `key`, if it is set and has not expired.
    std::optional<std::string> get(std::string_view key) const;
    /// Sets `key`; with `expire` it disappears that long from now, without it any earlier
    /// deadline is cleared (as Redis's plain SET).
    void set(std::string key, std::string value, std::optional<std::chrono::milliseconds> expire);

    /// A receiver of every message published on `channel` from now on.
    weft::sync::broadcast::Receiver<std::string> subscribe(const std::string& channel);
    /// Sends `message` to the subscribers of `channel`; how many there were.
    std::size_t publish(const std::string& channel, std::string message);

    /// Removes expired keys until `shutdown()`; spawn it once on the server's runtime. It holds
    /// its own reference to the state, so it may outlive this `Db` object.
    weft::Task<void> purge_task();
    /// Ends the purge task (soon after; await its JoinHandle to be sure).
    void shutdown();

    /// Keys stored now, expired ones not yet purged included (for tests).
    std::size_t size() const;

    struct State;

  private:
    std::shared_ptr<State> st_;
};

}  // namespace mini_redis
