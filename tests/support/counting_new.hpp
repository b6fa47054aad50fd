#pragma once
// Replaces the global operator new/delete to count the allocations of the calling thread.
// Include it in exactly one source file of a test binary (it defines the replacements).

#include <cstddef>
#include <cstdlib>
#include <new>

namespace weft_test {
inline thread_local long tl_allocations = 0;
// Heap allocations made by this thread so far.
inline long thread_allocations() {
    return tl_allocations;
}
}  // namespace weft_test

void* operator new(std::size_t n) {
    ++weft_test::tl_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
