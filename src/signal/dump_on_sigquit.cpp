// RuntimeBuilder::dump_on_sigquit: a task of the runtime waits for SIGQUIT and prints a task
// dump to stderr each time (runtime_builder.hpp). It lives with the signal module, which the
// runtime layer may not include: the builder only declares it.

#include <cstdio>

#include "weft/runtime/runtime.hpp"
#include "weft/signal/signal.hpp"
#include "weft/task/task_builder.hpp"

namespace weft {

namespace {

Task<void> print_dumps_on(signal::Signal sig) {
    while (co_await sig.recv()) {
        runtime::Dump d = co_await Handle::current().dump();
        std::string text =
            "weft: SIGQUIT: " + std::to_string(d.tasks.size()) + " tasks\n" + d.to_string();
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    }
}

}  // namespace

RuntimeBuilder& RuntimeBuilder::dump_on_sigquit() {
    return on_runtime_start([](const Handle& h) {
        auto entered = h.enter();
        // Registered before build() returns, so no SIGQUIT from then on takes the default
        // action (ending the process).
        signal::Signal sig = signal::signal(signal::SignalKind::quit());
        task::Builder().name("weft-sigquit-dump").spawn(print_dumps_on(std::move(sig))).detach();
    });
}

}  // namespace weft
