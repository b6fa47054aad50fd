// The built-in codecs on their own, driven by hand over a BytesMut: LinesCodec (endings, a line
// arriving a byte at a time, the maximum length and the recovery after it, the last line at end
// of stream), LengthDelimitedCodec (every field width and byte order, the maximum frame length,
// a partial head or payload at end of stream) and BytesCodec.

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/codec/codec.hpp"

using namespace weft::codec;

namespace {

std::vector<std::string> decode_all(LinesCodec& c, BytesMut& b) {
    std::vector<std::string> out;
    while (auto line = c.decode(b))
        out.push_back(*line);
    return out;
}

}  // namespace

TEST(LinesCodec, SplitsAndStripsEndings) {
    LinesCodec c;
    BytesMut b = BytesMut::copy_from("one\ntwo\r\n\nthree\r\r\nfour");
    EXPECT_EQ(decode_all(c, b), (std::vector<std::string>{"one", "two", "", "three\r"}));
    EXPECT_EQ(b.view(), "four");  // a partial line waits for more
    b.extend("\n");
    EXPECT_EQ(c.decode(b), std::optional<std::string>("four"));
    EXPECT_TRUE(b.empty());
}

TEST(LinesCodec, LineArrivingOneByteAtATime) {
    LinesCodec c;
    BytesMut b;
    const std::string text = "a fairly long line of text\r\nnext\n";
    std::vector<std::string> got;
    for (char ch : text) {
        b.extend(std::string_view(&ch, 1));
        if (auto line = c.decode(b)) got.push_back(*line);
    }
    EXPECT_EQ(got, (std::vector<std::string>{"a fairly long line of text", "next"}));
}

TEST(LinesCodec, EncodeAppendsNewline) {
    LinesCodec c;
    BytesMut b;
    c.encode("hi", b);
    c.encode(std::string("there"), b);
    EXPECT_EQ(b.view(), "hi\nthere\n");
}

TEST(LinesCodec, MaxLengthAllowsExactlyTheMaximum) {
    LinesCodec c = LinesCodec::with_max_length(5);
    BytesMut b = BytesMut::copy_from("12345\n12345\r\n");
    EXPECT_EQ(decode_all(c, b), (std::vector<std::string>{"12345", "12345"}));
}

TEST(LinesCodec, TooLongLineThrowsThenRecovers) {
    LinesCodec c = LinesCodec::with_max_length(5);
    BytesMut b = BytesMut::copy_from("123456\nok\n");
    EXPECT_THROW((void)c.decode(b), FrameError);
    EXPECT_EQ(c.decode(b), std::optional<std::string>("ok"));  // the long line was dropped
}

TEST(LinesCodec, TooLongLineThrowsBeforeItsEnd) {
    // No '\n' ever comes: the error must come once max_length + 2 bytes are buffered, not
    // after buffering the whole (endless) line.
    LinesCodec c = LinesCodec::with_max_length(8);
    BytesMut b;
    bool thrown = false;
    for (int i = 0; i < 100 && !thrown; ++i) {
        b.extend("x");
        try {
            EXPECT_FALSE(c.decode(b).has_value());
        } catch (const FrameError&) {
            thrown = true;
            EXPECT_EQ(i, 9);  // the 10th byte: 8 + '\r' + one more
        }
    }
    EXPECT_TRUE(thrown);
    // The rest of that line is discarded, whatever its length, up to its '\n'.
    b.extend(std::string(1000, 'y'));
    EXPECT_FALSE(c.decode(b).has_value());
    EXPECT_TRUE(b.empty());
    b.extend("yyy\nfine\n");
    EXPECT_EQ(c.decode(b), std::optional<std::string>("fine"));
}

TEST(LinesCodec, DecodeEofGivesTheLastLine) {
    LinesCodec c;
    BytesMut b = BytesMut::copy_from("a\nlast");
    EXPECT_EQ(c.decode_eof(b), std::optional<std::string>("a"));
    EXPECT_EQ(c.decode_eof(b), std::optional<std::string>("last"));
    EXPECT_EQ(c.decode_eof(b), std::nullopt);
    LinesCodec limited = LinesCodec::with_max_length(3);
    BytesMut long_tail = BytesMut::copy_from("abcd");
    EXPECT_THROW((void)limited.decode_eof(long_tail), FrameError);
}

