// Task dumps: every registered task of a runtime, with its async backtrace (runtime/dump.hpp).
//
// Reading a task's await chain while workers run. The chain (TaskHeader::chain, and the
// ChildLinks and leaf awaiters in the frames it points to) belongs to whoever polls the task.
// A dump reads it under the task's TRACING bit (state.hpp):
//   1. begin_trace sets TRACING (acq_rel). From then on, no worker can claim the task for a
//      poll (transition_to_running waits while TRACING is set), nor can a Scope cancel it in
//      place (transition_to_cancelled_here waits too).
//   2. A worker that claimed it before is visible in its probe: run_task stores the task in its
//      probe's `polling` before the claim, and the claim's release pairs with begin_trace's
//      acquire. So if no probe shows the task, no poll is in progress; and a poll that ended
//      cleared `polling` with a release that our acquire load pairs with, so its writes to the
//      chain are visible. Such a task is read; one that a probe shows is listed as Running,
//      with the await point its poll resumed from (copied into the probe, so it is safe).
//   3. end_trace clears TRACING (release); a waiting worker goes on.
// A task is paused only while its chain is copied; tasks are never all stopped at once. Only
// one dump runs at a time (dump_mutex: TRACING has no owner field), and a multi-thread
// runtime's shutdown, which cancels tasks without claiming them, takes the same mutex.
//
// Each task is kept alive by a reference the registry snapshot took (snapshot_tasks), so the
// registry's locks are held only while pointers are copied.

#include "weft/runtime/dump.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <string_view>

#include "dump_lock.hpp"
#include "function_name.hpp"
#include "json.hpp"
#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/task/chain.hpp"
#include "weft/detail/task/probe.hpp"
#include "weft/detail/task/raw_task.hpp"
#include "weft/runtime/handle.hpp"
#include "weft/task/task_id.hpp"

