#pragma once
// Internal: the runtime context, everything "current" on this thread in one thread-local
// struct: the executor weft::spawn targets, the drivers timers and sockets register with, the
// executor whose thread this is (so that its wakes queue locally) and the task being polled.
//
// Entering. Every executor enters what it provides with one guard, EnterContext, which
// restores the previous context at the end of its scope (scopes nest: a worker, a block_on, a
// blocking thread, Runtime::enter, LocalExecutor::run). It restores the executor and worker
// only if it changed them: a Runtime::enter guard that a task drops on another worker (which
// its docs forbid) must not make this thread pose as the worker it was made on. The task being
// polled is swapped by run_task alone (it changes on every poll).
//
// Cost. The struct is constinit and trivially destructible, so every access is one
// thread-local address computation and no guard or wrapper call; reading two fields of it (the
// executor and its worker) is still one. It holds pointers only: the types are declared here,
// defined by their layers (the drivers, the executors), which include this header, not the
// other way round.

#include <stdexcept>
#include <string>

namespace weft::detail {

class Spawner;
class TimeDriver;
class IoDriver;
struct TaskHeader;
struct WorkerProbe;
class RuntimeCore;
class DeferredWakes;

struct RuntimeContext {
    Spawner* spawner = nullptr;         // weft::spawn's target (current_spawner)
    RuntimeCore* runtime = nullptr;     // the Runtime entered, if any (Handle::current)
    TimeDriver* time = nullptr;         // timers register here (TimeDriver::current)
    IoDriver* io = nullptr;             // sockets register here (IoDriver::current)
    const void* executor = nullptr;     // the executor running on this thread (a LocalCore, a
                                        // multi-thread scheduler): its wakes queue locally
    void* worker = nullptr;             // that executor's per-thread state (a worker), if any
    TaskHeader* task = nullptr;         // the task being polled (current_task)
    WorkerProbe* probe = nullptr;       // this polling thread's probe, if its executor has one
    DeferredWakes* deferred = nullptr;  // where yield_now's wake waits for the drivers, if the
                                        // executor polling here has one (deferred_wakes.hpp)
};

inline constinit thread_local RuntimeContext tl_runtime_context;

/// This thread's runtime context.
inline RuntimeContext& runtime_context() noexcept {
    return tl_runtime_context;
}

/// Changes this thread's context for a scope: `enter(context)` sets what the entering
/// executor provides (not the task); the destructor restores the previous values.
class EnterContext {
  public:
    template <class F>
    explicit EnterContext(F&& enter) noexcept : prev_(tl_runtime_context) {
        RuntimeContext& c = tl_runtime_context;
        enter(c);
        // Another executor's tasks must not defer their wakes to the list of the one it nests
        // in (which would not drain it until the inner one returns).
        if (c.executor != prev_.executor && c.deferred == prev_.deferred) c.deferred = nullptr;
        restore_executor_ = c.executor != prev_.executor || c.worker != prev_.worker ||
                            c.probe != prev_.probe || c.deferred != prev_.deferred;
    }
    ~EnterContext() {
        RuntimeContext& c = tl_runtime_context;
        c.spawner = prev_.spawner;
        c.runtime = prev_.runtime;
        c.time = prev_.time;
        c.io = prev_.io;
        if (restore_executor_) {
            c.executor = prev_.executor;
            c.worker = prev_.worker;
            c.probe = prev_.probe;
            c.deferred = prev_.deferred;
        }
    }
    EnterContext(const EnterContext&) = delete;
    EnterContext& operator=(const EnterContext&) = delete;

  private:
    RuntimeContext prev_;
    bool restore_executor_;
};

/// The std::logic_error of a call that needs a runtime outside of one; `what` names the call.
[[noreturn]] inline void throw_needs_runtime(const char* what) {
    throw std::logic_error(std::string("weft: ") + what +
                           " needs a runtime: call it from a task or inside "
                           "Runtime::block_on");
}

}  // namespace weft::detail
