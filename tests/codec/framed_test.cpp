// FramedRead / FramedWrite / Framed in memory, single-threaded: frames split across reads (one
// byte per read, every other poll Pending), a frame larger than any single read (1 MiB), end of
// stream inside a frame (FrameError, then the end) and on a frame boundary (the end), the maximum
// line length through FramedRead, reads only when the decoder needs bytes, backpressure (a stuck
// or slow writer: feed() stops encoding at the boundary), send() = feed() + flush(), the cancel
// safety of next() and feed(), and Framed over weft::io::duplex.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft::codec;
using weft::Context;
using weft::Poll;
using weft_test::CountingWaker;

namespace {

// Gives `data` at most `chunk` bytes per read, then end of stream. With `trickle`, every other
// poll is Pending (waking at once), as a socket whose bytes come in slowly.
struct TrickleReader {
    std::string data;
    std::size_t chunk = 1;
    bool trickle = true;
    std::size_t pos = 0;
    bool pend_next = true;
    int reads = 0;  // reads that returned bytes or end of stream
    std::size_t largest_read = 0;

    Poll<std::size_t> poll_read(Context& cx, std::span<std::byte> buf) {
        if (trickle) {
            pend_next = !pend_next;
            if (!pend_next) {
                cx.waker().wake_by_ref();
                return weft::Pending;
            }
        }
        ++reads;
        std::size_t n = std::min({chunk, buf.size(), data.size() - pos});
        std::memcpy(buf.data(), data.data() + pos, n);
        pos += n;
        largest_read = std::max(largest_read, n);
        return n;
    }
};

// A reader fed by hand: Pending (remembering the waker) while nothing is queued.
struct ManualReader {
    std::deque<std::string>* chunks;  // a chunk of "" is end of stream
    Poll<std::size_t> poll_read(Context&, std::span<std::byte> buf) {
        if (chunks->empty()) return weft::Pending;
        std::string& c = chunks->front();
        if (c.empty()) return std::size_t{0};
        std::size_t n = std::min(buf.size(), c.size());
        std::memcpy(buf.data(), c.data(), n);
        c.erase(0, n);
        if (c.empty()) chunks->pop_front();
        return n;
    }
};

// A writer that accepts at most `per_write` bytes, and only while `open`; Pending otherwise
// (it then wakes at once when `wake_on_pending`, as a socket draining slowly).
struct SlowWriter {
    std::string* out;
    std::size_t per_write = 3;
    bool open = true;
    bool wake_on_pending = false;
    bool alternate = false;  // Pending every other poll
    bool pend_next = false;
    int flushes = 0;
    bool shut = false;

    Poll<std::size_t> poll_write(Context& cx, std::span<const std::byte> b) {
        if (alternate) pend_next = !pend_next;
        if (!open || pend_next) {
            if (wake_on_pending) cx.waker().wake_by_ref();
            return weft::Pending;
        }
        std::size_t n = std::min(per_write, b.size());
        out->append(reinterpret_cast<const char*>(b.data()), n);
        return n;
    }
    Poll<void> poll_flush(Context&) {
        ++flushes;
        return weft::Ready;
    }
    Poll<void> poll_shutdown(Context&) {
        shut = true;
        return weft::Ready;
    }
};

std::string length_prefixed(const std::vector<std::string>& frames) {
    LengthDelimitedCodec c;
    BytesMut wire;
    for (const auto& f : frames)
        c.encode(f, wire);
    return std::string(wire.view());
}

template <class S>
weft::Task<std::vector<std::string>> collect_strings(S& s) {
    std::vector<std::string> out;
    while (auto f = co_await weft::stream::next(s)) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(*f)>, std::string>) {
            out.push_back(*f);
        } else {
            out.emplace_back(f->view());
        }
    }
    co_return out;
}

}  // namespace

TEST(FramedRead, LinesOneByteAtATimeWithPendingPolls) {
    TrickleReader r{"first\r\nsecond\nthird\n"};
    FramedRead framed(r, LinesCodec());
    auto lines = weft::block_on(collect_strings(framed));
    EXPECT_EQ(lines, (std::vector<std::string>{"first", "second", "third"}));
    EXPECT_EQ(framed.get_ref().largest_read, 1u);  // really one byte per read
}