namespace weft::detail {

std::mutex& dump_mutex() noexcept {
    static std::mutex mu;
    return mu;
}

namespace {

// The type named by a leaf_type_name<T>() __PRETTY_FUNCTION__:
//   GCC:   "const char* weft::detail::leaf_type_name() [with T = X]"
//   clang: "const char *weft::detail::leaf_type_name() [T = X]"
std::string type_from_pretty(const char* pretty) {
    std::string_view s(pretty);
    std::size_t at = s.find("T = ");
    if (at == std::string_view::npos) return std::string(s);
    s.remove_prefix(at + 4);
    std::size_t end = s.rfind(']');
    if (end != std::string_view::npos) s = s.substr(0, end);
    if (std::size_t semi = s.find("; "); semi != std::string_view::npos) s = s.substr(0, semi);
    // The standard library's spellings of std::string, as a reader would write it.
    std::string out(s);
    for (std::string_view verbose :
         {"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >",
          "std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
          "std::basic_string<char>"}) {
        for (std::size_t at; (at = out.find(verbose)) != std::string::npos;)
            out.replace(at, verbose.size(), "std::string");
    }
    return out;
}

runtime::AwaitFrame frame_of(const AwaitSite& s) {
    return {short_function(s.function()), s.file() != nullptr ? s.file() : "", s.line()};
}

// Copies the chain of a task nobody polls (the caller holds TRACING; see above).
void read_chain(TaskHeader* t, runtime::TaskInfo& info) {
    const ChainSlot& c = t->chain;
    const ChainSlot& leaf = parked_leaf(c);
    if (leaf.ops == nullptr) return;  // never polled
    info.leaf = type_from_pretty(leaf.ops->type_name());
#if WEFT_TASK_TRACE
    if (AwaitSite s = leaf_site(leaf)) info.backtrace.push_back(frame_of(s));
    for (const ChildLink* l = innermost_link(c); l != nullptr; l = l->outer)
        info.backtrace.push_back(frame_of(l->site));
#endif
}

runtime::TaskInfo trace_task(TaskHeader* t, const std::vector<WorkerProbe*>& probes) {
    runtime::TaskInfo info;
    info.id = task_id_of(t).value();
    info.name = task_name_of(t);
    Snapshot s = t->state.begin_trace();
    struct End {
        TaskHeader* t;
        ~End() { t->state.end_trace(); }
    } end{t};
#if WEFT_TASK_TRACE
    // Written before the task was shared.
    runtime::AwaitFrame spawned = frame_of(t->trace.spawned_at);
    info.spawn_file = std::move(spawned.file);
    info.spawn_function = std::move(spawned.function);
    info.spawn_line = spawned.line;
    info.age = std::chrono::milliseconds(ms_since_tick(t->trace.spawned_at_tick));
#endif
    if (s.is_complete()) {
        info.state = runtime::TaskState::Finished;
        return info;
    }
    for (std::size_t i = 0; i < probes.size(); ++i) {
        // acquire: pairs with poll_end's release (see above).
        if (probes[i]->polling.load(std::memory_order_acquire) == t) {
            info.state = runtime::TaskState::Running;
            info.worker = i;
            if (AwaitSite from = probes[i]->resumed_from()) info.resumed_from = frame_of(from);
            return info;
        }
    }
    // A poll claimed before our TRACING may have ended since, with the task's completion: its
    // frame is gone and its header's chain slot holds the output's bookkeeping. Seen through
    // the probe's release of null (above), so an acquire load of the state shows COMPLETE.
    s = t->state.load();
    if (s.is_complete()) {
        info.state = runtime::TaskState::Finished;
        return info;
    }
    info.state = s.is_notified() ? runtime::TaskState::Scheduled : runtime::TaskState::Idle;
#if WEFT_TASK_TRACE
    info.polls = t->trace.polls;
#endif
    read_chain(t, info);
    return info;
}

}  // namespace

runtime::Dump dump_runtime(RuntimeCore& rt) {
    std::vector<WorkerProbe*> probes = rt.probes();
    std::vector<TaskHeader*> tasks;
    runtime::Dump out;
    {
        DumpExclusion exclusive;
        rt.snapshot_tasks(tasks);
        struct Release {
            std::vector<TaskHeader*>& tasks;
            ~Release() {
                for (TaskHeader* t : tasks)
                    release_ref(t);
            }
        } release{tasks};
        out.tasks.reserve(tasks.size());
        for (TaskHeader* t : tasks)
            out.tasks.push_back(trace_task(t, probes));
    }
    std::sort(out.tasks.begin(), out.tasks.end(),
              [](const runtime::TaskInfo& a, const runtime::TaskInfo& b) { return a.id < b.id; });
    return out;
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

}  // namespace weft::detail

namespace weft::runtime {

const char* to_string(TaskState s) noexcept {
    switch (s) {
        case TaskState::Idle:
            return "idle";
        case TaskState::Scheduled:
            return "scheduled";
        case TaskState::Running:
            return "running";
        case TaskState::Finished:
            return "finished";
    }
    return "?";
}

namespace {

std::string where(const std::string& file, std::uint32_t line) {
    return file + ":" + std::to_string(line);
}

void append_frame_json(std::string& out, const AwaitFrame& f) {
    out += "{\"function\":";
    detail::append_json_string(out, f.function);
    out += ",\"file\":";
    detail::append_json_string(out, f.file);
    out += ",\"line\":" + std::to_string(f.line) + "}";
}

}  // namespace

std::string Dump::to_string() const {
    std::string out;
    for (const TaskInfo& t : tasks) {
        char head[160];
        std::snprintf(head, sizeof head, "task %" PRIu64, t.id);
        out += head;
        if (!t.name.empty()) out += " \"" + t.name + "\"";
        out += ' ';
        out += runtime::to_string(t.state);
        if (t.worker) out += " on worker " + std::to_string(*t.worker);
        if (t.state != TaskState::Running) {  // (a running task's count is changing)
            std::snprintf(head, sizeof head, ", %" PRIu64 " polls", t.polls);
            out += head;
        }
        std::snprintf(head, sizeof head, ", age %.3f s\n",
                      static_cast<double>(t.age.count()) / 1000.0);
        out += head;
        if (!t.spawn_file.empty()) {
            out += "  spawned at " + where(t.spawn_file, t.spawn_line);
            if (!t.spawn_function.empty()) out += " in " + t.spawn_function;
            out += '\n';
        }
        if (t.resumed_from) {
            out += "  resumed from " + t.resumed_from->function + " (" +
                   where(t.resumed_from->file, t.resumed_from->line) + ")\n";
        }
        if (!t.leaf.empty()) out += "  awaiting " + t.leaf + "\n";
        for (const AwaitFrame& f : t.backtrace)
            out += "    at " + f.function + " (" + where(f.file, f.line) + ")\n";
    }
    return out;
}

std::string Dump::to_json() const {
    std::string out = "{\"tasks\":[";
    bool first = true;
    for (const TaskInfo& t : tasks) {
        if (!first) out += ',';
        first = false;
        out += "{\"id\":" + std::to_string(t.id) + ",\"name\":";
        detail::append_json_string(out, t.name);
        out += ",\"state\":\"";
        out += runtime::to_string(t.state);
        out += "\",\"polls\":" + std::to_string(t.polls) +
               ",\"age_ms\":" + std::to_string(t.age.count()) +
               ",\"worker\":" + (t.worker ? std::to_string(*t.worker) : std::string("null"));
        out += ",\"spawned_at\":";
        append_frame_json(out, {t.spawn_function, t.spawn_file, t.spawn_line});
        out += ",\"resumed_from\":";
        if (t.resumed_from) {
            append_frame_json(out, *t.resumed_from);
        } else {
            out += "null";
        }
        out += ",\"leaf\":";
        detail::append_json_string(out, t.leaf);
        out += ",\"backtrace\":[";
        for (std::size_t i = 0; i < t.backtrace.size(); ++i) {
            if (i != 0) out += ',';
            append_frame_json(out, t.backtrace[i]);
        }
        out += "]}";
    }
    out += "]}";
    return out;
}

}  // namespace weft::runtime
