#pragma once
// Internal: what every executor does with a task it took from a queue (LocalCore, the
// multi-thread workers, the blocking pool): poll it once and act on the result.

#include "weft/detail/task/raw_task.hpp"

namespace weft::detail {

/// Runs `t` (holding its queue reference). Requeue: `requeue(t)` takes the reference back to a
/// queue. Finished: `unregister(t)` takes it out of the executor's books, then the frame's and
/// the queue's references are dropped. Idle: a later wake queues it again.
template <class Requeue, class Unregister>
void run_queued(TaskHeader* t, Requeue&& requeue, Unregister&& unregister) noexcept {
    RunOutcome r = run_task(t);
    switch (r.result) {
        case RunResult::Idle:
            break;
        case RunResult::Requeue:
            requeue(t);
            break;
        case RunResult::Finished:
            unregister(t);
            release_finished(t, r.output);
            break;
    }
}

}  // namespace weft::detail
