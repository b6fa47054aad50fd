// Built against an installed weft whose NDEBUG setting differs from this program's
// (tests/install/install_test.cmake builds it both ways under AddressSanitizer): futures that
// the program lays out and libweft polls must agree on their layout. Before weft/config.hpp
// decided PinCheck's layout, `Notified::poll` and the accept loop's `Sleep` read and wrote past
// the program's objects here.
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

weft::Task<int> run() {
    int failures = 0;
    // Notified: laid out here, polled inside libweft (src/sync/notify.cpp).
    weft::sync::Notify notify;
    auto waiter = weft::spawn([](weft::sync::Notify& n) -> weft::Task<int> {
        co_await n.notified();
        co_return 1;
    }(notify));
    co_await weft::yield_now();
    notify.notify_one();
    failures += (co_await waiter) == 1 ? 0 : 1;

    // Sleep and Timeout: laid out here, fired by libweft's time driver.
    auto slow = weft::time::timeout(5ms, weft::time::sleep(1h));
    failures += (co_await slow).is_elapsed() ? 0 : 1;

    // The accept loop (a Sleep inside libweft's AcceptLoop) and a select over it.
    auto listener = weft::net::TcpListener::bind(weft::net::SocketAddr::from_string("127.0.0.1:0"));
    auto addr = listener.local_addr();
    auto client = weft::spawn([](weft::net::SocketAddr a) -> weft::Task<int> {
        auto s = co_await weft::net::TcpStream::connect(a);
        co_return 0;
    }(addr));
    auto accepted = co_await weft::time::timeout(5s, listener.accept());
    failures += accepted.ok() ? 0 : 1;
    failures += co_await client;
    co_return failures;
}

int main() {
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    int failures = rt.block_on(run());
    std::printf("abi consumer: %d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
