// weft::scope: children borrow from the parent's frame, the body's output, the first exception
// (from a child or the body) cancels the rest and is rethrown once they are gone, and dropping
// a scope destroys its children before the drop returns, on one thread and on two workers.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/drop_hook_waker.hpp"
#include "support/test_support.hpp"
#include "weft/weft.hpp"

using namespace weft_test;
using namespace std::chrono_literals;

namespace {

weft::Runtime two_workers() {
    return weft::Runtime::builder().worker_threads(2).build();
}

// A child that waits forever, counted in `l` while it exists.
weft::Task<void> park_tracked(Lifetimes& l) {
    Tracked t(l);
    co_await weft::pending<void>();
}

// A child that yields until `stop`, counted while it exists (keeps a worker busy polling it).
weft::Task<void> spin_tracked(Lifetimes& l, const std::atomic<bool>& stop) {
    Tracked t(l);
    while (!stop.load(std::memory_order_relaxed))
        co_await weft::yield_now();
}

}  // namespace

TEST(Scope, ChildrenWriteIntoTheParentsFrame) {
    Watchdog dog;
    weft::LocalExecutor ex;
    ex.run([&]() -> weft::Task<void> {
        std::vector<std::string> out(50);  // borrowed by every child
        co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
            for (std::size_t i = 0; i < out.size(); ++i) {
                s.spawn([&out, i]() -> weft::Task<void> {
                    co_await weft::yield_now();
                    out[i] = "page " + std::to_string(i);
                });
            }
            co_return;  // the scope still waits for all 50
        });
        for (std::size_t i = 0; i < out.size(); ++i)
            EXPECT_EQ(out[i], "page " + std::to_string(i));
    });
}

TEST(Scope, GivesTheBodysOutputAfterTheChildren) {
    weft::LocalExecutor ex;
    int v = ex.run([&]() -> weft::Task<int> {
        int children_done = 0;
        int body = co_await weft::scope([&](weft::Scope& s) -> weft::Task<int> {
            for (int i = 0; i < 3; ++i) {
                s.spawn([&]() -> weft::Task<void> {
                    for (int k = 0; k < 5; ++k)
                        co_await weft::yield_now();
                    ++children_done;
                });
            }
            co_return 40;  // returns before the children finish
        });
        EXPECT_EQ(children_done, 3) << "the scope ended before its children";
        co_return body + children_done - 1;
    });
    EXPECT_EQ(v, 42);
}

TEST(Scope, ChildrenSpawnMoreChildrenIntoTheSameScope) {
    weft::LocalExecutor ex;
    ex.run([&]() -> weft::Task<void> {
        std::atomic<int> n{0};
        co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
            for (int i = 0; i < 4; ++i) {
                s.spawn([&]() -> weft::Task<void> {
                    for (int j = 0; j < 4; ++j) {
                        s.spawn([&]() -> weft::Task<void> {
                            co_await weft::yield_now();
                            ++n;
                        });
                    }
                    co_return;
                });
            }
            co_return;
        });
        EXPECT_EQ(n.load(), 16);
    });
}

TEST(Scope, TheFirstChildExceptionCancelsTheSiblingsAndIsRethrownAfterThem) {
    Watchdog dog;
    weft::LocalExecutor ex;
    Lifetimes siblings, body_locals;
    ex.run([&]() -> weft::Task<void> {
        bool threw = false;
        try {
            co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                Tracked mine(body_locals);
                for (int i = 0; i < 5; ++i)
                    s.spawn(park_tracked(siblings));
                s.spawn([]() -> weft::Task<void> {
                    co_await weft::yield_now();
                    throw std::runtime_error("child failed");
                });
                co_await weft::pending<void>();  // the failure ends the body too
            });
        } catch (const std::runtime_error& e) {
            threw = true;
            EXPECT_STREQ(e.what(), "child failed");
            EXPECT_EQ(siblings.made.load(), 5);
            EXPECT_EQ(siblings.alive(), 0) << "rethrown before the siblings were destroyed";
            EXPECT_EQ(body_locals.alive(), 0) << "rethrown before the body was destroyed";
        }
        EXPECT_TRUE(threw);
    });
}

TEST(Scope, OnlyTheFirstOfSeveralExceptionsIsRethrown) {
    weft::LocalExecutor ex;
    ex.run([&]() -> weft::Task<void> {
        std::string what;
        try {
            co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                for (int i = 0; i < 3; ++i) {
                    s.spawn([i]() -> weft::Task<void> {
                        for (int k = 0; k < i; ++k)
                            co_await weft::yield_now();
                        throw std::runtime_error("child " + std::to_string(i));
                    });
                }
                co_return;
            });
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
        EXPECT_EQ(what, "child 0");
    });
}

