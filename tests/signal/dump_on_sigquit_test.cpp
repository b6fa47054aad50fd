// RuntimeBuilder::dump_on_sigquit: a real SIGQUIT prints a task dump to stderr and the program
// goes on.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/test_support.hpp"

using namespace std::chrono_literals;

namespace {

TEST(DumpOnSigquit, PrintsEveryTaskWithItsBacktraceAndKeepsRunning) {
    for (bool current : {false, true}) {
        auto b = current ? weft::RuntimeBuilder::new_current_thread()
                         : weft::RuntimeBuilder::new_multi_thread().worker_threads(2);
        auto rt = b.dump_on_sigquit().build();
        weft::sync::Notify n;
        auto entered = rt.enter();
        weft::sync::Notify parked;
        auto h =
            weft::task::Builder()
                .name("parked-here")
                .spawn([](weft::sync::Notify& n, weft::sync::Notify& parked) -> weft::Task<void> {
                    parked.notify_one();  // (a permit: kept if nobody waits yet)
                    co_await n.notified();
                }(n, parked));
        rt.block_on(parked.notified());  // it has run up to its co_await
        testing::internal::CaptureStderr();
        ASSERT_EQ(::kill(::getpid(), SIGQUIT), 0);
        // The dumping task runs on a worker, or while block_on drives the runtime
        // (current-thread): drive it in short steps until the dump shows up (it is written in
        // one write) or a deadline passes.
        std::string err;
        for (int step = 0; step < 250 && err.find("\"parked-here\"") == std::string::npos; ++step) {
            rt.block_on([]() -> weft::Task<void> { co_await weft::time::sleep(20ms); });
            err += testing::internal::GetCapturedStderr();
            testing::internal::CaptureStderr();
        }
        err += testing::internal::GetCapturedStderr();
        EXPECT_NE(err.find("weft: SIGQUIT"), std::string::npos) << err;
        EXPECT_NE(err.find("\"parked-here\" idle"), std::string::npos) << err;
        EXPECT_NE(err.find("dump_on_sigquit_test.cpp"), std::string::npos) << err;
        n.notify_one();
        rt.block_on(std::move(h));  // still running
    }
}

}  // namespace
