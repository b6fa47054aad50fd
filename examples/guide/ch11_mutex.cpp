// Chapter 11: shared state. A std::mutex is fine for a short critical section with no
// co_await inside; held across a co_await it blocks the thread, and on a current-thread
// runtime the next task that wants it can never get it. weft::sync::Mutex may be held across
// awaits: a task that wants it waits without blocking the thread.
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// Part 1: the safe pattern with std::mutex. Lock, modify, unlock, and only then await.
struct Stats {
    std::mutex mu;
    std::map<std::string, int> hits;
};

weft::Task<void> handle_request(Stats& stats, std::string page) {
    {
        std::lock_guard<std::mutex> lock(stats.mu);
        ++stats.hits[page];
    }                                 // unlocked here, before any co_await
    co_await weft::time::sleep(1ms);  // the slow part of the request, with no lock held
}

// What NOT to do: a std::mutex guard held across a co_await. It compiles; it is never called.
weft::Task<void> bad_handle_request(Stats& stats, std::string page) {
    std::lock_guard<std::mutex> lock(stats.mu);
    ++stats.hits[page];
    co_await weft::time::sleep(1ms);  // suspends with the lock held: the thread is not released
}

// Part 2: why it deadlocks, seen safely. The first task suspends while holding the std::mutex;
// the second runs on the same thread. It uses try_lock, so it can report what lock() would do.
weft::Task<void> holds_across_await(std::mutex& mu) {
    std::unique_lock<std::mutex> lock(mu);
    std::printf("  task A: locked the std::mutex, now sleeping with it held\n");
    co_await weft::time::sleep(50ms);
    std::printf("  task A: woke up, unlocking\n");
}

weft::Task<void> wants_the_lock(std::mutex& mu) {
    if (mu.try_lock()) {
        std::printf("  task B: got the lock\n");
        mu.unlock();
    } else {
        std::printf(
            "  task B: the lock is held by suspended task A; lock() here would block\n"
            "          this thread, which is the only one that can resume A: deadlock\n");
    }
    co_return;
}

// Part 3: weft::sync::Mutex, held across a co_await by design.
weft::Task<void> append_slowly(weft::sync::Mutex<std::vector<std::string>>& log, std::string who) {
    auto guard = co_await log.lock();  // waits (suspends) if another task holds it
    guard->push_back(who + " begins");
    co_await weft::time::sleep(20ms);  // still locked, and that is fine
    guard->push_back(who + " ends");
}  // the guard goes here: unlocked, and the next waiter is woken

int main() {
    (void)&bad_handle_request;  // never called: it only shows the mistake
    auto rt = weft::RuntimeBuilder::new_current_thread().build();
    rt.block_on([]() -> weft::Task<void> {
        std::printf("1. std::mutex, unlocked before the await\n");
        Stats stats;
        co_await weft::join(handle_request(stats, "/"), handle_request(stats, "/"),
                            handle_request(stats, "/about"));
        std::printf("  hits: / = %d, /about = %d\n", stats.hits["/"], stats.hits["/about"]);

        std::printf("2. std::mutex held across an await, on one thread\n");
        std::mutex mu;
        auto a = weft::spawn(holds_across_await(mu));
        auto b = weft::spawn(wants_the_lock(mu));
        co_await a;
        co_await b;

        std::printf("3. weft::sync::Mutex held across an await\n");
        weft::sync::Mutex<std::vector<std::string>> log;
        auto first = weft::spawn(append_slowly(log, "A"));
        auto second = weft::spawn(append_slowly(log, "B"));
        co_await first;
        co_await second;
        for (const std::string& line : log.get_mut())
            std::printf("  %s\n", line.c_str());
    });
}
