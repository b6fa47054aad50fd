// Chapter 1: what a thread costs and what a task costs, measured on your machine.
// Prints nanoseconds per operation. Build in Release for real numbers: a sanitizer (debug)
// build is several times slower, and slows threads and tasks by different amounts.
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <thread>

#include "weft/weft.hpp"

using Clock = std::chrono::steady_clock;

// Counts the bytes this thread asks operator new for, so that we can see how big a task is.
// (Not with clang's ThreadSanitizer, whose runtime defines operator new itself: there the
// count stays 0.)
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GUIDE_NO_COUNTING_NEW 1
#endif
#endif
thread_local std::size_t tl_new_bytes = 0;
#ifndef GUIDE_NO_COUNTING_NEW
void* operator new(std::size_t n) {
    tl_new_bytes += n;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
#endif

double ns_per_op(Clock::time_point start, int ops) {
    std::chrono::duration<double, std::nano> elapsed = Clock::now() - start;
    return elapsed.count() / ops;
}

// 1. Start an OS thread that does nothing, and wait for it to finish.
double thread_spawn_join(int n) {
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        std::thread t([] {});
        t.join();
    }
    return ns_per_op(start, n);
}

// 2. The same with a weft task: spawn a coroutine that does nothing, await its JoinHandle.
weft::Task<int> nothing() {
    co_return 1;
}

weft::Task<double> task_spawn_join(int n) {
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        weft::JoinHandle<int> h = weft::spawn(nothing());
        co_await h;
    }
    co_return ns_per_op(start, n);
}

// Keeps the calling thread on one CPU, so that two threads must take turns on it.
void pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// 3. Two threads on one CPU pass a byte back and forth through two pipes. Each read blocks
// in the kernel, which switches to the other thread: two context switches per round trip.
double thread_ping_pong(int rounds) {
    int ping[2], pong[2];
    if (pipe(ping) != 0 || pipe(pong) != 0) std::abort();
    int cpu = sched_getcpu();
    pin_to_cpu(cpu);
    std::thread other([&] {
        pin_to_cpu(cpu);
        char c;
        for (int i = 0; i < rounds; ++i) {
            if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1) std::abort();
        }
    });
    auto start = Clock::now();
    char c = 'x';
    for (int i = 0; i < rounds; ++i) {
        if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) std::abort();
    }
    double ns = ns_per_op(start, 2 * rounds);
    other.join();
    for (int fd : {ping[0], ping[1], pong[0], pong[1]})
        close(fd);
    return ns;
}

// 4. Two tasks on one thread pass a number back and forth through two weft channels. Each
// recv() that finds nothing suspends its task, and the runtime polls the other one.
weft::Task<void> ponger(weft::sync::mpsc::Receiver<int> rx,
                        weft::sync::mpsc::UnboundedSender<int> tx) {
    while (std::optional<int> v = co_await rx.recv())
        (void)tx.send(*v);
}

weft::Task<double> task_ping_pong(int rounds) {
    auto [ping_tx, ping_rx] = weft::sync::mpsc::unbounded_channel<int>();
    auto [pong_tx, pong_rx] = weft::sync::mpsc::unbounded_channel<int>();
    auto other = weft::spawn(ponger(std::move(ping_rx), std::move(pong_tx)));
    auto start = Clock::now();
    for (int i = 0; i < rounds; ++i) {
        (void)ping_tx.send(i);
        co_await pong_rx.recv();
    }
    double ns = ns_per_op(start, 2 * rounds);
    { auto closing = std::move(ping_tx); }  // the ponger's recv() now returns nullopt
    co_await other;
    co_return ns;
}

// 5. Memory: the stack a new thread reserves, and the bytes one spawned task allocates.
weft::Task<void> sleeper() {
    co_await weft::time::sleep(std::chrono::milliseconds(1));
}

weft::Task<std::size_t> bytes_per_task() {
    std::size_t before = tl_new_bytes;
    weft::JoinHandle<void> h = weft::spawn(sleeper());
    std::size_t bytes = tl_new_bytes - before;
    co_await h;
    co_return bytes;
}

std::size_t default_thread_stack() {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    std::size_t size = 0;
    pthread_attr_getstacksize(&attr, &size);
    pthread_attr_destroy(&attr);
    return size;
}

int main() {
    // One thread runs every task: the current-thread runtime.
    weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();

    std::printf("spawn + join, one at a time:\n");
    std::printf("  OS thread  %9.0f ns\n", thread_spawn_join(200));
    std::printf("  weft task  %9.0f ns\n", rt.block_on(task_spawn_join(20'000)));

    std::printf("switch from one to the other (ping-pong, per hop):\n");
    std::printf("  OS thread  %9.0f ns\n", thread_ping_pong(20'000));
    std::printf("  weft task  %9.0f ns\n", rt.block_on(task_ping_pong(20'000)));

    std::printf("memory:\n");
    std::printf("  OS thread  %9zu bytes of stack reserved\n", default_thread_stack());
    std::printf("  weft task  %9zu bytes allocated\n", rt.block_on(bytes_per_task()));
    return 0;
}
