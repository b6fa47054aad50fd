// Chapter 20: the embedded executor, on your PC. weft::embedded::Executor is the executor the
// Cortex-M firmware in examples/embedded runs; here two plain threads stand in for the
// board's interrupts: a "SysTick" that advances the clock every millisecond, and a "UART"
// that receives a few bytes. (The real firmware: scripts/embedded.sh runs it under QEMU.)
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "weft/embedded/channel.hpp"
#include "weft/embedded/executor.hpp"
#include "weft/embedded/signal.hpp"
#include "weft/embedded/time.hpp"

using namespace std::chrono_literals;
namespace emb = weft::embedded;

// What the core does with nothing to run. On a Cortex-M the default is `wfi` (sleep until an
// interrupt); a PC has no wfi, so we nap a little and look again.
struct NapIdle {
    void wait(const std::atomic<std::uint32_t>& ready) noexcept {
        if (ready.load(std::memory_order_relaxed) == 0) std::this_thread::sleep_for(100us);
    }
};

emb::Executor<3, NapIdle> exec;    // at most 3 tasks: one bit each in the ready word
emb::Channel<char, 4> uart_bytes;  // filled by the "UART interrupt", drained by a task
emb::Signal line_done;             // raised by the "UART interrupt" at the end of a line

weft::Task<void> blinker() {
    auto every = emb::interval(20ms);
    for (int i = 0; i < 3; ++i) {
        std::uint32_t at = co_await every.tick();
        std::printf("blinker: LED %s at %u ms\n", i % 2 == 0 ? "on " : "off",
                    static_cast<unsigned>(at));
    }
}

weft::Task<void> uart_reader() {
    char line[16] = {};
    std::size_t n = 0;
    for (;;) {
        auto r = co_await emb::timeout(100ms, uart_bytes.recv());
        if (r.is_elapsed()) break;  // nothing for 100 ms: the sender is done
        if (n + 1 < sizeof line) line[n++] = *r;
    }
    std::printf("uart: received \"%s\" (%zu bytes)\n", line, n);
}

weft::Task<void> line_watcher() {
    co_await line_done.wait();  // woken from the "interrupt"
    std::printf("watcher: end of line signalled at %u ms\n", static_cast<unsigned>(exec.now()));
}

int main() {
    exec.spawn(blinker());
    exec.spawn(uart_reader());
    exec.spawn(line_watcher());

    std::atomic<bool> stop{false};
    std::thread systick([&] {  // SysTick_Handler: exec.tick(1) every millisecond
        while (!stop) {
            std::this_thread::sleep_for(1ms);
            exec.tick(1);
        }
    });
    std::thread uart([] {  // the UART's receive interrupt: one byte at a time
        for (char c : {'h', 'e', 'l', 'l', 'o'}) {
            std::this_thread::sleep_for(5ms);
            while (!uart_bytes.try_send(c)) {  // full: a real UART would drop the byte
                std::this_thread::sleep_for(1ms);
            }
        }
        line_done.signal();
    });

    exec.run();  // polls woken tasks; idles when none is ready; returns when all are done
    stop = true;
    systick.join();
    uart.join();
    std::printf("all %d tasks done, %zu left\n", 3, exec.live());
    return 0;
}
