// The RESP parser and encoder on their own: every frame kind, frames split at every byte,
// pipelined frames, 1 MiB and binary values, and each kind of malformed input; then RespCodec,
// the wrapper Framed drives.
#include "frame.hpp"

#include <gtest/gtest.h>

#include <string>

#include "resp_codec.hpp"

using mini_redis::encode;
using mini_redis::Frame;
using mini_redis::parse;
using mini_redis::ParseLimits;

namespace {

Frame cmd(std::initializer_list<std::string> words) {
    std::vector<Frame> a;
    for (const auto& w : words)
        a.push_back(Frame::bulk(w));
    return Frame::array_of(std::move(a));
}

// Every prefix of a frame's encoding is Incomplete; the whole parses back to it.
void expect_every_split(const Frame& f) {
    std::string wire = encode(f);
    for (std::size_t i = 0; i < wire.size(); ++i) {
        auto r = parse(std::string_view(wire).substr(0, i));
        ASSERT_TRUE(r.incomplete()) << "prefix of " << i << " bytes: " << r.error;
    }
    auto r = parse(wire);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.consumed, wire.size());
    EXPECT_EQ(r.frame, f);
}

}  // namespace

TEST(RespFrame, EncodesEachKind) {
    EXPECT_EQ(encode(Frame::simple("OK")), "+OK\r\n");
    EXPECT_EQ(encode(Frame::error("ERR no")), "-ERR no\r\n");
    EXPECT_EQ(encode(Frame::integer_of(-42)), ":-42\r\n");
    EXPECT_EQ(encode(Frame::integer_of(INT64_MIN)), ":-9223372036854775808\r\n");
    EXPECT_EQ(encode(Frame::bulk("hi")), "$2\r\nhi\r\n");
    EXPECT_EQ(encode(Frame::bulk("")), "$0\r\n\r\n");
    EXPECT_EQ(encode(Frame::null()), "$-1\r\n");
    EXPECT_EQ(encode(cmd({"GET", "k"})), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    EXPECT_EQ(encode(Frame::array_of({})), "*0\r\n");
    // A line cannot carry CR or LF: the constructors blank them out.
    EXPECT_EQ(encode(Frame::error("a\r\nb")), "-a  b\r\n");
}

TEST(RespFrame, ParsesEachKind) {
    EXPECT_EQ(parse("+OK\r\n").frame, Frame::simple("OK"));
    EXPECT_EQ(parse("-ERR x\r\n").frame, Frame::error("ERR x"));
    EXPECT_EQ(parse(":123\r\n").frame, Frame::integer_of(123));
    EXPECT_EQ(parse(":-9223372036854775808\r\n").frame, Frame::integer_of(INT64_MIN));
    EXPECT_EQ(parse(":9223372036854775807\r\n").frame, Frame::integer_of(INT64_MAX));
    EXPECT_EQ(parse("$-1\r\n").frame, Frame::null());
    EXPECT_EQ(parse("*-1\r\n").frame, Frame::null());
    EXPECT_EQ(parse("$0\r\n\r\n").frame, Frame::bulk(""));
    auto nested = parse("*2\r\n*1\r\n:1\r\n$-1\r\n");
    ASSERT_TRUE(nested.ok());
    EXPECT_EQ(nested.frame,
              Frame::array_of({Frame::array_of({Frame::integer_of(1)}), Frame::null()}));
}

TEST(RespFrame, SplitAtEveryByte) {
    expect_every_split(cmd({"SET", "key", "value", "EX", "10"}));
    expect_every_split(Frame::simple("PONG"));
    expect_every_split(Frame::error("ERR unknown command 'xyz'"));
    expect_every_split(Frame::integer_of(-1234567));
    expect_every_split(Frame::null());
    expect_every_split(Frame::array_of(
        {cmd({"a"}), Frame::integer_of(3), Frame::null(), Frame::bulk(std::string("\r\n\0x", 4))}));
}

TEST(RespFrame, PipelinedFramesComeOneAtATime) {
    std::string wire = encode(cmd({"SET", "a", "1"})) + encode(cmd({"GET", "a"})) +
                       encode(cmd({"PING"})) + "*1\r\n$4\r\nPI";  // the last one incomplete
    std::vector<Frame> got;
    std::string_view rest = wire;
    for (;;) {
        auto r = parse(rest);
        ASSERT_FALSE(r.is_error()) << r.error;
        if (r.incomplete()) break;
        got.push_back(std::move(r.frame));
        rest.remove_prefix(r.consumed);
    }
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], cmd({"SET", "a", "1"}));
    EXPECT_EQ(got[1], cmd({"GET", "a"}));
    EXPECT_EQ(got[2], cmd({"PING"}));
    EXPECT_EQ(rest, "*1\r\n$4\r\nPI");
}

