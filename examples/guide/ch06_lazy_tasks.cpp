// Chapter 6: async/await as C++20 coroutines. A Task is lazy: calling a coroutine runs nothing
// until the Task is awaited or spawned. Also: the state machine a coroutine stands for, a
// coroutine lambda used as an "async block", and the capture trap (wrong forms are compiled,
// never called).
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

weft::Task<int> answer(const char* who) {
    std::printf("  [%s] started\n", who);
    co_await weft::time::sleep(10ms);
    std::printf("  [%s] finished\n", who);
    co_return 42;
}

// What the compiler makes of this coroutine, written out by hand:
//
//     weft::Task<int> double_later(int x) {
//         co_await weft::time::sleep(10ms);
//         co_return 2 * x;
//     }
//
// The parameter and the awaited Sleep become members; each co_await becomes a state.
class DoubleLater {
  public:
    using Output = int;
    explicit DoubleLater(int x) : x_(x) {}

    weft::Poll<int> poll(weft::Context& cx) {
        switch (state_) {
            case State::Start:  // the code before the first co_await
                sleep_.emplace(weft::time::sleep(10ms));
                state_ = State::Sleeping;
                [[fallthrough]];
            case State::Sleeping:  // suspended at the co_await
                if (sleep_->poll(cx).is_pending()) return weft::Pending;
                sleep_.reset();
                state_ = State::Done;
                return 2 * x_;  // co_return
            case State::Done:
                break;
        }
        throw std::logic_error("DoubleLater polled after it completed");
    }

  private:
    enum class State { Start, Sleeping, Done };
    State state_ = State::Start;
    int x_;
    std::optional<weft::time::Sleep> sleep_;
};

weft::Task<int> double_later(int x) {
    co_await weft::time::sleep(10ms);
    co_return 2 * x;
}

// WRONG (compiled, never called): the lambda object holds `name`; the coroutine keeps only a
// pointer to that temporary lambda, which dies at the end of the statement. The task then
// reads a destroyed string when it runs.
weft::JoinHandle<void> greet_dangling(std::string name) {
    return weft::spawn([name]() -> weft::Task<void> {
        std::printf("hello, %s\n", name.c_str());
        co_return;
    }());
}

// WRONG too (compiled, never called): a reference parameter refers to the caller's object,
// and the task outlives the call that made it.
weft::Task<void> greet_ref(const std::string& name) {
    co_await weft::time::sleep(1ms);
    std::printf("hello, %s\n", name.c_str());
}
weft::JoinHandle<void> greet_ref_dangling() {
    return weft::spawn(greet_ref("a temporary string, gone at the semicolon"));
}

// RIGHT: a parameter taken by value is copied into the coroutine frame.
weft::Task<void> greet(std::string name) {
    co_await weft::time::sleep(1ms);
    std::printf("  hello, %s (parameter by value)\n", name.c_str());
}

weft::Task<void> async_main() {
    std::printf("1. calling answer(\"lazy\")\n");
    weft::Task<int> task = answer("lazy");
    std::printf("2. got a Task back; it has printed nothing\n");
    int v = co_await task;
    std::printf("3. co_await gave %d\n", v);

    std::printf("4. a Task destroyed without being awaited never runs:\n");
    { weft::Task<int> never = answer("never"); }

    std::printf("5. spawn starts a task; the handle is for its result:\n");
    weft::JoinHandle<int> handle = weft::spawn(answer("spawned"));
    co_await weft::time::sleep(50ms);
    std::printf("   (we slept 50 ms without awaiting the handle)\n");
    std::printf("   handle gave %d\n", co_await handle);

    int by_hand = co_await DoubleLater(21);
    int by_compiler = co_await double_later(21);
    std::printf("6. state machine by hand: %d, by the compiler: %d\n", by_hand, by_compiler);

    // An "async block": a coroutine lambda, called and awaited in one expression. Its
    // captures live until the end of that full-expression, which includes the whole await.
    int base = 100;
    int sum = co_await [&]() -> weft::Task<int> {
        int a = co_await double_later(base);
        co_return a + 1;
    }();
    std::printf("7. async block gave %d\n", sum);

    // The safe ways to spawn a coroutine lambda that captures, or a coroutine with inputs:
    std::printf("8. two greetings:\n");
    std::string name = "weft";
    auto h1 = weft::spawn([name]() -> weft::Task<void> {  // pass the callable: weft keeps it
        co_await weft::time::sleep(1ms);
        std::printf("  hello, %s (callable kept alive by spawn)\n", name.c_str());
    });
    co_await h1;
    auto h2 = weft::spawn(greet(name));
    co_await h2;
}

int main() {
    weft::run(async_main());
    std::printf("done\n");
    return 0;
}
