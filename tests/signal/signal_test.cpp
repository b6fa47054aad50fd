// weft::signal on both I/O drivers and both runtime flavours, with real signals: raise(3) on
// the awaiting thread and on other threads, kill(2) to the process, SIGINT for ctrl_c.

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <system_error>
#include <thread>

#include "support/net_support.hpp"
#include "support/test_support.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
using weft::signal::Signal;
using weft::signal::SignalKind;

namespace {
class Signals : public testing::TestWithParam<IoParam> {};

// Long enough that a delivery that was going to complete a receive has done so; how long a
// "nothing came" check waits.
constexpr auto kQuiet = 100ms;
// A receive that should complete gets this long before the test fails instead of hanging.
constexpr auto kDeadline = 5s;
// The stress test's deliveries.
constexpr int kRounds = 200;

// Deliveries from other threads are raised on the sending thread, so the handler runs there,
// off the runtime. (A process-directed kill(2) may land on any thread, such as a worker asleep
// in a futex; ThreadSanitizer runs a handler only at the thread's next intercepted call, so
// under it such a delivery waits until that worker wakes for some other reason.)
void send_from_other_thread(int sig) {
    std::thread([sig] { ::raise(sig); }).join();
}
}  // namespace

INSTANTIATE_TEST_SUITE_P(Drivers, Signals, all_io_params(), io_param_name);

TEST(SignalKindTest, NamesTheUsualSignals) {
    EXPECT_EQ(SignalKind::interrupt().as_raw(), SIGINT);
    EXPECT_EQ(SignalKind::terminate().as_raw(), SIGTERM);
    EXPECT_EQ(SignalKind::hangup().as_raw(), SIGHUP);
    EXPECT_EQ(SignalKind::user_defined1().as_raw(), SIGUSR1);
    EXPECT_EQ(SignalKind::user_defined2().as_raw(), SIGUSR2);
    EXPECT_EQ(SignalKind::from_raw(SIGUSR1), SignalKind::user_defined1());
    EXPECT_NE(SignalKind::from_raw(SIGUSR1), SignalKind::user_defined2());
}

TEST_P(Signals, RecvCompletesAfterRaise) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal sig = weft::signal::signal(SignalKind::user_defined1());
        EXPECT_EQ(sig.kind(), SignalKind::user_defined1());
        ::raise(SIGUSR1);
        auto r = co_await weft::time::timeout(kDeadline, sig.recv());
        EXPECT_TRUE(r.ok() && *r);
    });
}

TEST_P(Signals, DeliveriesBetweenReceivesCoalesce) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal sig = weft::signal::signal(SignalKind::user_defined1());
        ::raise(SIGUSR1);
        ::raise(SIGUSR1);
        send_from_other_thread(SIGUSR1);
        auto first = co_await weft::time::timeout(kDeadline, sig.recv());
        EXPECT_TRUE(first.ok());
        // Three deliveries, one receive: the next one waits for a new delivery.
        auto second = co_await weft::time::timeout(kQuiet, sig.recv());
        EXPECT_TRUE(second.is_elapsed());
        ::raise(SIGUSR1);
        auto third = co_await weft::time::timeout(kDeadline, sig.recv());
        EXPECT_TRUE(third.ok());
    });
}

TEST_P(Signals, EveryListenerIsWokenByOneDelivery) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal a = weft::signal::signal(SignalKind::user_defined2());
        Signal b = weft::signal::signal(SignalKind::user_defined2());
        Signal other = weft::signal::signal(SignalKind::user_defined1());
        auto wait = [](Signal& s) -> weft::Task<bool> {
            auto r = co_await weft::time::timeout(kDeadline, s.recv());
            co_return r.ok() && *r;
        };
        auto ha = weft::spawn(wait(a));
        auto hb = weft::spawn(wait(b));
        co_await weft::time::sleep(20ms);  // both parked (on workers, on the multi-thread one)
        send_from_other_thread(SIGUSR2);
        EXPECT_TRUE(co_await ha);
        EXPECT_TRUE(co_await hb);
        // A listener for another number saw nothing.
        auto r = co_await weft::time::timeout(kQuiet, other.recv());
        EXPECT_TRUE(r.is_elapsed());
    });
}

