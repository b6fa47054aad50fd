// weft::codec::BytesMut: contents through extend/commit/advance/split_to/truncate, the O(1)
// front cursor (advance moves no bytes), compaction of the dead front on reserve, geometric
// growth (few reallocations for many small appends), and split_to's ownership.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "weft/codec/bytes_mut.hpp"

using weft::codec::BytesMut;

TEST(BytesMut, EmptyByDefault) {
    BytesMut b;
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.capacity(), 0u);
    EXPECT_EQ(b.view(), "");
    BytesMut c(100);
    EXPECT_TRUE(c.empty());
    EXPECT_GE(c.capacity(), 100u);
    EXPECT_GE(c.spare().size(), 100u);
}

TEST(BytesMut, ExtendAdvanceSplitTruncate) {
    BytesMut b;
    b.extend("hello, ");
    b.extend(std::as_bytes(std::span("world", 5)));
    EXPECT_EQ(b.view(), "hello, world");
    EXPECT_EQ(b.size(), 12u);
    EXPECT_EQ(b[0], std::byte{'h'});
    b.advance(7);
    EXPECT_EQ(b.view(), "world");
    EXPECT_EQ(b[0], std::byte{'w'});
    BytesMut w = b.split_to(3);
    EXPECT_EQ(w.view(), "wor");
    EXPECT_EQ(b.view(), "ld");
    b.truncate(1);
    EXPECT_EQ(b.view(), "l");
    b.truncate(5);  // no effect
    EXPECT_EQ(b.view(), "l");
    b.clear();
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.split_to(0).size(), 0u);
}

TEST(BytesMut, OutOfRangeThrows) {
    BytesMut b = BytesMut::copy_from("abc");
    EXPECT_THROW(b.advance(4), std::out_of_range);
    EXPECT_THROW((void)b.split_to(4), std::out_of_range);
    EXPECT_THROW(b.commit(b.spare().size() + 1), std::out_of_range);
    EXPECT_EQ(b.view(), "abc");  // unchanged by the failed calls
}

TEST(BytesMut, ReserveSpareCommit) {
    BytesMut b;
    b.reserve(10);
    ASSERT_GE(b.spare().size(), 10u);
    std::memcpy(b.spare().data(), "0123456789", 10);
    b.commit(4);
    EXPECT_EQ(b.view(), "0123");
    b.reserve(1000);
    EXPECT_GE(b.spare().size(), 1000u);
    EXPECT_EQ(b.view(), "0123");  // kept across the reallocation
}

TEST(BytesMut, AdvanceIsACursorNotACopy) {
    BytesMut b;
    std::string big(1 << 20, 'x');
    big[1000] = 'y';
    b.extend(big);
    const std::byte* before = b.data();
    b.advance(1000);
    // O(1): the data pointer moved, nothing was copied.
    EXPECT_EQ(b.data(), before + 1000);
    EXPECT_EQ(b[0], std::byte{'y'});
}

TEST(BytesMut, ReserveCompactsALargeDeadFront) {
    BytesMut b(128);
    b.extend(std::string(100, 'a'));
    b.extend("tail");
    const std::byte* block = b.data();
    b.advance(100);              // dead front 100 bytes, 4 live
    b.reserve(110);              // fits in the block once the front is reclaimed
    EXPECT_EQ(b.data(), block);  // slid to the start of the same block, not reallocated
    EXPECT_EQ(b.view(), "tail");
    EXPECT_GE(b.spare().size(), 110u);
}

TEST(BytesMut, GrowthIsGeometric) {
    BytesMut b;
    int reallocations = 0;
    const std::byte* last = nullptr;
    for (int i = 0; i < 100000; ++i) {
        b.extend("0123456789");
        if (b.data() != last) {
            ++reallocations;
            last = b.data();
        }
    }
    EXPECT_EQ(b.size(), 1000000u);
    EXPECT_LT(reallocations, 30);  // doubling: about log2(1e6 / 64)
}

TEST(BytesMut, QueueUseStaysBounded) {
    // Append 10 bytes, consume 10, many times: the block must not grow with the total.
    BytesMut b;
    for (int i = 0; i < 100000; ++i) {
        b.extend("0123456789");
        if (b.size() >= 50) b.advance(45);
    }
    EXPECT_LT(b.capacity(), 4096u);
}

TEST(BytesMut, SplitToOwnsItsBytes) {
    BytesMut b = BytesMut::copy_from("frame1frame2");
    BytesMut f1 = b.split_to(6);
    b.extend(std::string(4096, 'z'));  // reallocates b: f1 must be unaffected
    EXPECT_EQ(f1.view(), "frame1");
    f1.extend("!");
    EXPECT_EQ(f1.view(), "frame1!");
    EXPECT_EQ(b.view().substr(0, 6), "frame2");
    // Taking everything leaves b empty and usable.
    BytesMut all = b.split_to(b.size());
    EXPECT_EQ(all.size(), 6u + 4096u);
    EXPECT_TRUE(b.empty());
    b.extend("again");
    EXPECT_EQ(b.view(), "again");
}

TEST(BytesMut, CopyAndMove) {
    BytesMut a = BytesMut::copy_from("abc");
    a.advance(1);
    BytesMut c = a;
    EXPECT_EQ(c.view(), "bc");
    EXPECT_EQ(c, a);
    BytesMut m = std::move(a);
    EXPECT_EQ(m.view(), "bc");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    c = m;
    EXPECT_EQ(c, "bc");
    m = BytesMut::copy_from("xyz");
    EXPECT_EQ(m.view(), "xyz");
}
