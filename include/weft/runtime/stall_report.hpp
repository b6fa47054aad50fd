#pragma once
/// \file
/// `weft::runtime::StallReport`: what the stall detector says about a poll that runs too long.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "weft/task/task_id.hpp"

namespace weft::runtime {

/// One frame of a thread's native (machine) stack.
struct NativeFrame {
    /// The frame's address: the interrupted instruction for the innermost frame, a return
    /// address for the others.
    std::uintptr_t address = 0;
    /// The function, demangled; empty when the address has no exported symbol (functions of
    /// the executable itself have one only when it is linked with `-rdynamic`, CMake's
    /// `ENABLE_EXPORTS`).
    std::string function;
    /// How far into `function` the address is (0 when `function` is empty).
    std::uintptr_t function_offset = 0;
    /// The executable or shared library holding the address, and the offset in it of the
    /// instruction running there (the interrupted one for the innermost frame, the call for the
    /// others: the return address minus one): `addr2line -f -C -e <object> <offset>` gives its
    /// source line where the binary has debug information. Empty and 0 when the address is in
    /// no loaded object.
    std::string object;
    std::uintptr_t object_offset = 0;

    /// One line: `0x7f12… read+0x12 (/lib/x86_64-linux-gnu/libc.so.6+0x10e1d2)`.
    std::string to_string() const;
};

/// A poll that has been running longer than the stall threshold, reported by the stall detector
/// while it is still running (`RuntimeBuilder::stall_threshold`, `on_stall`). Each poll is
/// reported at most once. See docs/observability.md, "Stall detector".
///
/// ```cpp
/// auto rt = weft::Runtime::builder()
///               .stall_threshold(std::chrono::milliseconds(50))
///               .on_stall([](const weft::runtime::StallReport& r) {
///                   std::fprintf(stderr, "%s", r.to_string().c_str());
///               })
///               .build();
/// ```
struct StallReport {
    /// The stalled task: its id, and its name (`task::Builder`; empty when it has none). The
    /// id is missing only when the task could not be examined (its thread did not answer the
    /// stack request: see `native_stack`) and had no id yet.
    std::optional<task::Id> task_id;
    std::string task_name;
    /// Where the task was spawned; empty file and line 0 when not known.
    std::string spawn_file;
    std::string spawn_function;
    std::uint32_t spawn_line = 0;
    /// The `co_await` the stalled poll resumed the task from: the code between it and the next
    /// await point is what runs too long. Empty file and line 0 when the poll is the task's
    /// first (it runs from the task's start) or the point is not known.
    std::string await_file;
    std::string await_function;
    std::uint32_t await_line = 0;
    /// How long the poll has been running at the time of the report: a lower bound, the time
    /// since the detector first saw this poll running (the poll started at most one sampling
    /// period earlier).
    std::chrono::nanoseconds running{0};
    /// The threshold in force.
    std::chrono::nanoseconds threshold{0};
    /// Which worker runs the poll (its index, from 0); 0 on a current-thread runtime, where the
    /// thread inside `block_on` runs the tasks.
    std::size_t worker = 0;
    /// That thread's native stack when the detector asked for it (innermost first), taken by a
    /// signal to the thread. Empty when the thread did not answer in time: it has the signal
    /// blocked, or is in a call that defers signals (under ThreadSanitizer, most intercepted
    /// calls), or the signal is used by someone else (see docs/observability.md).
    std::vector<NativeFrame> native_stack;

    /// The report as one block of text, ending with a newline: what the default callback
    /// writes to stderr.
    std::string to_string() const;
};

}  // namespace weft::runtime
