#pragma once
/// \file
/// `FrameArena`: where a freestanding program's coroutine frames come from, with no heap.

#include <cstddef>

namespace weft::embedded {

/// A first-fit allocator over a fixed block of memory, for `weft::Task` frames on a target with
/// no heap (docs/embedded.md). Each call of a coroutine that returns a `Task` takes its frame
/// (with weft's task header in front) from the arena that is *installed*; finishing or
/// destroying the task gives it back, and neighbouring free blocks merge again.
///
/// When the arena has no block large enough, the coroutine call returns an empty `Task`
/// (`!task.valid()`) instead of throwing: `Executor::spawn` reports it as
/// `SpawnError::no_memory`, and a `co_await` of such a task panics.
///
/// Size it from `high_water()` after a run of the program (the compiler decides how large each
/// frame is), plus a margin. Only thread mode allocates: frames are never created in an
/// interrupt handler, so the arena takes no lock.
class FrameArena {
  public:
    /// Manages `bytes` bytes at `memory` (aligned to `kAlign`).
    FrameArena(void* memory, std::size_t bytes) noexcept { init(memory, bytes); }
    FrameArena(const FrameArena&) = delete;
    FrameArena& operator=(const FrameArena&) = delete;

    /// Makes this the arena that `Task` frames come from. Install one arena for the life of
    /// the program (or a fresh one once every frame of the last has been freed).
    void install() noexcept;
    /// The installed arena, or null.
    static FrameArena* installed() noexcept;

    /// A block of at least `n` bytes aligned to `kAlign`, or null if none is free.
    void* allocate(std::size_t n) noexcept;
    /// Gives back a block from allocate().
    void deallocate(void* p) noexcept;

    std::size_t capacity() const noexcept { return capacity_; }
    /// Bytes taken now, block headers included.
    std::size_t in_use() const noexcept { return in_use_; }
    /// The most bytes ever taken at once: size the arena from this.
    std::size_t high_water() const noexcept { return high_water_; }
    /// Allocations that found no block large enough.
    std::size_t failures() const noexcept { return failures_; }

    /// The alignment of every block (operator new's: a task header needs it).
    static constexpr std::size_t kAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  protected:
    FrameArena() noexcept = default;
    void init(void* memory, std::size_t bytes) noexcept;

  private:
    struct Block {
        std::size_t size;  // the whole block, this header included
        Block* next;       // the next free block by address (free blocks only)
    };
    static constexpr std::size_t kHeader = (sizeof(Block) + kAlign - 1) / kAlign * kAlign;

    Block* free_ = nullptr;  // free blocks in address order
    std::size_t capacity_ = 0;
    std::size_t in_use_ = 0;
    std::size_t high_water_ = 0;
    std::size_t failures_ = 0;
};

/// A `FrameArena` over a static buffer of `Bytes` bytes, sized at compile time.
///
/// ```cpp
/// weft::embedded::StaticFrameArena<2048> arena;  // a global: in .bss, never on a heap
/// void start() { arena.install(); }               // from main, before the first task
/// ```
template <std::size_t Bytes>
class StaticFrameArena : public FrameArena {
  public:
    StaticFrameArena() noexcept { init(memory_, Bytes); }

  private:
    alignas(FrameArena::kAlign) std::byte memory_[Bytes];
};

}  // namespace weft::embedded
