#pragma once
// The multi-thread scheduler's registry of every unfinished task, so that shutdown can cancel
// them. Sharded by header address (task_shard.hpp, shared with the task metadata table) so that
// workers spawning and finishing tasks at once rarely share a lock. TaskHeader::slot is a
// task's index in its shard, which makes removal O(1) (the last entry moves into the hole).
// The registry holds no reference: a task leaves it when it finishes, before its frame's
// reference is dropped.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "weft/detail/task/task_header.hpp"
#include "weft/detail/task/task_shard.hpp"

namespace weft::detail {

class OwnedTasks {
  public:
    void insert(TaskHeader* t) {
        Shard& sh = shard_of(t);
        std::lock_guard lock(sh.mu);
        t->slot = static_cast<std::uint32_t>(sh.tasks.size());
        sh.tasks.push_back(t);
    }

    void remove(TaskHeader* t) noexcept {
        Shard& sh = shard_of(t);
        std::lock_guard lock(sh.mu);
        TaskHeader* last = sh.tasks.back();
        sh.tasks[t->slot] = last;
        last->slot = t->slot;
        sh.tasks.pop_back();
    }

    /// How many tasks are registered (a snapshot: takes each shard's lock in turn).
    std::size_t len() noexcept {
        std::size_t n = 0;
        for (Shard& sh : shards_) {
            std::lock_guard lock(sh.mu);
            n += sh.tasks.size();
        }
        return n;
    }

    /// For a task dump: appends every registered task, with a reference added (a task leaves
    /// the registry before its frame's reference goes, so each is alive while its shard's lock
    /// is held). Each shard is locked only while its tasks are copied.
    void snapshot(std::vector<TaskHeader*>& out) {
        for (Shard& sh : shards_) {
            std::lock_guard lock(sh.mu);
            for (TaskHeader* t : sh.tasks) {
                add_ref(t);
                out.push_back(t);
            }
        }
    }

    /// Shutdown (no worker runs): calls `f` on some registered task until none is left; `f`
    /// must remove it (f may run destructors that spawn, which insert more).
    template <class F>
    void drain(F&& f) {
        for (Shard& sh : shards_) {
            for (;;) {
                TaskHeader* t;
                {
                    std::lock_guard lock(sh.mu);
                    if (sh.tasks.empty()) break;
                    t = sh.tasks.back();
                }
                f(t);
            }
        }
    }

  private:
    static constexpr std::size_t kShards = 16;
    struct alignas(64) Shard {
        std::mutex mu;
        std::vector<TaskHeader*> tasks;
    };
    Shard& shard_of(const TaskHeader* t) noexcept { return shards_[task_shard<kShards>(t)]; }

    Shard shards_[kShards];
};

}  // namespace weft::detail