TEST(Scope, TheBodysExceptionCancelsTheChildren) {
    weft::LocalExecutor ex;
    Lifetimes children;
    ex.run([&]() -> weft::Task<void> {
        bool threw = false;
        try {
            co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                for (int i = 0; i < 3; ++i)
                    s.spawn(park_tracked(children));
                co_await weft::yield_now();
                throw std::logic_error("body failed");
            });
        } catch (const std::logic_error& e) {
            threw = true;
            EXPECT_STREQ(e.what(), "body failed");
            EXPECT_EQ(children.alive(), 0);
        }
        EXPECT_TRUE(threw);
        EXPECT_EQ(children.made.load(), 3);
    });
}

TEST(Scope, DroppingItDestroysEveryChildBeforeTheDropReturns) {
    Watchdog dog;
    weft::LocalExecutor ex;
    Lifetimes children;
    std::atomic<bool> stop{false};
    ex.run([&]() -> weft::Task<void> {
        CountingWaker w;
        {
            auto sc = weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                for (int i = 0; i < 3; ++i)
                    s.spawn(park_tracked(children));
                for (int i = 0; i < 3; ++i)
                    s.spawn(spin_tracked(children, stop));
                co_await weft::pending<void>();
            });
            EXPECT_TRUE(poll_once(sc, w).is_pending());
            co_await weft::yield_now();  // the children start (and the spinners stay queued)
            co_await weft::yield_now();
            EXPECT_EQ(children.alive(), 6);
        }  // dropped here, with 3 children queued and 3 idle, on the executor's only thread
        EXPECT_EQ(children.alive(), 0);
        EXPECT_EQ(children.made.load(), 6);
    });
    while (ex.try_tick()) {  // their executor's last visit, for which they were queued
    }
    EXPECT_EQ(ex.task_count(), 0u) << "the cancelled children were not unregistered";
}

TEST(Scope, DroppingItBeforeItsChildrenStartedDestroysThemUnpolled) {
    weft::LocalExecutor ex;
    Lifetimes futures;
    ex.run([&]() -> weft::Task<void> {
        CountingWaker w;
        {
            auto sc = weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                for (int i = 0; i < 4; ++i) {
                    auto f = std::make_shared<Tracked>(futures);  // owned by the callable
                    s.spawn([f]() -> weft::Task<void> { co_return; });
                }
                co_return;
            });
            EXPECT_TRUE(poll_once(sc, w).is_pending());
            EXPECT_EQ(futures.alive(), 4);
        }
        EXPECT_EQ(futures.alive(), 0);
        co_return;
    });
    while (ex.try_tick()) {
    }
    EXPECT_EQ(ex.task_count(), 0u);
}

// Issue 16: a poll that replaces the scope's stored waker drops the old one after the scope's
// lock. The drop is user code that may use the same scope (here: spawn into it); dropped under
// the lock, it spins on that lock forever (the watchdog fails the test).
TEST(Scope, AReplacedWakerIsDroppedOutsideTheScopesLock) {
    Watchdog dog(std::chrono::seconds(10));
    weft::LocalExecutor ex;
    int late_children = 0;
    ex.run([&]() -> weft::Task<void> {
        weft::sync::Notify go;
        weft::Scope* scope = nullptr;
        auto sc = weft::scope([&](weft::Scope& s) -> weft::Task<void> {
            scope = &s;
            s.spawn([&]() -> weft::Task<void> {
                auto n = go.notified();  // a named future: no temporary inside co_await (GCC 12)
                co_await n;
            });
            co_return;
        });
        DropHookWaker hook([&] {  // spawns into the same scope
            scope->spawn([&]() -> weft::Task<void> {
                ++late_children;
                co_return;
            });
        });
        {
            weft::Waker w = hook.make();
            weft::Context cx(w);
            EXPECT_TRUE(sc.poll(cx).is_pending()) << "the child waits";
        }
        CountingWaker w;
        EXPECT_TRUE(poll_once(sc, w).is_pending());  // drops hook's waker: it spawns a child
        EXPECT_TRUE(hook.hook_ran);
        go.notify_one();
        while (poll_once(sc, w).is_pending())
            co_await weft::yield_now();
        EXPECT_EQ(late_children, 1);
    });
}

TEST(Scope, SpawnWithoutAnExecutorIsTheScopesError) {
    bool threw = false;
    try {
        weft::block_on(weft::scope([](weft::Scope& s) -> weft::Task<void> {
            s.spawn([]() -> weft::Task<void> { co_return; });
            co_return;
        }));
    } catch (const std::logic_error&) {
        threw = true;
    }
    EXPECT_TRUE(threw);
}

