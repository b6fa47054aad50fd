#pragma once
// Internal: what the core takes from the platform, so that the same headers build hosted (the
// runtime: exceptions, threads) and freestanding (a microcontroller: no exceptions, no threads,
// no OS; WEFT_FREESTANDING in weft/config.hpp, docs/embedded.md).
//
//   WEFT_EXCEPTIONS     1 hosted: a throwing poll is the future's outcome and reaches whoever
//                       awaits it. 0 freestanding: nothing throws, and what would have thrown on
//                       misuse (polling a finished Task) calls panic() instead.
//   WEFT_THREAD_LOCAL   `thread_local` hosted; nothing freestanding, where one thread (thread
//                       mode) polls and interrupt handlers only wake (the core's per-thread
//                       state is never touched from an interrupt).
//   ErrorPtr            a captured exception (std::exception_ptr), or an empty type that is
//                       never set when there are no exceptions.

#include "weft/config.hpp"

#if !WEFT_FREESTANDING
#include <exception>
#include <stdexcept>
#endif

#if WEFT_FREESTANDING
#define WEFT_EXCEPTIONS 0
#define WEFT_THREAD_LOCAL
#else
#if !defined(__cpp_exceptions)
#error \
    "weft's runtime reports errors as exceptions: compile with them on, or build weft's core alone with -DWEFT_FREESTANDING=ON (docs/embedded.md)"
#endif
#define WEFT_EXCEPTIONS 1
#define WEFT_THREAD_LOCAL thread_local
#endif

namespace weft::detail {

#if WEFT_EXCEPTIONS
using ErrorPtr = std::exception_ptr;
// The exception being handled (call inside a catch block).
inline ErrorPtr current_error() noexcept {
    return std::current_exception();
}
// Throws `e` again if it holds an exception.
inline void rethrow_if_error(ErrorPtr e) {
    if (e) std::rethrow_exception(std::move(e));
}
// Misuse of the API (polling a finished Task, a ready future polled again): std::logic_error.
[[noreturn]] inline void panic(const char* what) {
    throw std::logic_error(what);
}
#else
struct ErrorPtr {
    constexpr explicit operator bool() const noexcept { return false; }
};
inline ErrorPtr current_error() noexcept {
    return {};
}
inline void rethrow_if_error(ErrorPtr) noexcept {}
// Misuse of the API: the platform's panic handler (src/embedded/panic.cpp; it must not return).
[[noreturn]] void panic(const char* what) noexcept;
#endif

}  // namespace weft::detail
