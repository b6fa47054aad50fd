#pragma once
/// \file
/// `io::AsyncFd<T>`: readiness for any file descriptor (an eventfd, an inotify descriptor, a
/// pipe, a C library's socket), from the runtime's I/O driver: Tokio's `AsyncFd`, smol's
/// `Async<T>`.
///
/// Design. An AsyncFd registers the descriptor with the current runtime's I/O driver through
/// the same IoSource every weft socket uses (weft/detail/io/io_source.hpp), without taking
/// it: the descriptor belongs to `T` (an `int` owns nothing; a type that closes its
/// descriptor in its destructor owns it). The destructor and `into_inner` deregister before
/// `T` can close, because a closed number may be reused at once. Waiting is the drivers'
/// readiness word (edge-triggered epoll, or io_uring multishot polls): a wait is Ready while
/// the bit is set, and the bit stays set until someone says the descriptor is drained, either
/// `try_io` meeting EAGAIN or `clear_ready()`. Forgetting to clear after a drained read is
/// the classic bug of this API: the next wait returns at once, forever (a busy loop, not a
/// hang); clearing too early is the other one (a hang: the kernel reports a transition only
/// once). `try_io` gets both right for a syscall.
///
/// (Its path is in io/, for the name `weft::io::AsyncFd`, but its layer is the drivers'
/// (scripts/check_layering.py): the core's io/ headers cannot include it.)

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

#include "weft/detail/io/io_source.hpp"
#include "weft/io/error.hpp"
#include "weft/io/interest.hpp"
#include "weft/task/context.hpp"
#include "weft/task/poll.hpp"

namespace weft::io {

static_assert(Interest::readable.bits() == weft::detail::kReadable &&
                  Interest::writable.bits() == weft::detail::kWritable &&
                  Interest::priority.bits() == weft::detail::kPriority &&
                  Readiness::read_closed.bits() == weft::detail::kReadClosed &&
                  Readiness::write_closed.bits() == weft::detail::kWriteClosed,
              "io::Interest/Readiness bits are the drivers' readiness bits");

/// How `AsyncFd` finds the descriptor of a `T` that is neither an `int` nor has an
/// `int fd() const` member: specialise it with `static int fd(const T&)` (Rust's `AsRawFd`).
///
/// ```cpp ignore: specialisations need global scope; the harness wraps blocks in a namespace
/// struct CurlSocket { int sock; };
/// template <>
/// struct weft::io::AsRawFd<CurlSocket> {
///     static int fd(const CurlSocket& s) noexcept { return s.sock; }
/// };
/// ```
template <class T>
struct AsRawFd;

/// A `T` whose descriptor `AsyncFd` can find: an `int`, a type with `int fd() const`, or one
/// with an `AsRawFd` specialisation.
template <class T>
concept HasRawFd = std::same_as<T, int> || requires(const T& t) {
    { t.fd() } -> std::convertible_to<int>;
} || requires(const T& t) {
    { AsRawFd<T>::fd(t) } -> std::convertible_to<int>;
};

/// The descriptor of `t` (see `HasRawFd`).
template <HasRawFd T>
int as_raw_fd(const T& t) noexcept {
    if constexpr (std::same_as<T, int>) {
        return t;
    } else if constexpr (requires { AsRawFd<T>::fd(t); }) {
        return AsRawFd<T>::fd(t);
    } else {
        return t.fd();
    }
}

template <HasRawFd T>
class AsyncFd;

/// What `AsyncFd::readable()` / `writable()` / `ready()` give: proof that the descriptor was
/// reported ready, and the means to say it no longer is. It borrows the AsyncFd (which must
/// outlive it) and holds no resource: dropping it keeps the readiness (`retain_ready`).
template <HasRawFd T>
class AsyncFdReadyGuard {
  public:
    /// What the wait found, limited to the directions waited for.
    Readiness ready() const noexcept { return Readiness::from_bits(ev_.ready); }

    /// Says the descriptor is drained in every direction this guard is for: the next wait
    /// waits for the kernel's next report. (A report that came in since this guard's wait is
    /// kept.) Call it after your own I/O met EAGAIN.
    void clear_ready() noexcept { clear(dirs_, false); }
    /// As `clear_ready`, only for the directions that `r` names (readable, writable,
    /// priority).
    void clear_ready_matching(Readiness r) noexcept { clear(r.bits() & dirs_, false); }
    /// Keeps the readiness, so the next wait returns at once: what dropping the guard does.
    void retain_ready() noexcept {}

