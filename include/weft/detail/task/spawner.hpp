#pragma once
// Internal: "the executor this thread is running for", behind weft::spawn and spawn_blocking.

#include <functional>

#include "weft/detail/task/runtime_context.hpp"
#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

class Spawner {
  public:
    /// Takes a task whose header was prepared with init_spawned(t); sets its scheduler.
    virtual void spawn_task(TaskHeader* t) = 0;
    /// Whether spawn_local_task may be called from this thread.
    virtual bool can_spawn_local() const noexcept = 0;
    /// Spawns a prepared task that will only ever run on this thread.
    virtual void spawn_local_task(TaskHeader* t) = 0;
    /// Whether spawn_blocking_task may be called.
    virtual bool has_blocking_pool() const noexcept = 0;
    /// Runs a prepared task on the blocking pool (only if has_blocking_pool()).
    virtual void spawn_blocking_task(TaskHeader* t) = 0;

  protected:
    ~Spawner() = default;
};

/// The spawner of the executor running on this thread, or null (runtime_context.hpp; every
/// executor enters it).
inline Spawner* current_spawner() noexcept {
    return runtime_context().spawner;
}

}  // namespace weft::detail
