#pragma once
// Internal: spawning onto a Spawner, shared by every executor and by weft::spawn.

#include <cassert>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "weft/detail/task/into_task.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/detail/task/spawner.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/task/task_id.hpp"

namespace weft::detail {

// Records where a task was spawned, for task dumps (before the task is shared).
inline void record_spawn([[maybe_unused]] TaskHeader* t,
                         [[maybe_unused]] const AwaitSite& site) noexcept {
#if WEFT_TASK_TRACE
    t->trace.spawned_at = site;
    t->trace.spawned_at_tick = trace_ticks();
#endif
}

template <class T>
JoinHandle<T> handle_for(Task<T>& task, TaskHeader*& out, const AwaitSite& site = {}) noexcept {
    auto h = task.release();
    assert(h && "weft: spawning an empty (moved-from or finished) Task");
    out = TaskHeader::of_frame(h.address());
    init_spawned(out);
    record_spawn(out, site);
    return JoinHandle<T>(out);
}

// Spawns a Task, a Future or a callable returning one (see detail::to_task), optionally named
// (the name is recorded before the task can run).
template <class F>
auto spawn_on(Spawner& s, F&& f, std::string name = {}, const AwaitSite& site = {}) {
    auto task = to_task(std::forward<F>(f));
    TaskHeader* t;
    auto handle = handle_for(task, t, site);
    if (!name.empty()) set_task_name(t, std::move(name));
    s.spawn_task(t);
    return handle;
}

template <class F>
auto spawn_local_on(Spawner& s, F&& f, const AwaitSite& site = {}) {
    if (!s.can_spawn_local()) {
        throw std::logic_error(
            "weft::spawn_local must be called from a task running on a "
            "Runtime worker (or inside LocalExecutor::run)");
    }
    auto task = to_task(std::forward<F>(f));
    TaskHeader* t;
    auto handle = handle_for(task, t, site);
    s.spawn_local_task(t);
    return handle;
}

// A blocking call as a Task that finishes in its first poll, so that it gets a JoinHandle.
template <class Fn>
Task<std::invoke_result_t<Fn&>> call_blocking(Fn fn) {
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&>>) {
        fn();
        co_return;
    } else {
        co_return fn();
    }
}

template <class Fn>
auto spawn_blocking_on(Spawner& s, Fn&& fn, const AwaitSite& site = {}) {
    if (!s.has_blocking_pool()) {
        throw std::logic_error(
            "weft::spawn_blocking needs a weft::Runtime (this executor has no "
            "blocking pool)");
    }
    auto task = call_blocking(std::decay_t<Fn>(std::forward<Fn>(fn)));
    TaskHeader* t;
    auto handle = handle_for(task, t, site);
    s.spawn_blocking_task(t);
    return handle;
}

// The current runtime's spawner for an operation `what` that runs on the blocking pool, or a
// std::logic_error naming it: outside a runtime ("… needs a runtime …"), or on an executor with
// no pool (a LocalExecutor: "… needs a weft::Runtime: <runs> on its blocking pool, …"). Checked
// before anything is moved into a blocking closure, so a refused call leaves its caller's state
// intact. fs and stdio use it; `runs` says what runs there ("file operations", "stdio").
inline Spawner& require_blocking_spawner(const char* what, const char* runs) {
    Spawner* s = current_spawner();
    if (s == nullptr) {
        throw std::logic_error(std::string("weft: ") + what +
                               " needs a runtime: await it in a task or inside "
                               "Runtime::block_on");
    }
    if (!s->has_blocking_pool()) {
        throw std::logic_error(std::string("weft: ") + what + " needs a weft::Runtime: " + runs +
                               " on its blocking pool, which a LocalExecutor does not have");
    }
    return *s;
}

inline Spawner& require_spawner(const char* what) {
    Spawner* s = current_spawner();
    if (s == nullptr) {
        throw std::logic_error(std::string(what) +
                               " called outside of a runtime: call it from a task, or inside "
                               "Runtime::block_on / LocalExecutor::run");
    }
    return *s;
}

}  // namespace weft::detail