TEST(FramedRead, LengthDelimitedOneByteAtATime) {
    std::vector<std::string> frames{"alpha", "", std::string(300, 'b'), "omega"};
    TrickleReader r{length_prefixed(frames)};
    FramedRead framed(r, LengthDelimitedCodec());
    EXPECT_EQ(weft::block_on(collect_strings(framed)), frames);
}

TEST(FramedRead, FrameLargerThanAnySingleRead) {
    std::string big(1 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>('a' + i % 26);
    std::vector<std::string> frames{"small", big, "after"};
    TrickleReader r{length_prefixed(frames), 4096, true};
    FramedRead framed(r, LengthDelimitedCodec());
    auto got = weft::block_on(collect_strings(framed));
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], "small");
    EXPECT_TRUE(got[1] == big);  // (not EXPECT_EQ: no 1 MiB diff on failure)
    EXPECT_EQ(got[2], "after");
    EXPECT_LE(framed.get_ref().largest_read, 4096u);
    EXPECT_GE(framed.get_ref().reads, (1 << 20) / 4096);
}

TEST(FramedRead, ReadsOnlyWhenTheDecoderNeedsBytes) {
    // Three lines in one read: all three come out of that one read, and the next read is
    // the end of stream.
    TrickleReader r{"a\nb\nc\n", 1 << 16, false};
    FramedRead framed(r, LinesCodec());
    auto lines = weft::block_on(collect_strings(framed));
    EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(framed.get_ref().reads, 2);
}

TEST(FramedRead, EofInsideAFrameIsAFrameErrorThenTheEnd) {
    std::string wire = length_prefixed({"whole", "cut short"});
    wire.resize(wire.size() - 3);
    TrickleReader r{wire, 2, true};
    FramedRead framed(r, LengthDelimitedCodec());
    weft::block_on([&]() -> weft::Task<void> {
        auto first = co_await weft::stream::next(framed);
        EXPECT_TRUE(first.has_value() && first->view() == "whole");
        bool thrown = false;
        try {
            (void)co_await weft::stream::next(framed);
        } catch (const FrameError&) {
            thrown = true;
        }
        EXPECT_TRUE(thrown);
        // The stream has ended: no hang, no second error.
        auto after = co_await weft::stream::next(framed);
        EXPECT_FALSE(after.has_value());
    }());
}

TEST(FramedRead, EofInsideAHeadIsAFrameError) {
    TrickleReader r{std::string("\0\0", 2), 1, false};
    FramedRead framed(r, LengthDelimitedCodec());
    EXPECT_THROW(weft::block_on(collect_strings(framed)), FrameError);
}

TEST(FramedRead, CleanEofEndsTheStream) {
    TrickleReader r{length_prefixed({"one", "two"}), 3, true};
    FramedRead framed(r, LengthDelimitedCodec());
    weft::block_on([&]() -> weft::Task<void> {
        auto got = co_await collect_strings(framed);
        EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
        // Ended for good: asking again gives the end again, without reading.
        int reads = framed.get_ref().reads;
        EXPECT_FALSE((co_await weft::stream::next(framed)).has_value());
        EXPECT_EQ(framed.get_ref().reads, reads);
    }());
    TrickleReader empty{"", 1, true};
    FramedRead none(empty, LinesCodec());
    EXPECT_TRUE(weft::block_on(collect_strings(none)).empty());
}

TEST(FramedRead, MaxLineLengthThrowsFrameError) {
    TrickleReader r{"short\n" + std::string(100, 'x') + "\nnever\n", 7, true};
    FramedRead framed(r, LinesCodec::with_max_length(16));
    weft::block_on([&]() -> weft::Task<void> {
        auto first = co_await weft::stream::next(framed);
        EXPECT_EQ(first, std::optional<std::string>("short"));
        bool thrown = false;
        try {
            (void)co_await weft::stream::next(framed);
        } catch (const FrameError&) {
            thrown = true;
        }
        EXPECT_TRUE(thrown);
        // Thrown long before the 100-byte line was read: no more than the limit was buffered.
        EXPECT_LT(framed.get_ref().pos, 6u + 16u + 2u + 7u);
        EXPECT_FALSE((co_await weft::stream::next(framed)).has_value());  // ended
    }());
}

