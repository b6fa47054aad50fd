#pragma once
/// \file
/// `StreamMap<K, S>`: a keyed merge of streams, each item tagged with its stream's key.

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "weft/stream/stream.hpp"

namespace weft::stream {

/// Many streams of one type under keys, merged: an item comes out as `(key, item)`
/// (tokio-stream's `StreamMap`). A stream that ends is removed from the map; the map as a stream
/// ends when it is empty. Streams may be inserted and removed between polls, which makes it the
/// tool for a changing set of subscriptions (a chat room's members, a client's topics).
///
/// ```cpp
/// weft::stream::StreamMap<std::string, weft::stream::ReceiverStream<Msg>> rooms;
/// rooms.insert("lobby", weft::stream::ReceiverStream<Msg>(std::move(lobby_rx)));
/// rooms.insert("dev", weft::stream::ReceiverStream<Msg>(std::move(dev_rx)));
/// while (auto m = co_await weft::stream::next(rooms))
///     show(m->first, m->second);  // the room, the message
/// ```
///
/// - Each stream sits in a heap block of its own, so it never moves once polled, whatever the
///   map does; `remove` hands back that block (`std::unique_ptr<S>`).
/// - Every `poll_next` polls the streams in turn, starting one further along each time, so a
///   stream that is always ready cannot starve the others. One waker serves them all: a poll
///   costs O(number of streams), as Tokio's does. For thousands of mostly idle streams, a
///   `FuturesUnordered` of `next` futures polls only the woken ones.
/// - Keys are compared with `==` (a linear search, like Tokio's `Vec`-backed map): meant for
///   tens of streams, not millions.
template <class K, Stream S>
class StreamMap {
  public:
    using Item = std::pair<K, item_t<S>>;

    StreamMap() = default;
    StreamMap(StreamMap&&) noexcept = default;
    StreamMap& operator=(StreamMap&&) noexcept = default;

    /// Adds `s` under `key`. A stream already under that key is replaced and handed back.
    std::unique_ptr<S> insert(K key, S s) {
        auto block = std::make_unique<S>(std::move(s));
        for (auto& e : entries_) {
            if (e.key == key) return std::exchange(e.stream, std::move(block));
        }
        entries_.push_back(Entry{std::move(key), std::move(block)});
        return nullptr;
    }
    /// Removes the stream under `key` and hands it back (null if there is none).
    std::unique_ptr<S> remove(const K& key) {
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (entries_[i].key == key) {
                auto s = std::move(entries_[i].stream);
                entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
                return s;
            }
        }
        return nullptr;
    }
    /// True if a stream is under `key`.
    bool contains_key(const K& key) const {
        for (auto& e : entries_) {
            if (e.key == key) return true;
        }
        return false;
    }
    /// The stream under `key`, or null.
    S* get(const K& key) noexcept {
        for (auto& e : entries_) {
            if (e.key == key) return e.stream.get();
        }
        return nullptr;
    }
    std::size_t len() const noexcept { return entries_.size(); }
    bool is_empty() const noexcept { return entries_.empty(); }
    /// The keys, in the map's order (which changes as streams end or are removed).
    std::vector<K> keys() const {
        std::vector<K> out;
        out.reserve(entries_.size());
        for (auto& e : entries_)
            out.push_back(e.key);
        return out;
    }

    Poll<std::optional<Item>> poll_next(Context& cx) {
        std::size_t n = entries_.size();
        std::size_t start = n == 0 ? 0 : next_start_++ % n;
        std::optional<Item> out;
        bool any_ended = false;
        for (std::size_t k = 0; k < n && !out; ++k) {
            Entry& e = entries_[(start + k) % n];
            auto p = e.stream->poll_next(cx);
            if (p.is_pending()) continue;
            if (auto& item = p.value()) {
                out.emplace(e.key, std::move(*item));
            } else {
                e.ended = true;  // removed below, once the visit is over
                any_ended = true;
            }
        }
        if (any_ended) std::erase_if(entries_, [](const Entry& e) { return e.ended; });
        if (out || entries_.empty()) return out;  // an item, or the end: no stream is left
        return Pending;
    }

  private:
    struct Entry {
        K key;
        std::unique_ptr<S> stream;  // the stream never moves; only this pointer does
        bool ended = false;
    };

    std::vector<Entry> entries_;
    std::size_t next_start_ = 0;
};

}  // namespace weft::stream