    /// Runs `f` (called with `T&`, or with nothing), a syscall-like step that returns a
    /// signed count or -1 with `errno` set. Returns its result; or `std::nullopt` if it failed
    /// with `EAGAIN`/`EWOULDBLOCK` ("would block"), after clearing this guard's readiness, so
    /// that the next wait waits. `EINTR` runs `f` again; another error throws
    /// `std::system_error` ("weft::io::AsyncFd::try_io"). `f` may instead throw a
    /// `std::system_error` whose code is `EAGAIN`: that is "would block" too.
    template <class F>
    auto try_io(F&& f) {
        using R = decltype(call(f));
        static_assert(std::is_integral_v<R> && std::is_signed_v<R>,
                      "AsyncFdReadyGuard::try_io: f returns a signed count, -1 with errno set");
        for (;;) {
            R r;
            try {
                r = call(f);
            } catch (const std::system_error& e) {
                if (e.code() == std::errc::resource_unavailable_try_again ||
                    e.code() == std::errc::operation_would_block) {
                    clear(dirs_, true);
                    return std::optional<R>();
                }
                throw;
            }
            if (r >= 0) return std::optional<R>(r);
            int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                clear(dirs_, true);
                return std::optional<R>();
            }
            if (err != EINTR) weft::detail::throw_os_error(err, "weft::io::AsyncFd::try_io");
        }
    }

    /// The AsyncFd and its `T`.
    AsyncFd<T>& get_inner() const noexcept { return *fd_; }
    T& get_mut() const noexcept { return fd_->get_mut(); }
    const T& get_ref() const noexcept { return fd_->get_ref(); }

  private:
    friend class AsyncFd<T>;
    AsyncFdReadyGuard(AsyncFd<T>* fd, weft::detail::ReadyEvent ev, std::uint32_t dirs) noexcept
        : fd_(fd), ev_(ev), dirs_(dirs) {}

    template <class F>
    decltype(auto) call(F& f) const {
        if constexpr (std::is_invocable_v<F&, T&>) {
            return f(fd_->get_mut());
        } else {
            return f();
        }
    }
    void clear(std::uint32_t dirs, bool eagain) noexcept {
        using weft::detail::Direction;
        using weft::detail::IoSource;
        for (Direction d : {Direction::Read, Direction::Write, Direction::Priority}) {
            if (dirs & IoSource::bit_of(d)) fd_->src_.clear_readiness(ev_, d, eagain);
        }
    }

    AsyncFd<T>* fd_;
    weft::detail::ReadyEvent ev_;
    std::uint32_t dirs_;  // the directions waited for (Interest bits)
};

/// Readiness for a file descriptor that weft does not otherwise know: Tokio's `AsyncFd`.
///
/// `T` is what holds the descriptor: an `int`, a type with `int fd() const`, or one with an
/// `AsRawFd` specialisation. **The AsyncFd never closes the descriptor**: it deregisters it
/// when dropped (or on `into_inner`), then `T` is destroyed as any member is, so a `T` that
/// owns its descriptor (closes it in its destructor) closes it, and a borrowed `int` stays
/// open. The descriptor must be non-blocking (`O_NONBLOCK`, `EFD_NONBLOCK`, `IN_NONBLOCK`...):
/// AsyncFd does not change its flags. It must be pollable (not a regular file: epoll refuses
/// those with `EPERM`, which the constructor throws).
///
/// `readable()`, `writable()` and `ready(interest)` are futures of an `AsyncFdReadyGuard`;
/// do the I/O through the guard's `try_io`, which clears the readiness when the syscall says
/// `EAGAIN`, and loop. `async_io(interest, f)` is that loop. One task at a time may wait for
/// each direction (readable, writable, priority): a second waiter for the same direction
/// replaces the first's waker, as with every weft socket (a reader and a writer task at once
/// are fine). Both I/O drivers register every descriptor for all three directions;
/// `interest` says which waits this AsyncFd allows (a wait outside it throws
/// `std::invalid_argument`). `priority` is POLLPRI: TCP urgent data, or a change of a
/// pollable `/proc` or `/sys` file; a priority report also counts as readable.
///
/// ```cpp
/// #include <sys/eventfd.h>
/// #include <unistd.h>
/// int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
/// weft::io::AsyncFd<int> afd(efd, weft::io::Interest::readable);
/// for (;;) {
///     auto guard = co_await afd.readable();
///     std::uint64_t count = 0;
///     auto n = guard.try_io([&](int fd) { return ::read(fd, &count, sizeof count); });
///     if (n) break;  // read a count; nullopt: it would block, and the readiness is cleared
/// }
/// ::close(efd);  // an int owns nothing: closing is the caller's (after afd is gone)
/// ```
template <HasRawFd T>
class AsyncFd {
  public:
    using Guard = AsyncFdReadyGuard<T>;

    /// Registers `inner`'s descriptor with the current runtime's I/O driver. Throws
    /// `std::logic_error` outside a runtime, `std::system_error` if the driver refuses it
    /// (`EPERM` for a regular file, `EEXIST` for a descriptor already registered, such as a
    /// weft socket's); `inner` is then destroyed (closing the descriptor if it owns it).
    explicit AsyncFd(T inner, Interest interest = Interest::readable | Interest::writable)
        : inner_(std::move(inner)),
          src_(weft::detail::IoSource::borrow(as_raw_fd(inner_), "weft::io::AsyncFd")),
          interest_(interest) {}
    AsyncFd(AsyncFd&& o) noexcept
        : inner_(std::move(o.inner_)), src_(std::move(o.src_)), interest_(o.interest_) {}
    AsyncFd& operator=(AsyncFd&& o) noexcept {
        if (this != &o) {
            src_.release();  // before the old T goes: it may close the descriptor
            inner_ = std::move(o.inner_);
            src_ = std::move(o.src_);
            interest_ = o.interest_;
        }
        return *this;
    }
    /// Deregisters; then `T` is destroyed (closing the descriptor if it owns it).
    ~AsyncFd() { src_.release(); }