TEST_P(Signals, AListenerDoesNotSeeDeliveriesFromBeforeItExisted) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal early = weft::signal::signal(SignalKind::user_defined1());
        ::raise(SIGUSR1);
        Signal late = weft::signal::signal(SignalKind::user_defined1());
        auto e = co_await weft::time::timeout(kDeadline, early.recv());
        EXPECT_TRUE(e.ok());
        auto l = co_await weft::time::timeout(kQuiet, late.recv());
        EXPECT_TRUE(l.is_elapsed());

        // With no listener at all when it came (the handler stays installed).
        { Signal gone = std::move(early); }
        { Signal gone = std::move(late); }
        ::raise(SIGUSR1);
        Signal after = weft::signal::signal(SignalKind::user_defined1());
        auto a = co_await weft::time::timeout(kQuiet, after.recv());
        EXPECT_TRUE(a.is_elapsed());
        ::raise(SIGUSR1);
        auto b = co_await weft::time::timeout(kDeadline, after.recv());
        EXPECT_TRUE(b.ok());
    });
}

TEST_P(Signals, CtrlCCompletesOnSigint) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        auto c = weft::signal::ctrl_c();  // the handler is in place from here on
        auto early = co_await weft::time::timeout(kQuiet, std::move(c));
        EXPECT_TRUE(early.is_elapsed());  // no SIGINT yet (and the timeout dropped it)

        auto c2 = weft::signal::ctrl_c();
        ::raise(SIGINT);
        auto r = co_await weft::time::timeout(kDeadline, std::move(c2));
        EXPECT_TRUE(r.ok());
    });
    // Documented: the handler stays installed, so a SIGINT with no listener is ignored, not
    // the default action (which would end this test binary).
    ::raise(SIGINT);
    struct sigaction now {};
    ASSERT_EQ(::sigaction(SIGINT, nullptr, &now), 0);
    EXPECT_NE(now.sa_handler, SIG_DFL);
}

TEST_P(Signals, RefusedSignalsThrowInvalidArgument) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        for (int sig : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, 0, -1, _NSIG, 1000}) {
            struct sigaction before {};
            bool real = sig > 0 && sig < _NSIG;
            if (real) ::sigaction(sig, nullptr, &before);
            try {
                Signal s = weft::signal::signal(SignalKind::from_raw(sig));
                ADD_FAILURE() << "listening for signal " << sig << " was allowed";
            } catch (const std::system_error& e) {
                EXPECT_EQ(e.code(), std::errc::invalid_argument) << e.what();
                EXPECT_NE(std::string(e.what()).find("weft::signal::signal("), std::string::npos)
                    << e.what();
            }
            if (real) {  // the disposition is untouched
                struct sigaction after {};
                ::sigaction(sig, nullptr, &after);
                EXPECT_EQ(reinterpret_cast<void*>(after.sa_handler),
                          reinterpret_cast<void*>(before.sa_handler))
                    << sig;
            }
        }
        co_return;
    });
}

TEST(SignalOutsideRuntime, ThrowsLogicErrorAndChangesNothing) {
    struct sigaction before {};
    ASSERT_EQ(::sigaction(SIGWINCH, nullptr, &before), 0);
    EXPECT_THROW((void)weft::signal::signal(SignalKind::window_change()), std::logic_error);
    EXPECT_THROW((void)weft::signal::ctrl_c(), std::logic_error);
    struct sigaction after {};
    ASSERT_EQ(::sigaction(SIGWINCH, nullptr, &after), 0);
    EXPECT_EQ(reinterpret_cast<void*>(after.sa_handler),
              reinterpret_cast<void*>(before.sa_handler));
}

TEST_P(Signals, ADroppedRecvLosesNothing) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal sig = weft::signal::signal(SignalKind::user_defined2());
        // Dropped while nothing came.
        auto none = co_await weft::time::timeout(kQuiet, sig.recv());
        EXPECT_TRUE(none.is_elapsed());
        // Dropped after the delivery it was waiting for came, before it was polled again.
        {
            auto recv = sig.recv();
            weft::Context cx(weft::Waker::noop());
            EXPECT_TRUE(recv.poll(cx).is_pending());
            ::raise(SIGUSR2);
        }
        auto r = co_await weft::time::timeout(kDeadline, sig.recv());
        EXPECT_TRUE(r.ok());
        auto again = co_await weft::time::timeout(kQuiet, sig.recv());
        EXPECT_TRUE(again.is_elapsed());
    });
}

TEST_P(Signals, ADeliveryFromAnotherThreadWakesAParkedTask) {
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal sig = weft::signal::signal(SignalKind::user_defined1());
        auto waiter = weft::spawn([](Signal& s) -> weft::Task<bool> {
            auto r = co_await weft::time::timeout(kDeadline, s.recv());
            co_return r.ok() && *r;
        }(sig));
        auto start = std::chrono::steady_clock::now();
        std::thread sender([] {
            std::this_thread::sleep_for(50ms);  // the waiter is parked by then
            ::raise(SIGUSR1);
        });
        bool got = co_await waiter;
        sender.join();
        EXPECT_TRUE(got);
        auto waited = std::chrono::steady_clock::now() - start;
        EXPECT_GE(waited, 40ms);  // it did wait for the delivery
        EXPECT_LT(waited, 2s);    // and the driver woke it, not the timeout's last look
    });
}

