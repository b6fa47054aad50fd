#pragma once
// Replaces the global operator new/delete to count the allocations of the calling thread.
// Include it in exactly one source file of a test binary (it defines the replacements).

#include <cstddef>
#include <cstdlib>
#include <new>

// clang links its ThreadSanitizer runtime statically and whole-archive, with its own strong
// operator new/delete: replacing them again is a "multiple definition" link error. There the
// replacements are left out and kCountsAllocations is false, so the tests that count skip
// themselves. (GCC's ThreadSanitizer runtime is a shared library: replacing works.)
#if defined(__clang__) && defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_TEST_NO_COUNTING_NEW 1
#endif
#endif

namespace weft_test {
#ifdef WEFT_TEST_NO_COUNTING_NEW
inline constexpr bool kCountsAllocations = false;
#else
inline constexpr bool kCountsAllocations = true;
#endif
inline thread_local long tl_allocations = 0;
// Heap allocations made by this thread so far.
inline long thread_allocations() {
    return tl_allocations;
}
}  // namespace weft_test

#ifndef WEFT_TEST_NO_COUNTING_NEW
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
#endif
