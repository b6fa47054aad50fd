#include "weft/task/waker.hpp"

namespace weft {

namespace {
RawWaker noop_clone(const void* p) {
    return {p, &detail::noop_waker_vtable};
}
void noop(const void*) {}
}  // namespace

namespace detail {
constinit const RawWakerVTable noop_waker_vtable{noop_clone, noop, noop, noop};
}

const Waker& Waker::noop() noexcept {
    static const Waker w;
    return w;
}

}  // namespace weft
