// Starting the console with the runtime: `RuntimeBuilder::enable_console(addr)` and the
// WEFT_CONSOLE environment variable (weft/console/console.hpp).
//
// How the runtime reaches the console. The runtime layer may not include the console (the
// console is built on net and the runtime, far above it), and weft is usually a static archive,
// from which the linker takes only the objects a program refers to. A hook that the console
// installs at static initialisation would never run in a program that does not otherwise refer
// to the console, so WEFT_CONSOLE would work in some programs and silently not in others. So
// the dependency is a plain link-time one, in one place: `detail::start_runtime`
// (src/runtime/runtime_core.cpp) declares `start_with_console` and calls it when the builder or
// the environment asks for the console; this file defines it. Every program that builds a
// Runtime therefore links the console (about 100 KB at -O2, with its page and the HTTP parser); one
// that never asks for it pays a getenv per runtime built, nothing per task or poll.
//
// What it does: chains the console's stall feed behind the runtime's stall callback, builds
// the runtime as asked (start_flavour), then, with the new runtime
// current, binds the console's socket and spawns `Server::run` as a task named `weft-console`,
// and prints `weft console: http://ADDR/` to stderr (with port 0, the port chosen). The task is
// cancelled with the runtime's other tasks when the runtime is dropped. A bind failure is an
// error of build() when the builder asked (the runtime is shut down and the exception
// rethrown), and a warning on stderr when only the environment did: a variable meant for one
// program must not break another one that happens to inherit it.
#include <cstdio>
#include <exception>
#include <string>

#include "providers.hpp"
#include "server_state.hpp"
#include "weft/console/console.hpp"
#include "weft/detail/runtime/runtime_core.hpp"
#include "weft/task/task_builder.hpp"

namespace weft::detail {

RuntimeCore* start_flavour(RuntimeConfig cfg);  // src/runtime/runtime_core.cpp

struct HandleAccess {
    static Handle of(RuntimeCore* rt) noexcept { return Handle(rt); }
};

struct ConsoleStart {
    static void use_feed(console::Server& s, std::shared_ptr<console::detail::StallFeed> f) {
        s.st_->stalls = std::move(f);
    }
};

RuntimeCore* start_with_console(RuntimeConfig cfg, std::string addr, bool required) {
    // The stall reports go where they went before (the user's callback, or stderr as the
    // detector's default does), then to the console's feed. The callback holds the feed, not
    // the server: the server holds a Handle, and a Handle inside the runtime's own
    // configuration would keep the runtime alive forever.
    auto feed = std::make_shared<console::detail::StallFeed>();
    if (cfg.stall_threshold.count() > 0) {
        cfg.on_stall = [user = std::move(cfg.on_stall), feed](const runtime::StallReport& r) {
            if (user) {
                user(r);
            } else {
                std::fputs(r.to_string().c_str(), stderr);
            }
            feed->push(console::detail::stall_json(r));
        };
    }
    RuntimeCore* rt = start_flavour(std::move(cfg));
    try {
        Handle h = HandleAccess::of(rt);
        auto server = console::Server::bind(h, addr);
        ConsoleStart::use_feed(server, feed);
        auto guard = h.enter();
        task::Builder().name("weft-console").spawn(server.run()).detach();
        std::fprintf(stderr, "weft console: http://%s/\n", server.local_addr().to_string().c_str());
    } catch (const std::exception& e) {
        if (required) {
            rt->shutdown(std::chrono::nanoseconds(-1));
            throw;
        }
        std::fprintf(stderr, "weft console: not started (WEFT_CONSOLE=%s): %s\n", addr.c_str(),
                     e.what());
    }
    return rt;
}

}  // namespace weft::detail