TEST(LengthDelimitedCodec, RoundTripsEveryWidthAndOrder) {
    for (std::size_t width : {1u, 2u, 4u, 8u}) {
        for (bool big : {true, false}) {
            LengthDelimitedCodec c;
            c.length_field_length(width);
            if (big) {
                c.big_endian();
            } else {
                c.little_endian();
            }
            BytesMut wire;
            std::string payload(200, 'p');
            payload[0] = 'A';
            c.encode(payload, wire);
            c.encode(std::string_view(""), wire);
            c.encode(BytesMut::copy_from("xyz"), wire);
            EXPECT_EQ(wire.size(), 3 * width + 200 + 3);
            // The head: 200 in the right byte order.
            std::size_t at = big ? width - 1 : 0;
            EXPECT_EQ(wire[at], std::byte{200}) << width << " " << big;
            auto f1 = c.decode(wire);
            auto f2 = c.decode(wire);
            auto f3 = c.decode(wire);
            ASSERT_TRUE(f1 && f2 && f3);
            EXPECT_EQ(f1->view(), payload);
            EXPECT_TRUE(f2->empty());
            EXPECT_EQ(f3->view(), "xyz");
            EXPECT_FALSE(c.decode(wire).has_value());
        }
    }
}

TEST(LengthDelimitedCodec, DefaultIsFourBytesBigEndian) {
    LengthDelimitedCodec c;
    BytesMut wire;
    c.encode(std::string_view("hello"), wire);
    EXPECT_EQ(wire.view(), std::string_view("\0\0\0\5hello", 9));
}

TEST(LengthDelimitedCodec, PartialHeadAndPayloadWait) {
    LengthDelimitedCodec c;
    BytesMut wire;
    std::string_view frame("\0\0\0\5hello", 9);
    for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
        wire.extend(frame.substr(i, 1));
        EXPECT_FALSE(c.decode(wire).has_value()) << i;
    }
    wire.extend(frame.substr(8));
    auto f = c.decode(wire);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->view(), "hello");
}

TEST(LengthDelimitedCodec, MaxFrameLength) {
    LengthDelimitedCodec c;
    c.max_frame_length(4);
    BytesMut wire = BytesMut::copy_from(std::string_view("\0\0\0\5hello", 9));
    EXPECT_THROW((void)c.decode(wire), FrameError);
    BytesMut out;
    EXPECT_THROW(c.encode(std::string_view("hello"), out), FrameError);
    EXPECT_TRUE(out.empty());
    // A huge announced length fails at once, before any payload is buffered.
    LengthDelimitedCodec d;  // default maximum: 8 MiB
    BytesMut huge = BytesMut::copy_from(std::string_view("\x7f\xff\xff\xff", 4));
    EXPECT_THROW((void)d.decode(huge), FrameError);
    EXPECT_LT(huge.capacity(), 1024u * 1024u);
}

TEST(LengthDelimitedCodec, PayloadTooLongForTheField) {
    LengthDelimitedCodec c;
    c.length_field_length(1);
    BytesMut out;
    EXPECT_THROW(c.encode(std::string(256, 'x'), out), FrameError);
    EXPECT_NO_THROW(c.encode(std::string(255, 'x'), out));
    EXPECT_THROW(c.length_field_length(3), std::invalid_argument);
}

TEST(LengthDelimitedCodec, EofInsideAFrameIsAnError) {
    LengthDelimitedCodec c;
    BytesMut head_only = BytesMut::copy_from(std::string_view("\0\0", 2));
    EXPECT_THROW((void)decode_eof(c, head_only), FrameError);
    LengthDelimitedCodec d;
    BytesMut short_payload = BytesMut::copy_from(std::string_view("\0\0\0\5hel", 7));
    EXPECT_THROW((void)decode_eof(d, short_payload), FrameError);
    LengthDelimitedCodec e;
    BytesMut clean;
    EXPECT_EQ(decode_eof(e, clean), std::nullopt);
}

TEST(BytesCodec, GivesWhateverIsBuffered) {
    BytesCodec c;
    BytesMut b;
    EXPECT_FALSE(c.decode(b).has_value());
    b.extend("abc");
    auto f = c.decode(b);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->view(), "abc");
    EXPECT_TRUE(b.empty());
    c.encode(std::string_view("xy"), b);
    c.encode(BytesMut::copy_from("z"), b);
    EXPECT_EQ(b.view(), "xyz");
}
