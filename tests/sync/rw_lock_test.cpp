// weft::sync::RwLock: many readers or one writer, FIFO between them (a waiting writer blocks
// later readers; readers that asked before a writer go first), downgrade, max_readers, cancel
// safety, owned guards, and exclusion across 2 workers.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using weft::sync::RwLock;
using weft::sync::RwLockReadGuard;
using weft::sync::RwLockWriteGuard;

namespace {
using Lock = RwLock<int>;
}  // namespace

TEST(RwLock, ManyReadersOrOneWriter) {
    Lock l(5);
    auto r1 = l.try_read(), r2 = l.try_read();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(**r1 + **r2, 10);
    EXPECT_FALSE(l.try_write()) << "a writer got in beside readers";
    r1.reset();
    EXPECT_FALSE(l.try_write());
    r2.reset();
    auto w = l.try_write();
    ASSERT_TRUE(w);
    **w = 6;
    EXPECT_FALSE(l.try_read()) << "a reader got in beside a writer";
    EXPECT_FALSE(l.try_write());
    w.reset();
    auto r = l.try_read();
    ASSERT_TRUE(r);
    EXPECT_EQ(**r, 6);
}

TEST(RwLock, AWaitingWriterBlocksReadersThatComeAfterIt) {
    Lock l(0);
    CountingWaker ww, wr;
    auto r1 = l.try_read();
    Lock::WriteFuture w = l.write();
    Lock::ReadFuture r2 = l.read();
    EXPECT_FALSE(poll_output(w, ww));
    EXPECT_FALSE(poll_output(r2, wr)) << "a reader overtook a waiting writer";
    EXPECT_FALSE(l.try_read()) << "try_read overtook a waiting writer";
    r1.reset();  // the last reader goes: the writer is next, not r2
    EXPECT_EQ(ww.total_wakes(), 1);
    EXPECT_EQ(wr.total_wakes(), 0);
    auto g = poll_output(w, ww);
    ASSERT_TRUE(g);
    **g = 1;
    EXPECT_FALSE(poll_output(r2, wr));
    g.reset();
    EXPECT_EQ(wr.total_wakes(), 1);
    auto rg = poll_output(r2, wr);
    ASSERT_TRUE(rg);
    EXPECT_EQ(**rg, 1);
}