TEST(Scope, NestedScopesAndManyChildren) {
    Watchdog dog;
    weft::LocalExecutor ex;
    ex.run([&]() -> weft::Task<void> {
        long total = 0;
        co_await weft::scope([&](weft::Scope& outer) -> weft::Task<void> {
            for (int i = 0; i < 10; ++i) {
                outer.spawn([&, i]() -> weft::Task<void> {
                    long mine = 0;  // borrowed by the inner scope's children
                    co_await weft::scope([&](weft::Scope& inner) -> weft::Task<void> {
                        for (int j = 0; j < 1000; ++j)
                            inner.spawn([&mine, j]() -> weft::Task<void> {
                                mine += j;
                                co_return;
                            });
                        co_return;
                    });
                    total += mine + i;
                });
            }
            co_return;
        });
        EXPECT_EQ(total, 10 * 499500L + 45);
    });
}

TEST(Scope, ATimeoutCancelsTheScopeAndItsChildren) {
    Watchdog dog;
    auto rt = weft::RuntimeBuilder::new_current_thread().start_paused(true).build();
    Lifetimes children;
    rt.block_on([&]() -> weft::Task<void> {
        auto r =
            co_await weft::time::timeout(10ms, weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                                             for (int i = 0; i < 4; ++i)
                                                 s.spawn(park_tracked(children));
                                             co_await weft::pending<void>();
                                         }));
        EXPECT_TRUE(r.is_elapsed());
        EXPECT_EQ(children.made.load(), 4);
        EXPECT_EQ(children.alive(), 0);
    }());
}

TEST(Scope, TwoWorkersChildrenRunInParallelAndBorrow) {
    Watchdog dog;
    auto rt = two_workers();
    long sum = rt.block_on([]() -> weft::Task<long> {
        std::vector<long> parts(200, 0);
        co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
            for (std::size_t i = 0; i < parts.size(); ++i) {
                s.spawn([&parts, i]() -> weft::Task<void> {
                    for (int k = 0; k < 10; ++k) {
                        parts[i] += k;
                        co_await weft::yield_now();
                    }
                });
            }
            co_return;
        });
        long sum = 0;
        for (long p : parts)
            sum += p;
        co_return sum;
    }());
    EXPECT_EQ(sum, 200 * 45L);
}

// The parent is aborted while its scope's children run on both workers; the check in the
// parent's frame runs after the scope's future was destroyed, and must find no child alive.
TEST(Scope, TwoWorkersAbortingTheParentWaitsForChildrenBeingPolledElsewhere) {
    Watchdog dog(60s);
    auto rt = two_workers();
    std::atomic<int> failures{0};
    for (int round = 0; round < 200; ++round) {
        Lifetimes children;
        std::atomic<bool> stop{false};
        std::atomic<bool> started{false};
        auto parent = rt.spawn([&]() -> weft::Task<void> {
            struct CheckOnExit {
                Lifetimes& l;
                std::atomic<int>& failures;
                ~CheckOnExit() {
                    if (l.alive() != 0) failures++;
                }
            } check{children, failures};
            std::vector<int> borrowed(64, 1);
            co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                for (int i = 0; i < 8; ++i) {
                    s.spawn([&, i]() -> weft::Task<void> {  // `i` is the body's: copied
                        Tracked t(children);
                        started = true;
                        while (!stop.load(std::memory_order_relaxed)) {
                            borrowed[static_cast<std::size_t>(i)] += 1;
                            co_await weft::yield_now();
                        }
                    });
                }
                co_await weft::pending<void>();
            });
        });
        while (!started.load())
            std::this_thread::yield();
        for (int spin = 0; spin < round % 7; ++spin)
            std::this_thread::yield();
        parent.abort();
        bool cancelled = false;
        try {
            rt.block_on(std::move(parent));
        } catch (const weft::JoinError&) {
            cancelled = true;
        }
        EXPECT_TRUE(cancelled);
        EXPECT_EQ(children.alive(), 0);
    }
    EXPECT_EQ(failures.load(), 0) << "a child outlived its scope's future";
}

TEST(Scope, TwoWorkersAChildsExceptionCancelsSiblingsOnTheOtherWorker) {
    Watchdog dog(60s);
    auto rt = two_workers();
    for (int round = 0; round < 100; ++round) {
        Lifetimes children;
        std::atomic<bool> stop{false};
        bool threw = rt.block_on([&]() -> weft::Task<bool> {
            try {
                co_await weft::scope([&](weft::Scope& s) -> weft::Task<void> {
                    for (int i = 0; i < 6; ++i)
                        s.spawn(spin_tracked(children, stop));
                    s.spawn([]() -> weft::Task<void> {
                        for (int k = 0; k < 3; ++k)
                            co_await weft::yield_now();
                        throw std::runtime_error("boom");
                    });
                    co_return;
                });
            } catch (const std::runtime_error&) {
                EXPECT_EQ(children.alive(), 0);
                co_return true;
            }
            co_return false;
        }());
        EXPECT_TRUE(threw);
        EXPECT_EQ(children.alive(), 0);  // (some were cancelled before their first poll)
    }
}
