// The frame arena (frame_arena.hpp), and the core's allocation hooks in a freestanding build:
// allocate_task_memory and free_task_memory (task_header.hpp) take every Task frame from the
// installed arena, so a program built with this file has no heap in its coroutines.

#include "weft/embedded/frame_arena.hpp"

#include <cstdint>

#include "weft/detail/task/task_header.hpp"

namespace weft::embedded {

namespace {
// Thread mode only (see FrameArena): no interrupt handler allocates a frame.
FrameArena* g_installed = nullptr;
}  // namespace

void FrameArena::init(void* memory, std::size_t bytes) noexcept {
    // Round the start up and the size down to kAlign.
    auto start = reinterpret_cast<std::uintptr_t>(memory);
    std::uintptr_t aligned = (start + kAlign - 1) / kAlign * kAlign;
    std::size_t skip = aligned - start;
    std::size_t usable = bytes > skip ? (bytes - skip) / kAlign * kAlign : 0;
    free_ = nullptr;
    capacity_ = usable;
    in_use_ = high_water_ = failures_ = 0;
    if (usable >= kHeader + kAlign) {
        free_ = reinterpret_cast<Block*>(aligned);
        free_->size = usable;
        free_->next = nullptr;
    }
}

void FrameArena::install() noexcept {
    g_installed = this;
}

FrameArena* FrameArena::installed() noexcept {
    return g_installed;
}

void* FrameArena::allocate(std::size_t n) noexcept {
    if (n > capacity_) {
        ++failures_;
        return nullptr;
    }
    std::size_t need = kHeader + (n + kAlign - 1) / kAlign * kAlign;
    for (Block** link = &free_; *link != nullptr; link = &(*link)->next) {
        Block* b = *link;
        if (b->size < need) continue;
        if (b->size - need >= kHeader + kAlign) {  // split: the rest stays free
            auto* rest = reinterpret_cast<Block*>(reinterpret_cast<std::byte*>(b) + need);
            rest->size = b->size - need;
            rest->next = b->next;
            *link = rest;
            b->size = need;
        } else {  // too little would be left over to hold a block: take it whole
            *link = b->next;
        }
        in_use_ += b->size;
        if (in_use_ > high_water_) high_water_ = in_use_;
        return reinterpret_cast<std::byte*>(b) + kHeader;
    }
    ++failures_;
    return nullptr;
}

void FrameArena::deallocate(void* p) noexcept {
    if (p == nullptr) return;
    auto* b = reinterpret_cast<Block*>(static_cast<std::byte*>(p) - kHeader);
    in_use_ -= b->size;
    // Insert in address order, then merge with the neighbours that touch it.
    Block* prev = nullptr;
    Block* next = free_;
    while (next != nullptr && next < b) {
        prev = next;
        next = next->next;
    }
    auto end_of = [](Block* x) { return reinterpret_cast<std::byte*>(x) + x->size; };
    b->next = next;
    if (next != nullptr && end_of(b) == reinterpret_cast<std::byte*>(next)) {
        b->size += next->size;
        b->next = next->next;
    }
    if (prev != nullptr && end_of(prev) == reinterpret_cast<std::byte*>(b)) {
        prev->size += b->size;
        prev->next = b->next;
    } else if (prev != nullptr) {
        prev->next = b;
    } else {
        free_ = b;
    }
}

}  // namespace weft::embedded

namespace weft::detail {

void* allocate_task_memory(std::size_t size) {
    embedded::FrameArena* a = embedded::FrameArena::installed();
    return a != nullptr ? a->allocate(size) : nullptr;
}

void free_task_memory(void* block) noexcept {
    if (embedded::FrameArena* a = embedded::FrameArena::installed()) a->deallocate(block);
}

// A freestanding build keeps no side table of task names (task_meta.cpp is hosted): no header
// is ever marked as having an entry in it.
void forget_task_meta(const TaskHeader*) noexcept {}

}  // namespace weft::detail
