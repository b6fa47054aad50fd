// weft on a Cortex-M3 (QEMU's mps2-an385): three tasks on weft::embedded::Executor, with no
// heap, no threads and no exceptions, printing through semihosting (docs/embedded.md).
//
//   blinker    toggles the board's LED every 50 ms on a timer, 6 times;
//   producer   sends 1..8 over a bounded channel (room for 2), so it waits for the consumer;
//   consumer   receives them, with a timeout, and adds them up;
//   button     waits for the "button": CMSDK timer 0's interrupt every 30 ms stands in for
//              one, and signals the task from its handler; 3 presses, then it stops the timer.
//
// The program checks what it saw and returns 0 (semihosting exit status 0) only if it is right.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "board.hpp"
#include "weft/embedded/channel.hpp"
#include "weft/embedded/executor.hpp"
#include "weft/embedded/frame_arena.hpp"
#include "weft/embedded/panic.hpp"
#include "weft/embedded/signal.hpp"
#include "weft/embedded/time.hpp"

using namespace std::chrono_literals;
namespace emb = weft::embedded;

namespace {

emb::StaticFrameArena<1024> arena;
emb::Executor<4> exec;
emb::Channel<std::uint32_t, 2> numbers;
emb::Signal button;

std::uint32_t blinks = 0, sum = 0, received = 0, presses = 0;

weft::Task<void> blinker() {
    bool on = false;
    auto every = emb::interval(50ms);
    for (int i = 0; i < 6; ++i) {
        co_await every.tick();
        on = !on;
        board::set_led(on);
        board::print(on ? "blinker: LED on at " : "blinker: LED off at ");
        board::print_uint(exec.now());
        board::print(" ms\n");
        ++blinks;
    }
}

weft::Task<void> producer() {
    for (std::uint32_t n = 1; n <= 8; ++n)
        co_await numbers.send(n);  // waits while the channel holds 2
    board::print("producer: sent 1..8\n");
}

weft::Task<void> consumer() {
    while (received < 8) {
        auto r = co_await emb::timeout(100ms, numbers.recv());
        if (r.is_elapsed()) {
            board::print("consumer: nothing within 100 ms\n");
            co_return;
        }
        sum += *r;
        ++received;
        co_await emb::sleep(5ms);  // slower than the producer: it fills the channel
    }
    board::print("consumer: sum ");
    board::print_uint(sum);
    board::print("\n");
}

weft::Task<void> button_task() {
    board::start_timer0(30);
    while (presses < 3) {
        co_await button.wait();
        ++presses;
        board::print("button: pressed at ");
        board::print_uint(exec.now());
        board::print(" ms\n");
    }
    board::stop_timer0();
}

[[noreturn]] void on_panic(const char* what) noexcept {
    board::print("panic: ");
    board::print(what);
    board::print("\n");
    board::semihost(0x18, reinterpret_cast<const void*>(0x20023));  // SYS_EXIT: runtime error
    __builtin_trap();
}

}  // namespace

extern "C" void SysTick_Handler() {
    exec.tick(1);
}
extern "C" void Timer0_Handler() {
    board::clear_timer0();
    button.signal();
}

// Creates a task, prints what its frame took from the arena (the coroutine frame, weft's task
// header in front of it, and the arena's block header), and spawns it.
bool spawn(const char* name, weft::Task<void> (*make)()) {
    std::size_t before = arena.in_use();
    weft::Task<void> t = make();
    board::print(name);
    board::print(": frame ");
    board::print_uint(static_cast<std::uint32_t>(arena.in_use() - before));
    board::print(" bytes\n");
    return exec.spawn(std::move(t)) == emb::SpawnError::none;
}

int main() {
    emb::set_panic_handler(on_panic);
    arena.install();
    board::print("weft on a Cortex-M3: 4 tasks, no heap\n");
    bool spawned = spawn("blinker", blinker) && spawn("producer", producer) &&
                   spawn("consumer", consumer) && spawn("button", button_task);
    if (!spawned) {
        board::print("spawn failed\n");
        return 1;
    }
    board::start_systick(1000);
    exec.run();  // until every task has finished
    board::print("arena: ");
    board::print_uint(static_cast<std::uint32_t>(arena.high_water()));
    board::print(" of ");
    board::print_uint(static_cast<std::uint32_t>(arena.capacity()));
    board::print(" bytes at most, ");
    board::print_uint(static_cast<std::uint32_t>(arena.in_use()));
    board::print(" in use at the end\n");
    bool ok = blinks == 6 && received == 8 && sum == 36 && presses == 3 && arena.in_use() == 0;
    board::print(ok ? "all tasks done\n" : "FAILED\n");
    return ok ? 0 : 1;
}
