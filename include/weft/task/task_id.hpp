#pragma once
/// \file
/// `task::Id`, `task::id()`, `task::try_id()`, `task::name()`: who is running.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace weft::detail {
struct TaskHeader;
}

namespace weft::task {

/// A spawned task's id: unique among all tasks of the process for its lifetime. Tokio's
/// `task::Id`. Ids are handed out on first request (by `task::id()`, `JoinHandle::id()` or a
/// `task::Builder`), so tasks that never ask pay nothing for them.
///
/// ```cpp
/// weft::spawn([]() -> weft::Task<void> {
///     std::printf("running as task %llu\n", (unsigned long long)weft::task::id().value());
///     co_return;
/// }).detach();
/// ```
class Id {
  public:
    explicit constexpr Id(std::uint64_t v) noexcept : v_(v) {}
    constexpr std::uint64_t value() const noexcept { return v_; }
    friend constexpr bool operator==(Id, Id) noexcept = default;
    friend constexpr auto operator<=>(Id, Id) noexcept = default;

  private:
    std::uint64_t v_;
};

/// The id of the spawned task being polled on this thread.
/// **Throws** `std::logic_error` outside a spawned task (for example in `block_on`'s future).
Id id();

/// The id of the spawned task being polled on this thread, or nothing outside one.
std::optional<Id> try_id() noexcept;

/// The name given with `task::Builder`, or an empty string (also outside a task).
std::string name();

}  // namespace weft::task

namespace weft::detail {
/// The spawned task being polled on this thread (set by run_task), or null.
TaskHeader* current_task() noexcept;
/// The id of `t`, assigning one on first use.
task::Id task_id_of(TaskHeader* t);
/// Sets `t`'s name (before it is scheduled).
void set_task_name(TaskHeader* t, std::string name);
/// The task's name, or empty.
std::string task_name_of(TaskHeader* t);
}  // namespace weft::detail

template <>
struct std::hash<weft::task::Id> {
    std::size_t operator()(weft::task::Id id) const noexcept {
        return std::hash<std::uint64_t>{}(id.value());
    }
};
