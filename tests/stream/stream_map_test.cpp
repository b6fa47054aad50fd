// weft::stream::StreamMap: items tagged with their stream's key, ended streams leave the map,
// the map ends when empty, insert replaces, remove hands the stream back, no stream starves
// another, and a stream never moves once polled however the map grows.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
namespace stream = weft::stream;

namespace {

// Always ready with its own tag; never ends.
struct Repeat {
    using Item = int;
    int v;
    weft::Poll<std::optional<int>> poll_next(weft::Context&) { return std::optional<int>(v); }
};

// Pending forever; records where it was first polled and fails if it is polled elsewhere.
struct Pinned {
    using Item = int;
    const Pinned* first = nullptr;
    int* moved_polls;
    explicit Pinned(int& m) : moved_polls(&m) {}
    weft::Poll<std::optional<int>> poll_next(weft::Context&) {
        if (first == nullptr) first = this;
        if (first != this) ++*moved_polls;
        return weft::Pending;
    }
};

// One poll_next by hand: the item, `std::nullopt` inside at the end, empty while pending.
template <class S>
auto poll_next_once(S& s, CountingWaker& w) {
    auto n = stream::next(s);
    return poll_output(n, w);
}

}  // namespace

TEST(StreamMap, TagsItemsWithTheirKeyDropsEndedStreamsAndEndsWhenEmpty) {
    stream::StreamMap<std::string, stream::Iter<std::vector<int>>> map;
    map.insert("a", stream::iter(std::vector<int>{1, 2, 3}));
    map.insert("b", stream::iter(std::vector<int>{10}));
    EXPECT_EQ(map.len(), 2u);
    std::map<std::string, std::vector<int>> got;
    weft::block_on([&]() -> weft::Task<void> {
        while (auto kv = co_await stream::next(map))
            got[kv->first].push_back(kv->second);
    }());
    EXPECT_EQ(got["a"], (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(got["b"], (std::vector<int>{10}));
    EXPECT_TRUE(map.is_empty()) << "ended streams are removed";
    CountingWaker w;
    auto end = poll_next_once(map, w);
    ASSERT_TRUE(end.has_value()) << "an empty map is ready";
    EXPECT_FALSE(end->has_value()) << "... with the end";
}

TEST(StreamMap, InsertReplacesAndRemoveHandsTheStreamBack) {
    stream::StreamMap<int, Repeat> map;
    EXPECT_EQ(map.insert(1, Repeat{100}), nullptr);
    auto old = map.insert(1, Repeat{200});
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->v, 100);
    map.insert(2, Repeat{300});
    EXPECT_TRUE(map.contains_key(2));
    EXPECT_EQ(map.get(1)->v, 200);
    EXPECT_EQ(map.keys(), (std::vector<int>{1, 2}));
    auto two = map.remove(2);
    ASSERT_NE(two, nullptr);
    EXPECT_EQ(two->v, 300);
    EXPECT_EQ(map.remove(2), nullptr);
    EXPECT_FALSE(map.contains_key(2));
    CountingWaker w;
    auto item = poll_next_once(map, w);
    ASSERT_TRUE(item && *item);
    EXPECT_EQ((*item)->first, 1);
    EXPECT_EQ((*item)->second, 200);
}

TEST(StreamMap, AnAlwaysReadyStreamDoesNotStarveTheOthers) {
    stream::StreamMap<int, Repeat> map;
    for (int k = 0; k < 3; ++k)
        map.insert(k, Repeat{k});
    std::map<int, int> seen;
    CountingWaker w;
    for (int i = 0; i < 30; ++i)
        seen[(*poll_next_once(map, w))->first]++;
    EXPECT_EQ(seen, (std::map<int, int>{{0, 10}, {1, 10}, {2, 10}}));
}

TEST(StreamMap, WaitsForItsStreamsAndWakesOnAnyOfThem) {
    Watchdog dog;
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
    auto got = rt.block_on([]() -> weft::Task<std::vector<std::pair<char, int>>> {
        auto [tx_a, rx_a] = weft::sync::mpsc::channel<int>(4);
        auto [tx_b, rx_b] = weft::sync::mpsc::channel<int>(4);
        stream::StreamMap<char, stream::ReceiverStream<int>> map;
        map.insert('a', stream::ReceiverStream<int>(std::move(rx_a)));
        map.insert('b', stream::ReceiverStream<int>(std::move(rx_b)));
        auto feeder = weft::spawn([](weft::sync::mpsc::Sender<int> a_arg,
                                     weft::sync::mpsc::Sender<int> b_arg) -> weft::Task<void> {
            // Locals, not the parameters: those live until the JoinHandle is consumed, and the
            // map only ends once both senders are gone.
            auto a = std::move(a_arg);
            auto b = std::move(b_arg);
            co_await weft::yield_now();  // the map is parked on both by now
            (void)co_await b.send(1);
            co_await weft::yield_now();
            (void)co_await a.send(2);
        }(std::move(tx_a), std::move(tx_b)));
        std::vector<std::pair<char, int>> out;
        while (auto kv = co_await stream::next(map))
            out.push_back(*kv);
        co_await feeder;
        co_return out;
    }());
    EXPECT_EQ(got, (std::vector<std::pair<char, int>>{{'b', 1}, {'a', 2}}));
}

TEST(StreamMap, AStreamNeverMovesOncePolledWhileTheMapGrowsAndShrinks) {
    int moved_polls = 0;
    stream::StreamMap<int, Pinned> map;
    CountingWaker w;
    for (int k = 0; k < 100; ++k) {
        map.insert(k, Pinned(moved_polls));
        EXPECT_FALSE(poll_next_once(map, w).has_value());  // all polled, then the map grows
        if (k % 3 == 0) map.remove(k / 2);
    }
    EXPECT_EQ(moved_polls, 0);
}