TEST(FramedRead, NextIsCancelSafe) {
    std::deque<std::string> chunks;
    FramedRead framed(ManualReader{&chunks}, LengthDelimitedCodec());
    CountingWaker w;
    std::string wire = length_prefixed({"hello world", "second"});
    // Feed the first frame in pieces, each time polling a fresh next() once and dropping it.
    for (std::size_t i = 0; i < 9; ++i) {
        chunks.push_back(wire.substr(i, 1));
        auto next = weft::stream::next(framed);
        EXPECT_TRUE(weft_test::poll_once(next, w).is_pending()) << i;
    }  // each next() dropped while pending, with part of the frame read
    EXPECT_EQ(framed.read_buffer().size(), 5u);  // the partial payload is kept
    chunks.push_back(wire.substr(9));
    auto next = weft::stream::next(framed);
    auto p = weft_test::poll_once(next, w);
    ASSERT_TRUE(p.is_ready());
    ASSERT_TRUE(p.value().has_value());
    EXPECT_EQ(p.value()->view(), "hello world");
    auto next2 = weft::stream::next(framed);
    auto p2 = weft_test::poll_once(next2, w);
    ASSERT_TRUE(p2.is_ready() && p2.value().has_value());
    EXPECT_EQ(p2.value()->view(), "second");
}

TEST(FramedWrite, FeedBuffersFlushWritesCloseShutsDown) {
    std::string out;
    FramedWrite fw(SlowWriter{&out, 2, true, true, true}, LinesCodec());
    weft::block_on([&]() -> weft::Task<void> {
        co_await fw.feed(std::string("one"));
        co_await fw.feed("two");
        EXPECT_EQ(out, "");  // below the boundary: buffered, not written
        co_await fw.flush();
        EXPECT_EQ(out, "one\ntwo\n");
        EXPECT_TRUE(fw.write_buffer().empty());
        EXPECT_EQ(fw.get_ref().flushes, 1);
        co_await fw.feed("three");
        co_await fw.close();
        EXPECT_EQ(out, "one\ntwo\nthree\n");
        EXPECT_TRUE(fw.get_ref().shut);
    }());
}

TEST(FramedWrite, BackpressureStopsEncodingAtTheBoundary) {
    std::string out;
    FramedWrite fw(SlowWriter{&out, 3, false}, LinesCodec());  // stuck: accepts nothing
    fw.set_backpressure_boundary(64);
    CountingWaker w;
    const std::string item(9, 'x');  // 10 bytes encoded
    int completed = 0;
    for (int i = 0; i < 100; ++i) {
        auto feed = fw.feed(item);
        if (weft_test::poll_once(feed, w).is_pending()) break;
        ++completed;
    }
    // 6 feeds complete (60 bytes); the 7th is encoded (70 >= 64) and then waits for the
    // writer, so the loop drops it: its item stays in the buffer.
    EXPECT_EQ(completed, 6);
    EXPECT_EQ(fw.write_buffer().size(), 70u);
    // A new feed waits before encoding; polling it again encodes nothing more.
    auto waiting = fw.feed(item);
    for (int i = 0; i < 10; ++i)
        EXPECT_TRUE(weft_test::poll_once(waiting, w).is_pending());
    EXPECT_EQ(fw.write_buffer().size(), 70u);
    // The writer opens, 3 bytes at a time: the feed goes through once below the boundary.
    fw.get_mut().open = true;
    auto p = weft_test::poll_once(waiting, w);
    EXPECT_TRUE(p.is_ready());
    EXPECT_LT(fw.write_buffer().size(), 64u + 10u);
}

