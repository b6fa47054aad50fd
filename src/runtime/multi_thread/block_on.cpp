// Runtime::block_on on a multi-thread runtime: the calling thread (outside the pool) polls its
// future with the runtime current and parks in between; the workers run the tasks. The thread
// registers its parker so that a ShutdownRuntime failure can wake it to rethrow.

#include <algorithm>

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
        parker.park();
    }
}

}  // namespace weft::detail