TEST(RespFrame, OneMebibyteAndBinaryValues) {
    std::string big(1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 131 % 256);  // every byte, \r \n and NUL included
    Frame f = cmd({"SET", "k", big});
    std::string wire = encode(f);
    // Incomplete at a few cut points (every byte of 1 MiB would be slow under ASan).
    for (std::size_t cut :
         {std::size_t{1}, std::size_t{30}, wire.size() / 2, wire.size() - 2, wire.size() - 1})
        EXPECT_TRUE(parse(std::string_view(wire).substr(0, cut)).incomplete()) << cut;
    auto r = parse(wire);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.frame, f);
    expect_every_split(Frame::bulk(std::string("a\r\nb\0c\r\n\n\r", 11)));
}

TEST(RespFrame, MalformedFramesAreErrors) {
    const char* bad[] = {
        "?\r\n",                      // unknown type byte
        "PING\r\n",                   // inline commands are not accepted
        "$abc\r\n",                   // non-numeric length
        "$-2\r\n",                    // negative length other than -1
        "$\r\n",                      // empty length
        "$+3\r\nabc\r\n",             // a sign is not a digit
        "$3\r\nabcXY",                // payload not followed by CRLF
        "*x\r\n",                     // bad array length
        "*-5\r\n",                    // negative array length
        ":12a\r\n",                   // bad integer
        ":99999999999999999999\r\n",  // out of range
        "+OK\rX",                     // CR without LF
        "+O\nK\r\n",                  // LF without CR
        "*2\r\n$1\r\na\r\n!\r\n",     // bad element inside an array
        "$536870913\r\n",             // longer than a bulk may be
    };
    for (const char* b : bad) {
        auto r = parse(std::string_view(b));
        EXPECT_TRUE(r.is_error()) << "accepted: " << b;
        EXPECT_FALSE(r.error.empty());
    }
}

TEST(RespFrame, LimitsHoldWithoutTheWholeInput) {
    ParseLimits lim;
    lim.max_line = 16;
    lim.max_depth = 4;
    // A line that never ends is refused once it is too long, not buffered forever.
    EXPECT_TRUE(parse(std::string(15, 'a').insert(0, "+"), lim).incomplete());
    EXPECT_TRUE(parse(std::string(40, 'a').insert(0, "+"), lim).is_error());
    EXPECT_TRUE(parse("$1234567890123456789012345", lim).is_error());
    // Deep nesting is refused, at any size of input.
    std::string deep;
    for (int i = 0; i < 10; ++i)
        deep += "*1\r\n";
    EXPECT_TRUE(parse(deep, lim).is_error());
    // A huge declared array or bulk allocates nothing until its bytes come.
    EXPECT_TRUE(parse("*1048576\r\n").incomplete());
    EXPECT_TRUE(parse("*1048577\r\n").is_error());
    EXPECT_TRUE(parse("$536870912\r\n").incomplete());
}

TEST(RespFrame, DebugString) {
    EXPECT_EQ(mini_redis::to_debug_string(Frame::array_of(
                  {Frame::bulk(std::string("a\0\"", 3)), Frame::integer_of(2), Frame::null()})),
              "[\"a\\x00\\\"\", (integer) 2, (nil)]");
}

// RespCodec, the Decoder/Encoder that Framed drives: bytes arriving one at a time, several
// frames in one buffer, and a malformed frame as a FrameError.
TEST(RespCodec, DecodesByteByByteAndPipelined) {
    mini_redis::RespCodec codec;
    weft::codec::BytesMut buf;
    Frame set = cmd({"SET", "k", std::string("v\r\n\0", 4)});
    Frame get = cmd({"GET", "k"});
    std::string wire = encode(set) + encode(get);
    std::vector<Frame> got;
    for (char c : wire) {
        buf.extend(std::string_view(&c, 1));
        while (auto f = codec.decode(buf))
            got.push_back(std::move(*f));
    }
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], set);
    EXPECT_EQ(got[1], get);
    EXPECT_TRUE(buf.empty());

    buf.extend(wire);  // both at once: one decode each, the rest left for the next
    EXPECT_EQ(codec.decode(buf), set);
    EXPECT_EQ(buf.size(), encode(get).size());
    EXPECT_EQ(codec.decode(buf), get);
    EXPECT_EQ(codec.decode(buf), std::nullopt);

    weft::codec::BytesMut out;
    codec.encode(set, out);
    EXPECT_EQ(out.view(), encode(set));
}

TEST(RespCodec, MalformedFrameIsAFrameError) {
    mini_redis::RespCodec codec;
    weft::codec::BytesMut buf;
    buf.extend(std::string_view("*1\r\n$x\r\n"));
    try {
        (void)codec.decode(buf);
        ADD_FAILURE() << "no FrameError";
    } catch (const weft::codec::FrameError& e) {
        EXPECT_EQ(std::string(e.what()), "Protocol error: invalid integer");
    }
}
