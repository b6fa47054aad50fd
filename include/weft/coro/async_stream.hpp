#pragma once
/// \file
/// `AsyncStream<T>`: the async generator. A coroutine returning `AsyncStream<T>` may both
/// `co_await` and `co_yield`.

#include <cassert>
#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "weft/coro/task.hpp"
#include "weft/stream/stream.hpp"

namespace weft {

template <class T>
class AsyncStream;

namespace detail {

// An AsyncStream's frame is polled like a Task's (it has a TaskHeader in front and its awaits
// form the same chain), with one more way to stop: `co_yield` stores the item in the promise
// and parks the chain on a leaf that is always ready, so the next poll_next resumes the body
// right after the co_yield.
template <class T>
class StreamPromise : public PromiseBase {
  public:
    AsyncStream<T> get_return_object() noexcept;
    void unhandled_exception() noexcept { header()->set_error(std::current_exception()); }
    void return_void() noexcept {}

    struct YieldAwaiter {
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) const noexcept {
            current_scope->parked = {&kOps, nullptr};
        }
        void await_resume() const noexcept {}
        static bool resume_at_once(void*, Context&) noexcept { return true; }
        static constexpr LeafOps kOps{&resume_at_once, &leaf_type_name<YieldAwaiter>};
    };
    template <class U = T>
    requires std::constructible_from<T, U&&> YieldAwaiter yield_value(U&& v) {
        item_.emplace(std::forward<U>(v));
        return {};
    }

    // The item the body yielded in this poll, if it yielded.
    std::optional<T> take_item() noexcept(std::is_nothrow_move_constructible_v<T>) {
        std::optional<T> out = std::move(item_);
        item_.reset();
        return out;
    }
    TaskHeader* header() noexcept {
        return header_of(std::coroutine_handle<StreamPromise>::from_promise(*this));
    }

  private:
    std::optional<T> item_;
};

}  // namespace detail

/// The async generator: a coroutine returning `AsyncStream<T>` is a `Stream` of `T` whose body
/// can `co_await` any future and `co_yield` items. What Rust has only through macros
/// (`async-stream`) is plain C++ here.
///
/// ```cpp
/// weft::AsyncStream<std::string> lines(weft::net::TcpStream conn) {
///     weft::io::BufReader reader(std::move(conn));
///     std::string line;
///     while (co_await reader.read_line(line) != 0) {
///         co_yield std::move(line);
///         line.clear();
///     }
/// }
/// // consuming it:
/// auto s = lines(std::move(conn));
/// while (auto line = co_await weft::stream::next(s)) handle(*line);
/// ```
///
/// - **Lazy.** Calling the coroutine runs nothing; each `poll_next` runs the body to its next
///   `co_yield` (an item), its end (`std::nullopt`), or a pending `co_await` (`Pending`).
/// - **Exceptions.** An exception escaping the body comes out of the `poll_next` (so out of
///   `co_await next(s)`) that ran into it; the stream has ended then.
/// - **Cancellation.** Destroying an `AsyncStream` mid-way destroys its body where it stopped,
///   at a `co_yield` or a `co_await`: every local's destructor runs, and every future it was
///   awaiting is dropped (cancelled) too.
/// - **Pinning.** The frame never moves; the `AsyncStream` object itself may be moved at any
///   time. The cooperative budget and the rest of `Task`'s rules apply to the body's awaits.
template <class T>
class [[nodiscard]] AsyncStream {
  public:
    using promise_type = detail::StreamPromise<T>;
    using Item = T;

    AsyncStream() noexcept = default;
    AsyncStream(AsyncStream&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    AsyncStream& operator=(AsyncStream&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~AsyncStream() { reset(); }

    /// Runs the body to its next item or its end; `Pending` while it waits on a future.
    Poll<std::optional<T>> poll_next(Context& cx) {
        if (!h_) return std::optional<T>();  // ended (or empty)
        detail::TaskHeader* header = h_.promise().header();
        if (!detail::poll_chain(header, cx)) {
            if (std::optional<T> item = h_.promise().take_item()) return item;
            return Pending;
        }
        auto h = std::exchange(h_, {});
        std::exception_ptr e = header->take_error();
        h.destroy();
        if (e) std::rethrow_exception(e);
        return std::optional<T>();
    }

  private:
    friend class detail::StreamPromise<T>;
    explicit AsyncStream(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    void reset() noexcept {
        if (auto h = std::exchange(h_, {}))
            detail::destroy_chain(detail::TaskHeader::of_frame(h.address()));
    }
    std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T>
AsyncStream<T> StreamPromise<T>::get_return_object() noexcept {
    auto h = std::coroutine_handle<StreamPromise>::from_promise(*this);
    keep_frame_on_heap(h.address());
    return AsyncStream<T>(h);
}
}  // namespace detail

}  // namespace weft
