#pragma once
/// \file
/// `weft::runtime::Dump`: every live task of a runtime, with its async backtrace.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weft::runtime {

/// One frame of an async backtrace: a `co_await` a coroutine is suspended at.
struct AwaitFrame {
    std::string function;  ///< the coroutine (as the compiler names the enclosing function)
    std::string file;
    std::uint32_t line = 0;
};

/// Where a task stands when the dump reads it.
enum class TaskState {
    Idle,       ///< suspended, waiting to be woken
    Scheduled,  ///< woken (or just spawned), waiting in a run queue
    Running,    ///< being polled by a worker now: no backtrace (its chain is changing)
    Finished,   ///< completed or cancelled, not yet unregistered
};

/// Names a state: "idle", "scheduled", "running", "finished".
const char* to_string(TaskState s) noexcept;

/// What a dump knows of one task.
struct TaskInfo {
    std::uint64_t id = 0;        ///< `weft::task::Id` (the dump gives every task one)
    std::string name;            ///< set with `task::Builder::name`; empty if none
    std::string spawn_file;      ///< where it was spawned (`weft::spawn`, `Runtime::spawn`, ...)
    std::string spawn_function;  ///< the function that spawned it
    std::uint32_t spawn_line = 0;
    TaskState state = TaskState::Idle;
    std::uint64_t polls = 0;            ///< polls so far
    std::chrono::milliseconds age{0};   ///< since spawned (to a few milliseconds)
    std::optional<std::size_t> worker;  ///< Running: the worker polling it
    /// Running: the await point the current poll resumed from, if it resumed from one.
    std::optional<AwaitFrame> resumed_from;
    /// Idle or Scheduled: the await chain, **innermost first**: the `co_await` the innermost
    /// coroutine is suspended at, then the one where its caller awaits it, and so on up to the
    /// task's root. Empty before the first poll.
    std::vector<AwaitFrame> backtrace;
    /// The future the innermost `co_await` waits for (its C++ type), e.g. `weft::time::Sleep`.
    std::string leaf;
};

/// A snapshot of a runtime's tasks: `co_await handle.dump()` (Tokio's name) or, from a thread
/// outside the runtime, `handle.dump_blocking()`.
///
/// ```cpp
/// weft::Task<void> report() {
///     weft::runtime::Dump d = co_await weft::Handle::current().dump();
///     std::fputs(d.to_string().c_str(), stderr);
/// }
/// ```
///
/// **Consistency.** Each task is read whole: never while a worker polls it (such a task is
/// listed as Running, without a backtrace), and a worker about to poll a task that is being
/// read waits for that one task, for the microseconds it takes to copy its chain. The world
/// is not stopped: tasks spawned or finished meanwhile may or may not be listed.
///
/// **Cost.** Spawn sites, poll counts and await sites are recorded as tasks run (the
/// `WEFT_TASK_TRACE` CMake option, on by default: a few stores per spawn, poll and await; see
/// docs/observability.md for the measured cost). A dump itself costs an allocation per task.
class Dump {
  public:
    std::vector<TaskInfo> tasks;  ///< sorted by id

    /// One block per task, like a stack trace:
    /// ```text
    /// task 3 "conn-handler" idle, 4 polls, age 1.200 s
    ///   spawned at server.cpp:40 in accept_loop
    ///   awaiting weft::net::detail::ReadFuture
    ///     at read_frame (server.cpp:18)
    ///     at handle (server.cpp:27)
    /// ```
    std::string to_string() const;
    /// The same as JSON, for tools: `{"tasks":[{"id":3,"name":"conn-handler","state":"idle",
    /// "polls":4,"age_ms":1200,"worker":null,"spawned_at":{"file":...,"line":...,"function":
    /// ...},"resumed_from":null,"leaf":"...","backtrace":[{"function":...,"file":...,
    /// "line":...}]}]}`.
    std::string to_json() const;
};

}  // namespace weft::runtime