TEST_P(Signals, ADeliveryToTheParkedRuntimeThreadItselfWakesTheTask) {
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer runs a handler at the receiving thread's next intercepted call; a runtime
    // thread asleep in a futex or epoll_pwait2 makes none, so the handler would wait for a
    // wake-up that it is itself supposed to cause.
    GTEST_SKIP() << "a signal to a thread asleep in a raw syscall is deferred by TSan";
#endif
    Watchdog dog;
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal sig = weft::signal::signal(SignalKind::user_defined2());
        std::atomic<pthread_t> runner{};
        std::atomic<bool> started{false};
        auto waiter = weft::spawn([](Signal& s, std::atomic<pthread_t>& me,
                                     std::atomic<bool>& go) -> weft::Task<bool> {
            me = pthread_self();  // a worker, or the block_on thread on a current-thread runtime
            go = true;
            auto r = co_await weft::time::timeout(kDeadline, s.recv());
            co_return r.ok() && *r;
        }(sig, runner, started));
        auto start = std::chrono::steady_clock::now();
        std::thread sender([&] {
            while (!started)
                std::this_thread::sleep_for(1ms);
            std::this_thread::sleep_for(50ms);  // parked by then
            ::pthread_kill(runner.load(), SIGUSR2);
        });
        bool got = co_await waiter;
        sender.join();
        EXPECT_TRUE(got);
        EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    });
}

TEST_P(Signals, RecvReturnsFalseOnceItsRuntimeHasShutDown) {
    Watchdog dog;
    std::optional<Signal> sig;
    {
        weft::Runtime rt = io_runtime(GetParam());
        rt.block_on([&]() -> weft::Task<void> {
            sig.emplace(weft::signal::signal(SignalKind::user_defined1()));
            co_return;
        });
    }
    weft::Runtime other = io_runtime(GetParam());
    other.block_on([&]() -> weft::Task<void> {
        EXPECT_FALSE(co_await sig->recv());
        EXPECT_FALSE(co_await sig->recv());
    });
}

TEST_P(Signals, StressTwoHundredDeliveriesEachReceivedOnce) {
    Watchdog dog(60s);
    weft::Runtime rt = io_runtime(GetParam());
    rt.block_on([&]() -> weft::Task<void> {
        Signal sig = weft::signal::signal(SignalKind::user_defined2());
        auto [ack_tx, ack_rx] = weft::sync::mpsc::unbounded_channel<int>();
        // A parked receiver; each delivery is made only after the previous one was received,
        // so each must complete exactly one receive.
        auto receiver = weft::spawn(
            [](Signal& s, weft::sync::mpsc::UnboundedSender<int> tx) -> weft::Task<int> {
                for (int i = 0; i < kRounds; ++i) {
                    auto r = co_await weft::time::timeout(kDeadline, s.recv());
                    if (!r.ok()) co_return i;
                    (void)tx.send(i);
                }
                co_return kRounds;
            }(sig, ack_tx));
        for (int i = 0; i < kRounds; ++i) {
            if (i % 2 == 0) {
                co_await weft::spawn_blocking([] { ::raise(SIGUSR2); });
            } else {
                ::raise(SIGUSR2);
            }
            auto ack = co_await weft::time::timeout(kDeadline, ack_rx.recv());
            if (!ack.ok()) {
                ADD_FAILURE() << "delivery " << i << " was not received";
                break;
            }
        }
        EXPECT_EQ(co_await receiver, kRounds);
        auto extra = co_await weft::time::timeout(kQuiet, sig.recv());
        EXPECT_TRUE(extra.is_elapsed());
    });
}

TEST(SignalAcrossRuntimes, OneDeliveryWakesListenersInTwoRuntimes) {
    Watchdog dog;
    std::atomic<int> listening{0};
    std::atomic<int> received{0};
    auto run = [&](weft::IoDriverKind kind, bool current) {
        weft::Runtime rt = io_runtime(IoParam{kind, current});
        rt.block_on([&]() -> weft::Task<void> {
            Signal sig = weft::signal::signal(SignalKind::hangup());
            listening++;
            auto r = co_await weft::time::timeout(kDeadline, sig.recv());
            if (r.ok() && *r) received++;
        });
    };
    std::thread a(run, weft::IoDriverKind::Epoll, true);
    std::thread b(run, weft::IoDriverKind::Uring, false);
    while (listening.load() < 2)
        std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(20ms);  // both parked
    ::kill(::getpid(), SIGHUP);
    a.join();
    b.join();
    EXPECT_EQ(received.load(), 2);
}
