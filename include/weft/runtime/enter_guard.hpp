#pragma once
/// \file
/// `EnterGuard`: a runtime made current on a thread that is not running it (`Runtime::enter`).

#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/detail/task/runtime_context.hpp"

namespace weft {

/// What `Runtime::enter()` and `Handle::enter()` return: while it lives, the runtime is current
/// on this thread, as inside `block_on`, without running anything. Tokio's `EnterGuard`.
///
/// Code that only *creates* async objects then finds the runtime: `weft::spawn` puts tasks on
/// it, a `time::sleep` or a socket registers with its drivers. It is the way to build such
/// objects in plain synchronous code, for example a server's listener in `main` before the
/// runtime runs anything.
///
/// ```cpp
/// weft::Runtime rt;
/// {
///     auto guard = rt.enter();
///     weft::spawn(background_job()).detach();  // on rt, from plain code
/// }  // rt is no longer current here
/// ```
///
/// **Thread.** Drop it on the thread that made it; guards on one thread nest, and each must be
/// dropped before the one made before it (the destructor restores what was current before).
/// `block_on` may be called while a guard lives, as in Tokio.
class [[nodiscard]] EnterGuard {
  public:
    EnterGuard(const EnterGuard&) = delete;
    EnterGuard& operator=(const EnterGuard&) = delete;
    ~EnterGuard() = default;  // context_ restores the previous runtime, then rt_ goes

  private:
    friend class Handle;
    friend class Runtime;
    explicit EnterGuard(detail::RuntimeCore* rt) noexcept
        : rt_(rt), context_([rt](detail::RuntimeContext& c) {
              c.spawner = rt->spawner();
              c.runtime = rt;
              c.time = rt->time_driver();
              c.io = rt->io_driver();
          }) {}

    // Keeps the runtime's memory alive for as long as it is current here.
    struct Retained {
        explicit Retained(detail::RuntimeCore* rt) noexcept : rt(rt) { rt->retain(); }
        Retained(const Retained&) = delete;
        ~Retained() { rt->release(); }
        detail::RuntimeCore* rt;
    } rt_;
    detail::EnterContext context_;  // restores the previous context
};

}  // namespace weft
