#pragma once
// Internal: an unbounded FIFO of task pointers (single-threaded; guard it to share it).

#include <cstddef>
#include <utility>

#include "weft/detail/task/task_header.hpp"

namespace weft::detail {

// A FIFO of task pointers in a power-of-two ring. It grows to the largest number of tasks ready
// at once, after which pushing and popping never allocate; when it drains after a burst larger
// than kKeep it gives the memory back. (A ring rather than a link in every task header keeps
// each task 8 bytes smaller.)
class TaskQueue {
  public:
    TaskQueue() = default;
    TaskQueue(const TaskQueue&) = delete;
    ~TaskQueue() { delete[] buf_; }

    void push(TaskHeader* t) {
        if (len_ == cap_) grow();
        buf_[(head_ + len_++) & (cap_ - 1)] = t;
    }
    TaskHeader* pop() noexcept {
        if (len_ == 0) return nullptr;
        TaskHeader* t = buf_[head_];
        head_ = (head_ + 1) & (cap_ - 1);
        if (--len_ == 0 && cap_ > kKeep) release();
        return t;
    }
    bool empty() const noexcept { return len_ == 0; }
    std::size_t size() const noexcept { return len_; }
    /// Trades contents (and capacity) with `other`: O(1), never allocates.
    void swap(TaskQueue& other) noexcept {
        std::swap(buf_, other.buf_);
        std::swap(cap_, other.cap_);
        std::swap(head_, other.head_);
        std::swap(len_, other.len_);
    }

  private:
    // Entries kept after draining (32 KiB): covers every steady state seen in the benchmarks.
    static constexpr std::size_t kKeep = 4096;

    void release() noexcept {
        delete[] buf_;
        buf_ = nullptr;
        cap_ = head_ = 0;
    }
    void grow() {
        std::size_t cap = cap_ ? cap_ * 2 : 64;
        auto* buf = new TaskHeader*[cap];
        for (std::size_t i = 0; i < len_; ++i)
            buf[i] = buf_[(head_ + i) & (cap_ - 1)];
        delete[] buf_;
        buf_ = buf;
        cap_ = cap;
        head_ = 0;
    }

    TaskHeader** buf_ = nullptr;
    std::size_t cap_ = 0, head_ = 0, len_ = 0;
};

}  // namespace weft::detail
