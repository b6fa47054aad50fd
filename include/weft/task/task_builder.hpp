#pragma once
/// \file
/// `task::Builder`: spawn a task with a name.

#include <string>
#include <type_traits>
#include <utility>

#include "weft/detail/task/spawn_on.hpp"

namespace weft::task {

/// Configures a task before spawning it: Tokio's `task::Builder`. The name shows in
/// `task::name()` inside the task (and, later, in task dumps and metrics).
///
/// ```cpp
/// auto h = weft::task::Builder().name("accept-loop").spawn(accept_loop(listener));
/// ```
class Builder {
  public:
    Builder& name(std::string n) {
        name_ = std::move(n);
        return *this;
    }

    /// Spawns on the current runtime or executor, as `weft::spawn` does.
    /// **Throws** `std::logic_error` outside of any runtime.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    auto spawn(F&& f, detail::AwaitSite site = detail::AwaitSite::here()) {
        return detail::spawn_on(detail::require_spawner("weft::task::Builder::spawn"),
                                std::forward<F>(f), std::move(name_), site);
    }

  private:
    std::string name_;
};

}  // namespace weft::task