    const T& get_ref() const noexcept { return inner_; }
    T& get_mut() noexcept { return inner_; }
    /// Deregisters and gives `T` back (its descriptor open if it was).
    T into_inner() && {
        src_.release();
        return std::move(inner_);
    }
    /// The descriptor.
    int fd() const noexcept { return as_raw_fd(inner_); }
    Interest interest() const noexcept { return interest_; }

    /// For hand-written futures: a guard once readable (or read-closed), or Pending with cx's
    /// waker stored (the last waker stored for a direction is the one woken).
    Poll<Guard> poll_read_ready(Context& cx) { return poll_ready(cx, Interest::readable); }
    Poll<Guard> poll_write_ready(Context& cx) { return poll_ready(cx, Interest::writable); }
    /// Ready for any direction of `interest`.
    Poll<Guard> poll_ready(Context& cx, Interest interest) {
        std::uint32_t dirs = checked(interest);
        Poll<weft::detail::ReadyEvent> r = src_.poll_ready_any(cx, dirs);
        if (r.is_pending()) return Pending;
        return Guard(this, r.value(), dirs);
    }

    class ReadyFuture;
    /// A future of the guard, once readable. Cancel safe (a dropped wait consumed nothing).
    ReadyFuture readable() { return ready(Interest::readable); }
    /// Once writable.
    ReadyFuture writable() { return ready(Interest::writable); }
    /// Once ready for any direction of `interest` (`guard.ready()` says which).
    ReadyFuture ready(Interest interest) {
        checked(interest);
        return ReadyFuture(*this, interest);
    }

    template <class F>
    class AsyncIo;
    /// Waits for `interest` and runs `f` through the guard's `try_io` until it does not
    /// would-block; a future of `f`'s result. `f` may run several times. Cancel safe if `f`
    /// is (nothing happens between its runs but waiting).
    template <class F>
    AsyncIo<std::decay_t<F>> async_io(Interest interest, F&& f) {
        checked(interest);
        return AsyncIo<std::decay_t<F>>(*this, interest, std::forward<F>(f));
    }

  private:
    friend class AsyncFdReadyGuard<T>;
    std::uint32_t checked(Interest i) const {
        if ((i.bits() & ~interest_.bits()) != 0 || i.bits() == 0)
            throw std::invalid_argument(
                "weft::io::AsyncFd: waiting for an interest the AsyncFd was not made with");
        return i.bits();
    }
    void forget_wakers(std::uint32_t dirs) noexcept {
        using weft::detail::Direction;
        using weft::detail::IoSource;
        for (Direction d : {Direction::Read, Direction::Write, Direction::Priority}) {
            if (dirs & IoSource::bit_of(d)) src_.clear_waker(d);
        }
    }

    T inner_;
    weft::detail::IoSource src_;  // registered, never closing (released by ~AsyncFd)
    Interest interest_;
};

/// The future of `readable()` / `writable()` / `ready()`. Dropped while waiting, it forgets
/// the waker it stored.
template <HasRawFd T>
class AsyncFd<T>::ReadyFuture {
  public:
    using Output = Guard;
    ReadyFuture(ReadyFuture&& o) noexcept
        : fd_(std::exchange(o.fd_, nullptr)),
          interest_(o.interest_),
          waiting_(std::exchange(o.waiting_, false)) {}
    ReadyFuture& operator=(ReadyFuture&&) = delete;
    ~ReadyFuture() {
        if (fd_ != nullptr && waiting_) fd_->forget_wakers(interest_.bits());
    }
    Poll<Guard> poll(Context& cx) {
        Poll<Guard> p = fd_->poll_ready(cx, interest_);
        waiting_ = p.is_pending();
        return p;
    }

  private:
    friend class AsyncFd<T>;
    ReadyFuture(AsyncFd& fd, Interest interest) noexcept : fd_(&fd), interest_(interest) {}
    AsyncFd* fd_;
    Interest interest_;
    bool waiting_ = false;
};

/// The future of `async_io(interest, f)`.
template <HasRawFd T>
template <class F>
class AsyncFd<T>::AsyncIo {
    using R = typename decltype(std::declval<Guard&>().try_io(std::declval<F&>()))::value_type;

  public:
    using Output = R;
    Poll<R> poll(Context& cx) {
        for (;;) {
            Poll<Guard> g = fd_->poll_ready(cx, interest_);
            if (g.is_pending()) return Pending;
            std::optional<R> r = g.value().try_io(f_);
            if (r) return *r;
        }
    }

  private:
    friend class AsyncFd<T>;
    AsyncIo(AsyncFd& fd, Interest interest, F f)
        : fd_(&fd), interest_(interest), f_(std::move(f)) {}
    AsyncFd* fd_;
    Interest interest_;
    F f_;
};

}  // namespace weft::io
