// The shared database (see db.hpp for the design: one std::mutex, never held across an await;
// a purge task woken by a Notify; a broadcast channel per pub/sub channel).
#include "db.hpp"

#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include "weft/future/select.hpp"
#include "weft/sync/notify.hpp"
#include "weft/time/instant.hpp"
#include "weft/time/sleep.hpp"

namespace mini_redis {

using weft::time::Instant;

struct Db::State {
    struct Entry {
        std::string value;
        std::optional<Instant> expires_at;
    };

    // Looks keys up by std::string_view without building a std::string (C++20's
    // heterogeneous lookup for unordered containers).
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };

    mutable std::mutex mu;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;  // under mu
    std::set<std::pair<Instant, std::string>> expirations;                  // under mu
    std::map<std::string, weft::sync::broadcast::Sender<std::string>, std::less<>>
        channels;           // under mu
    bool shutdown = false;  // under mu
    weft::sync::Notify purge_wakeup;

    // Removes the keys whose deadline is not after `now`; the next deadline left, if any.
    std::optional<Instant> purge_locked(Instant now) {
        while (!expirations.empty()) {
            auto it = expirations.begin();
            if (it->first > now) return it->first;
            entries.erase(it->second);
            expirations.erase(it);
        }
        return std::nullopt;
    }
};

Db::Db() : st_(std::make_shared<State>()) {}

Db::~Db() {
    shutdown();
}

std::optional<std::string> Db::get(std::string_view key) const {
    std::lock_guard lock(st_->mu);
    auto it = st_->entries.find(key);
    if (it == st_->entries.end()) return std::nullopt;
    if (it->second.expires_at && *it->second.expires_at <= Instant::now()) return std::nullopt;
    return it->second.value;
}

void Db::set(std::string key, std::string value, std::optional<std::chrono::milliseconds> expire) {
    std::optional<Instant> deadline;
    if (expire) deadline = Instant::now() + *expire;
    bool wake = false;
    std::string old_value;  // destroyed after the unlock: a big value is freed outside the lock
    {
        std::lock_guard lock(st_->mu);
        auto [it, inserted] = st_->entries.try_emplace(key);
        State::Entry& e = it->second;
        if (!inserted) {
            if (e.expires_at) st_->expirations.erase({*e.expires_at, key});
            old_value = std::move(e.value);
        }
        e.value = std::move(value);
        e.expires_at = deadline;
        if (deadline) {
            // The purge task sleeps until the earliest deadline: wake it if this one is earlier.
            wake = st_->expirations.empty() || *deadline < st_->expirations.begin()->first;
            st_->expirations.emplace(*deadline, std::move(key));
        }
    }
    if (wake) st_->purge_wakeup.notify_one();
}

weft::sync::broadcast::Receiver<std::string> Db::subscribe(const std::string& channel) {
    std::lock_guard lock(st_->mu);
    auto it = st_->channels.find(channel);
    if (it == st_->channels.end()) {
        auto [tx, rx] = weft::sync::broadcast::channel<std::string>(channel_capacity);
        st_->channels.emplace(channel, std::move(tx));
        return std::move(rx);
    }
    return it->second.subscribe();
}

std::size_t Db::publish(const std::string& channel, std::string message) {
    std::lock_guard lock(st_->mu);
    auto it = st_->channels.find(channel);
    if (it == st_->channels.end()) return 0;
    auto r = it->second.send(std::move(message));
    if (!r) {
        st_->channels.erase(it);  // nobody listens any more
        return 0;
    }
    return r.receiver_count();
}

weft::Task<void> Db::purge_task() {
    std::shared_ptr<State> st = st_;
    for (;;) {
        std::optional<Instant> next;
        {
            std::lock_guard lock(st->mu);
            if (st->shutdown) break;
            next = st->purge_locked(Instant::now());
        }
        // Not under the lock: a set() that makes an earlier deadline meanwhile stores a permit
        // in the Notify, so this wait ends at once.
        if (next) {
            co_await weft::select(weft::time::sleep_until(*next), st->purge_wakeup.notified());
        } else {
            co_await st->purge_wakeup.notified();
        }
    }
}

void Db::shutdown() {
    {
        std::lock_guard lock(st_->mu);
        st_->shutdown = true;
    }
    st_->purge_wakeup.notify_one();
}

std::size_t Db::size() const {
    std::lock_guard lock(st_->mu);
    return st_->entries.size();
}

}  // namespace mini_redis
