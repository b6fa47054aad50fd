#pragma once
// Distinct task pointers for the queue model tests, never dereferenced (the queues only move
// them), each with counters of what happened to it.

#include <atomic>
#include <cstddef>
#include <vector>

#include "weft/detail/task/task_header.hpp"

namespace weft_test {

class FakeTasks {
  public:
    explicit FakeTasks(std::size_t n) : storage_(n), taken(n), refused(n) {}
    weft::detail::TaskHeader* at(std::size_t i) {
        return reinterpret_cast<weft::detail::TaskHeader*>(&storage_[i]);
    }
    std::size_t index(weft::detail::TaskHeader* t) const {
        return static_cast<std::size_t>(reinterpret_cast<Slot*>(t) - storage_.data());
    }
    std::size_t size() const noexcept { return storage_.size(); }
    /// Counts `t` as taken (run, or consumed) once more.
    void take(weft::detail::TaskHeader* t) { taken[index(t)].fetch_add(1); }

  private:
    struct alignas(64) Slot {
        char bytes[64];
    };
    std::vector<Slot> storage_;

  public:
    std::vector<std::atomic<int>> taken, refused;
};

}  // namespace weft_test
