// The multi-thread scheduler's shutdown and failure: closing the queues and waking every
// worker, cancelling what is left on the thread that drops the runtime, and the first
// unhandled exception under UnhandledPolicy::ShutdownRuntime (which closes the scheduler and
// makes every block_on rethrow it).

#include "../dump_lock.hpp"
#include "multi_thread.hpp"
#include "weft/detail/task/raw_task.hpp"

namespace weft::detail {

void MultiThread::close_and_wake_workers() noexcept {
    inject_.close();  // wakes from outside the pool drop their reference from now on
    closed_.store(true, std::memory_order_release);
    idle_.unpark_all();
    for (auto& w : workers_)
        w->parker->unpark();
}

void MultiThread::stop(std::chrono::nanoseconds timeout) noexcept {
    stall_.reset();  // before the workers exit: it signals their threads
    close_and_wake_workers();
    for (auto& w : workers_) {
        if (w->thread.joinable()) w->thread.join();
    }
    // Cancel every task still owned, here, with this scheduler as the current spawner so that
    // a destructor that spawns gets its task cancelled rather than lost.
    {
        EnterRuntime enter(parts());  // (a destructor may spawn or create a timer)
        DumpExclusion no_dump;        // tasks are cancelled here without being claimed
        owned_.drain([this](TaskHeader* t) {
            detail::add_ref(t);
            cancel_unless_finished(t);
            finish_run(t, DropOutput::No);
        });
    }
    // Drop the queues' references (to tasks now finished).
    for (auto& w : workers_) {
        w->worker_local.queue.close([](TaskHeader*) {});
        while (TaskHeader* t = w->worker_local.queue.pop_local())
            release_ref(t);
        if (w->lifo) release_ref(std::exchange(w->lifo, nullptr));
        while (TaskHeader* t = w->queue.pop())
            release_ref(t);
    }
    inject_.take_all([](TaskHeader* t) { release_ref(t); });
    blocking_.shutdown(timeout);
    time_->shutdown();  // timers still registered (outside any task) learn the runtime is gone
    io_->shutdown();    // and so do sockets
}

void MultiThread::fail(const std::exception_ptr& e) noexcept {
    if (!failure_.set(e)) return;
    std::vector<Parker*> to_wake;
    {
        // After set(): a block_on that registers later sees the failure before it parks.
        std::lock_guard lock(blockers_mu_);
        to_wake = blockers_;  // NOLINT: a few pointers; on failure only
    }
    // Workers stop after their current poll; the tasks are cancelled when the runtime is dropped.
    close_and_wake_workers();
    for (Parker* p : to_wake)
        p->unpark();
}

}  // namespace weft::detail
