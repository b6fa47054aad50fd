// Runtime::block_on on a multi-thread runtime: the calling thread (outside the pool) polls its
// future with the runtime current and parks in between; the workers run the tasks. The thread
// registers its parker so that a ShutdownRuntime failure can wake it to rethrow. While a
// blocking task pushed in the last 50 µs is queued or running, it looks for its wake for up to
// 20 µs before it sleeps (spin_wait.hpp): a future awaiting spawn_blocking is woken by the pool
// thread a few µs after the call returns, and the sleep and wake-up were most of an empty round
// trip (fs_bench pool_roundtrip: about 8 µs without the look, 2-6 µs with it, on the 2-core VM).

#include <algorithm>

#include "../spin_wait.hpp"
#include "multi_thread.hpp"

namespace weft::detail {

void MultiThread::block_on(PollStep step) {
    EnterBlockOn enter(current_worker() != nullptr,
                       "weft: block_on called from a task of the same runtime (it would block a "
                       "worker; co_await the future instead)",
                       parts());
    Parker& parker = Parker::current();
    Waker waker = parker.waker();
    Context cx(waker);
    {
        std::lock_guard lock(blockers_mu_);
        blockers_.push_back(&parker);
    }
    struct Unregister {
        MultiThread* mt;
        Parker* p;
        ~Unregister() {
            std::lock_guard lock(mt->blockers_mu_);
            mt->blockers_.erase(std::find(mt->blockers_.begin(), mt->blockers_.end(), p));
        }
    } unregister{this, &parker};
    for (;;) {
        failure_.throw_if_set();
        if (step(cx)) return;
        if (blocking_.expects_wake_soon() && spin_until([&] { return parker.try_park(); }))
            continue;
        parker.park();
    }
}

}  // namespace weft::detail