TEST(FramedWrite, SlowWriterBufferStaysBounded) {
    std::string out;
    FramedWrite fw(SlowWriter{&out, 3, true, true, true}, LinesCodec());
    fw.set_backpressure_boundary(100);
    std::size_t high = 0;
    std::string expect;
    weft::block_on([&]() -> weft::Task<void> {
        for (int i = 0; i < 2000; ++i) {
            std::string line = "line " + std::to_string(i);
            expect += line + "\n";
            co_await fw.feed(std::move(line));
            high = std::max(high, fw.write_buffer().size());
        }
        co_await fw.flush();
    }());
    EXPECT_EQ(out, expect);
    EXPECT_LT(high, 100u);  // a completed feed left the buffer below the boundary
    EXPECT_LT(fw.write_buffer().capacity(), 1024u);
}

TEST(FramedWrite, FeedDroppedAfterEncodingGoesOutOnFlush) {
    std::string out;
    FramedWrite fw(SlowWriter{&out, 100, false}, LinesCodec());
    fw.set_backpressure_boundary(4);
    CountingWaker w;
    {
        auto feed = fw.feed("encoded");  // 8 bytes >= 4: encoded, then waits on the writer
        EXPECT_TRUE(weft_test::poll_once(feed, w).is_pending());
    }  // dropped
    EXPECT_EQ(fw.write_buffer().view(), "encoded\n");
    {
        auto feed = fw.feed("never");  // dropped before encoding: not sent at all
        EXPECT_TRUE(weft_test::poll_once(feed, w).is_pending());
    }
    fw.get_mut().open = true;
    weft::block_on(fw.flush());
    EXPECT_EQ(out, "encoded\n");
}

TEST(FramedWrite, SendIsFeedThenFlush) {
    // Rust's SinkExt::send: when it completes, the item (and everything fed before it) has been
    // written and the writer flushed; feed alone leaves a short item in the buffer.
    std::string out;
    FramedWrite fw(SlowWriter{&out, 2, true, true, true}, LinesCodec());
    weft::block_on([&]() -> weft::Task<void> {
        co_await fw.feed("one");
        EXPECT_EQ(out, "");
        co_await fw.send("two");
        EXPECT_EQ(out, "one\ntwo\n");
        EXPECT_TRUE(fw.write_buffer().empty());
        EXPECT_EQ(fw.get_ref().flushes, 1);
    }());
}

TEST(FramedWrite, EncodeErrorLeavesTheBufferIntact) {
    std::string out;
    FramedWrite fw(SlowWriter{&out, 100}, LengthDelimitedCodec().max_frame_length(4));
    weft::block_on([&]() -> weft::Task<void> {
        co_await fw.send(std::string_view("ok"));
        bool thrown = false;
        try {
            co_await fw.send(std::string_view("too long"));
        } catch (const FrameError&) {
            thrown = true;
        }
        EXPECT_TRUE(thrown);
        co_await fw.flush();
    }());
    EXPECT_EQ(out, std::string_view("\0\0\0\2ok", 6));
}

TEST(Framed, RoundTripOverDuplex) {
    weft_test::Watchdog dog;
    auto [client_io, server_io] = weft::io::duplex(64);  // small: many partial reads
    Framed client(std::move(client_io), LengthDelimitedCodec());
    Framed server(std::move(server_io), LengthDelimitedCodec());
    std::vector<std::string> sent;
    for (int i = 0; i < 50; ++i)
        sent.push_back(
            std::string(static_cast<std::size_t>(i * 37), static_cast<char>('a' + i % 26)));
    sent.push_back(std::string(200000, 'z'));
    weft::block_on([&]() -> weft::Task<void> {
        auto produce = [&]() -> weft::Task<void> {
            for (const auto& s : sent)
                co_await client.send(std::string_view(s));
            co_await client.close();  // server sees end of stream after the last frame
        };
        auto echo = [&]() -> weft::Task<void> {
            while (auto f = co_await weft::stream::next(server))
                co_await server.send(std::move(*f));
            co_await server.close();
        };
        auto consume = [&]() -> weft::Task<std::vector<std::string>> {
            co_return co_await collect_strings(client);
        };
        auto [a, b, got] = co_await weft::join(produce(), echo(), consume());
        (void)a;
        (void)b;
        EXPECT_EQ(got.size(), sent.size());
        EXPECT_TRUE(got == sent);
    }());
}
