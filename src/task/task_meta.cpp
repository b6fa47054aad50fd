// Task ids and names, kept in a side table so that only tasks that use them pay for them.

#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "weft/detail/task/raw_task.hpp"
#include "weft/detail/task/task_shard.hpp"
#include "weft/task/task_id.hpp"

namespace weft::detail {

namespace {

struct Meta {
    std::uint64_t id = 0;
    std::string name;
};

// Sharded by header address (task_shard.hpp).
constexpr std::size_t kShards = 16;
struct alignas(64) Shard {
    std::mutex mu;
    std::unordered_map<const TaskHeader*, Meta> map;
};
Shard& shard_of(const TaskHeader* t) {
    static Shard shards[kShards];
    return shards[task_shard<kShards>(t)];
}
std::atomic<std::uint64_t> next_id{1};

Meta& meta_locked(Shard& sh, TaskHeader* t) {
    auto [it, inserted] = sh.map.try_emplace(t);
    if (inserted) t->state.set_has_meta();
    if (it->second.id == 0) it->second.id = next_id.fetch_add(1, std::memory_order_relaxed);
    return it->second;
}

}  // namespace

void forget_task_meta(const TaskHeader* t) noexcept {
    Shard& sh = shard_of(t);
    std::lock_guard lock(sh.mu);
    sh.map.erase(t);
}

task::Id task_id_of(TaskHeader* t) {
    Shard& sh = shard_of(t);
    std::lock_guard lock(sh.mu);
    return task::Id(meta_locked(sh, t).id);
}

// For observers that cannot pin `t` (the stall detector): looks `t` up by address only, never
// reading the header, and assigns nothing. Declared where it is used (stall_detector.cpp).
bool peek_task_meta(const TaskHeader* t, std::uint64_t& id, std::string& name) {
    Shard& sh = shard_of(t);
    std::lock_guard lock(sh.mu);
    auto it = sh.map.find(t);
    if (it == sh.map.end()) return false;
    id = it->second.id;
    name = it->second.name;
    return true;
}

void set_task_name(TaskHeader* t, std::string name) {
    Shard& sh = shard_of(t);
    std::lock_guard lock(sh.mu);
    meta_locked(sh, t).name = std::move(name);
}

std::string task_name_of(TaskHeader* t) {
    if (!t->state.load_relaxed().has_meta()) return {};
    Shard& sh = shard_of(t);
    std::lock_guard lock(sh.mu);
    auto it = sh.map.find(t);
    return it == sh.map.end() ? std::string() : it->second.name;
}

}  // namespace weft::detail

namespace weft::task {

Id id() {
    if (auto i = try_id()) return *i;
    throw std::logic_error("weft::task::id() called outside of a spawned task");
}

std::optional<Id> try_id() noexcept {
    detail::TaskHeader* t = detail::current_task();
    if (t == nullptr) return std::nullopt;
    try {
        return detail::task_id_of(t);
    } catch (...) {
        return std::nullopt;  // out of memory for the side table
    }
}

std::string name() {
    detail::TaskHeader* t = detail::current_task();
    return t == nullptr ? std::string() : detail::task_name_of(t);
}

}  // namespace weft::task