TEST(RwLock, ReadersThatAskedBeforeAWriterGoFirstAndTogether) {
    Lock l(0);
    CountingWaker wa, wb, wc, wd;
    auto held = l.try_write();
    Lock::ReadFuture a = l.read(), b = l.read();
    Lock::WriteFuture c = l.write();
    Lock::ReadFuture d = l.read();
    EXPECT_FALSE(poll_output(a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    EXPECT_FALSE(poll_output(c, wc));
    EXPECT_FALSE(poll_output(d, wd));
    held.reset();
    EXPECT_EQ(wa.total_wakes() + wb.total_wakes(), 2) << "both early readers are let in";
    EXPECT_EQ(wc.total_wakes() + wd.total_wakes(), 0);
    auto ga = poll_output(a, wa), gb = poll_output(b, wb);
    ASSERT_TRUE(ga && gb);
    EXPECT_FALSE(poll_output(c, wc));
    ga.reset();
    EXPECT_EQ(wc.total_wakes(), 0) << "one reader still in";
    gb.reset();
    EXPECT_EQ(wc.total_wakes(), 1);
    EXPECT_EQ(wd.total_wakes(), 0);
    auto gc = poll_output(c, wc);
    ASSERT_TRUE(gc);
    gc.reset();
    EXPECT_EQ(wd.total_wakes(), 1);
    EXPECT_TRUE(poll_output(d, wd));
}

TEST(RwLock, DowngradeLetsTheReadersAheadOfTheNextWriterIn) {
    Lock l(0);
    CountingWaker wa, wb, wc;
    auto w = l.try_write();
    ASSERT_TRUE(w);
    Lock::ReadFuture a = l.read();
    Lock::WriteFuture b = l.write();
    Lock::ReadFuture c = l.read();
    EXPECT_FALSE(poll_output(a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    EXPECT_FALSE(poll_output(c, wc));
    **w = 3;
    RwLockReadGuard<int> mine = std::move(*w).downgrade();
    w.reset();
    EXPECT_EQ(*mine, 3);
    EXPECT_EQ(wa.total_wakes(), 1) << "the reader queued before the writer gets in";
    EXPECT_EQ(wb.total_wakes() + wc.total_wakes(), 0);
    auto ga = poll_output(a, wa);
    ASSERT_TRUE(ga);
    EXPECT_EQ(**ga, 3);
    EXPECT_FALSE(l.try_write());
    ga.reset();
    { RwLockReadGuard<int> gone = std::move(mine); }
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_TRUE(poll_output(b, wb));
}

TEST(RwLock, ADroppedWriteGivesWhatItWasHandedToTheReadersBehindIt) {
    Lock l(0);
    CountingWaker wb, wc;
    auto r = l.try_read();
    auto b = std::make_unique<Lock::WriteFuture>(l.write());
    Lock::ReadFuture c = l.read();
    EXPECT_FALSE(poll_output(*b, wb));  // handed every permit but the one r holds
    EXPECT_FALSE(poll_output(c, wc));
    b.reset();  // dropped while waiting: c is let in now, beside r
    EXPECT_EQ(wc.total_wakes(), 1);
    auto gc = poll_output(c, wc);
    ASSERT_TRUE(gc);
    r.reset();
    gc.reset();
    EXPECT_TRUE(l.try_write()) << "the dropped write kept permits";
}

TEST(RwLock, ADroppedReadDoesNotHoldBackTheWriterBehindIt) {
    Lock l(0);
    CountingWaker wa, wb;
    auto held = l.try_write();
    auto a = std::make_unique<Lock::ReadFuture>(l.read());
    Lock::WriteFuture b = l.write();
    EXPECT_FALSE(poll_output(*a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    held.reset();  // handed to a ...
    a.reset();     // ... which is dropped before it reads: b is next
    EXPECT_EQ(wb.total_wakes(), 1);
    auto gb = poll_output(b, wb);
    ASSERT_TRUE(gb);
    gb.reset();
    EXPECT_TRUE(l.try_write()) << "the dropped read left the lock held";
}

TEST(RwLock, MaxReadersBoundsTheReadersAtOnce) {
    RwLock<int> l(0, 2);
    EXPECT_EQ(l.max_readers(), 2u);
    CountingWaker wc;
    auto a = l.try_read(), b = l.try_read();
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(l.try_read());
    RwLock<int>::ReadFuture c = l.read();
    EXPECT_FALSE(poll_output(c, wc));
    a.reset();
    EXPECT_EQ(wc.total_wakes(), 1);
    EXPECT_TRUE(poll_output(c, wc));
    EXPECT_THROW(RwLock<int>(0, 0), std::invalid_argument);
    EXPECT_THROW(RwLock<int>(0, RwLock<int>::kMaxReaders + 1), std::invalid_argument);
}

TEST(RwLock, OwnedGuardsMoveIntoSpawnedTasks) {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    auto l = std::make_shared<RwLock<int>>(1);
    rt.block_on([&]() -> weft::Task<void> {
        weft::sync::OwnedRwLockWriteGuard<int> w = co_await RwLock<int>::write_owned(l);
        auto h = weft::spawn([](weft::sync::OwnedRwLockWriteGuard<int> w) -> weft::Task<void> {
            *w += 41;
            co_return;
        }(std::move(w)));
        co_await h;
        weft::sync::OwnedRwLockReadGuard<int> r = co_await RwLock<int>::read_owned(l);
        auto h2 = weft::spawn([](weft::sync::OwnedRwLockReadGuard<int> r) -> weft::Task<int> {
            co_return *r;
        }(std::move(r)));
        EXPECT_EQ(co_await h2, 42);
        auto again = co_await l->write();  // free once both tasks dropped their guards
        EXPECT_EQ(*again, 42);
    });
}

// 8 readers and 3 writers on 2 workers, each holding its guard across a yield: a writer is
// never beside anyone, readers do share (most readers at once > 1), every read sees a value a
// writer left whole, and nothing hangs (a lost wake-up trips the watchdog).
TEST(RwLock, WritersExcludeEveryoneAcrossWorkers) {
    Watchdog dog;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    struct Pair {
        long a = 0, b = 0;
    };
    RwLock<Pair> l;
    std::atomic<int> readers{0}, writers{0}, most_readers{0}, bad{0};
    rt.block_on([&]() -> weft::Task<void> {
        std::vector<weft::JoinHandle<void>> hs;
        for (int t = 0; t < 8; ++t) {
            hs.push_back(weft::spawn([](RwLock<Pair>& l, std::atomic<int>& readers,
                                        std::atomic<int>& writers, std::atomic<int>& most,
                                        std::atomic<int>& bad) -> weft::Task<void> {
                for (int i = 0; i < 300; ++i) {
                    auto r = co_await l.read();
                    int now = ++readers;
                    int m = most.load();
                    while (now > m && !most.compare_exchange_weak(m, now)) {
                    }
                    if (writers.load() != 0 || r->a != r->b) bad++;
                    co_await weft::yield_now();
                    if (writers.load() != 0 || r->a != r->b) bad++;
                    --readers;
                }
            }(l, readers, writers, most_readers, bad)));
        }
        for (int t = 0; t < 3; ++t) {
            hs.push_back(weft::spawn([](RwLock<Pair>& l, std::atomic<int>& readers,
                                        std::atomic<int>& writers,
                                        std::atomic<int>& bad) -> weft::Task<void> {
                for (int i = 0; i < 200; ++i) {
                    auto w = co_await l.write();
                    if (++writers != 1 || readers.load() != 0) bad++;
                    w->a++;
                    co_await weft::yield_now();  // half-written across the await
                    w->b++;
                    --writers;
                }
            }(l, readers, writers, bad)));
        }
        for (auto& h : hs)
            co_await h;
    });
    EXPECT_EQ(bad.load(), 0);
    EXPECT_EQ(l.get_mut().a, 600);
    EXPECT_EQ(l.get_mut().b, 600);
    EXPECT_GT(most_readers.load(), 1) << "readers never shared the lock";
}

// ---- issue 16: into_inner and downgrade_map (Tokio's) ----

TEST(RwLock, IntoInnerMovesTheValueOutAndRefusesWhileHeld) {
    RwLock<std::unique_ptr<int>> l(std::make_unique<int>(9));
    {
        auto r = l.try_read();
        ASSERT_TRUE(r);
        EXPECT_THROW((void)std::move(l).into_inner(), std::logic_error);
    }
    {
        auto w = l.try_write();
        ASSERT_TRUE(w);
        EXPECT_THROW((void)std::move(l).into_inner(), std::logic_error);
        EXPECT_NE(**w, nullptr) << "a refused into_inner leaves the value";
    }
    std::unique_ptr<int> v = std::move(l).into_inner();
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, 9);
}

TEST(RwLock, DowngradeMapGivesAReadGuardToAPartWithNoWriterInBetween) {
    struct State {
        int version = 0;
        std::string name;
    };
    RwLock<State> l;
    CountingWaker wa, wb, wc;
    auto w = l.try_write();
    ASSERT_TRUE(w);
    RwLock<State>::ReadFuture a = l.read();
    RwLock<State>::WriteFuture b = l.write();
    RwLock<State>::ReadFuture c = l.read();
    EXPECT_FALSE(poll_output(a, wa));
    EXPECT_FALSE(poll_output(b, wb));
    EXPECT_FALSE(poll_output(c, wc));
    (*w)->version = 2;
    (*w)->name = "two";
    RwLockReadGuard<std::string> name =
        std::move(*w).downgrade_map([](const State& s) -> const std::string& { return s.name; });
    w.reset();
    EXPECT_EQ(*name, "two");
    EXPECT_EQ(name->size(), 3u);
    EXPECT_EQ(wa.total_wakes(), 1) << "the reader queued before the writer gets in";
    EXPECT_EQ(wb.total_wakes() + wc.total_wakes(), 0);
    auto ga = poll_output(a, wa);
    ASSERT_TRUE(ga);
    EXPECT_EQ((*ga)->version, 2);
    EXPECT_FALSE(l.try_write()) << "the mapped guard still reads";
    ga.reset();
    { RwLockReadGuard<std::string> gone = std::move(name); }
    EXPECT_EQ(wb.total_wakes(), 1);
    EXPECT_TRUE(poll_output(b, wb));
}

TEST(RwLock, ADowngradeMapWhoseFunctionThrowsLeavesTheWriteGuard) {
    RwLock<int> l(4);
    auto w = l.try_write();
    ASSERT_TRUE(w);
    auto throws = [](const int&) -> const int& { throw std::runtime_error("map"); };
    EXPECT_THROW((void)std::move(*w).downgrade_map(throws), std::runtime_error);
    **w = 5;  // still the writer
    EXPECT_FALSE(l.try_read());
    w.reset();
    auto r = l.try_read();
    ASSERT_TRUE(r);
    EXPECT_EQ(**r, 5);
}
