#pragma once
/// \file
/// `Handle`: a copyable reference to a `Runtime`, for spawning from anywhere.

#include <type_traits>
#include <utility>

#include "weft/detail/multi_thread.hpp"
#include "weft/detail/spawn_on.hpp"
#include "weft/executor/block_on.hpp"

namespace weft {

/// A reference to a `Runtime` that can be copied and sent to other threads: Tokio's `Handle`.
/// Made by `Runtime::handle()`.
///
/// ```cpp
/// weft::Runtime rt;
/// weft::Handle h = rt.handle();
/// std::thread([h] { h.spawn(background_job()).detach(); }).join();
/// ```
///
/// A handle may outlive its runtime. Tasks spawned through it after the runtime was dropped
/// are cancelled at once: their `JoinHandle` throws `JoinError`.
class Handle {
  public:
    Handle(const Handle& o) noexcept : mt_(o.mt_) { detail::retain(mt_); }
    Handle(Handle&& o) noexcept : mt_(std::exchange(o.mt_, nullptr)) {}
    Handle& operator=(Handle o) noexcept {
        std::swap(mt_, o.mt_);
        return *this;
    }
    ~Handle() {
        if (mt_ != nullptr) detail::release(mt_);
    }

    /// As `Runtime::spawn`.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    auto spawn(F&& f) const {
        return detail::spawn_on(*detail::spawner_of(mt_), std::forward<F>(f));
    }
    /// As `Runtime::spawn_blocking`.
    template <class Fn>
    auto spawn_blocking(Fn&& fn) const {
        return detail::spawn_blocking_on(*detail::spawner_of(mt_), std::forward<Fn>(fn));
    }
    /// As `Runtime::block_on`: runs the future on the calling thread with the runtime current.
    template <class F>
    requires Future<F> || detail::FutureFactory<std::decay_t<F>>
    decltype(auto) block_on(F&& f) const {
        detail::SpawnerScope scope(detail::spawner_of(mt_));
        if constexpr (Future<F>) {
            return weft::block_on(std::forward<F>(f));
        } else {
            return weft::block_on(detail::to_task(std::forward<F>(f)));
        }
    }

  private:
    friend class Runtime;
    explicit Handle(detail::MultiThread* mt) noexcept : mt_(mt) { detail::retain(mt_); }
    detail::MultiThread* mt_;
};

}  // namespace weft
