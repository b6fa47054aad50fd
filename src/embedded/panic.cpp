// The core's panic() in a freestanding build (detail/task/platform.hpp): the handler the
// program set, then a trap in case it returned.

#include "weft/embedded/panic.hpp"

#include "weft/detail/task/platform.hpp"

namespace weft::embedded {

namespace {
PanicHandler g_handler = nullptr;
}  // namespace

void set_panic_handler(PanicHandler handler) noexcept {
    g_handler = handler;
}

}  // namespace weft::embedded

namespace weft::detail {

void panic(const char* what) noexcept {
    if (embedded::g_handler != nullptr) embedded::g_handler(what);
    __builtin_trap();
}

}  // namespace weft::detail
