#pragma once
// Internal: what the runtimes' threads put in the runtime context (runtime_context.hpp). Every
// thread that runs a runtime's code enters its drivers (timers and sockets register with
// them); its own threads and block_on also enter its spawner (weft::spawn). A driver added to
// the runtime is entered here, once, instead of at every such place.

#include <stdexcept>

#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/task/driving.hpp"
#include "weft/detail/task/runtime_context.hpp"
#include "weft/detail/task/spawner.hpp"
#include "weft/detail/time/time_driver.hpp"

namespace weft::detail {

/// The drivers of a runtime, and its spawner if there is one (a blocking thread has none).
struct RuntimeParts {
    Spawner* spawner;
    TimeDriver* time;
    IoDriver* io;
    RuntimeCore* runtime;
    void enter(RuntimeContext& c) const noexcept {
        c.spawner = spawner;
        c.runtime = runtime;
        c.time = time;
        c.io = io;
    }
};

/// Makes the runtime current for a scope.
class EnterRuntime {
  public:
    explicit EnterRuntime(RuntimeParts parts) noexcept
        : context_([&](RuntimeContext& c) { parts.enter(c); }) {}

  private:
    EnterContext context_;
};

/// What Runtime::block_on does first on either flavour: refuses a thread that drives tasks
/// already (with `own_thread_error` when it is one of this runtime's own), marks this thread
/// driving, and makes the runtime current.
class EnterBlockOn {
  public:
    EnterBlockOn(bool own_thread, const char* own_thread_error, RuntimeParts parts)
        : refuse_(own_thread, own_thread_error),
          context_([&](RuntimeContext& c) { parts.enter(c); }) {}

  private:
    struct Refuse {
        Refuse(bool own_thread, const char* own_thread_error) {
            if (own_thread) throw std::logic_error(own_thread_error);
            refuse_blocking_in_async("weft::Runtime::block_on");
        }
    } refuse_;
    DrivingScope driving_;
    EnterContext context_;
};

}  // namespace weft::detail
