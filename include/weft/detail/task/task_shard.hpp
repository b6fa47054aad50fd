#pragma once
// Internal: which of N lock shards a task's side tables (task metadata, the multi-thread
// scheduler's owned-task registry) keep it in.

#include <cstddef>
#include <cstdint>

#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

/// Shards by header address, above the low bits that alignment and small frame sizes make
/// alike, so that tasks spawned and freed at once on different workers rarely share a lock.
template <std::size_t Shards>
constexpr std::size_t task_shard(const TaskHeader* t) noexcept {
    return (reinterpret_cast<std::uintptr_t>(t) >> 7) % Shards;
}

}  // namespace weft::detail
