#pragma once
/// \file
/// `Channel<T, Cap>`: a bounded queue from one producer (a task or an interrupt handler) to one
/// consuming task, with no heap and no lock.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <utility>

#include "weft/embedded/atomic_waker.hpp"
#include "weft/future/future.hpp"

namespace weft::embedded {

/// A bounded single-producer, single-consumer channel in static memory, as
/// `weft::sync::mpsc::channel(Cap)` with one sender: `co_await ch.send(v)` waits for room,
/// `co_await ch.recv()` for a value. The producer may be an interrupt handler: `try_send` takes
/// no lock and allocates nothing (two loads, the copy, a store and a wake). The consumer is
/// one task.
///
/// A ring of `Cap` slots (a power of two) with a head written only by the consumer and a tail
/// written only by the producer, each published with release and read with acquire, so the
/// value in a slot is complete before the other side sees it. The channel never closes: a
/// program on bare metal lives as long as its channels.
template <class T, std::size_t Cap>
class Channel {
    static_assert(Cap >= 1 && (Cap & (Cap - 1)) == 0, "Cap must be a power of two");
    static_assert(Cap <= (std::size_t{1} << 31));

  public:
    Channel() noexcept = default;
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;
    ~Channel() {
        while (try_recv()) {
        }
    }

    /// The producer: queues `v` if there is room (and wakes the consumer); false if full,
    /// leaving `v` as it was.
    bool try_send(T&& v) noexcept {
        std::uint32_t tail = tail_.load(std::memory_order_relaxed);  // the producer's own
        // acquire: the consumer is done with the slot it freed.
        if (tail - head_.load(std::memory_order_acquire) == Cap) return false;
        ::new (static_cast<void*>(slot(tail))) T(std::move(v));
        tail_.store(tail + 1, std::memory_order_release);  // publishes the value
        recv_waker_.wake();
        return true;
    }
    bool try_send(const T& v) noexcept {
        T copy(v);
        return try_send(std::move(copy));
    }

    /// The consumer: the oldest value, if there is one (and wakes a producer waiting for room).
    std::optional<T> try_recv() noexcept {
        std::uint32_t head = head_.load(std::memory_order_relaxed);  // the consumer's own
        // acquire: the value the producer published with the tail.
        if (head == tail_.load(std::memory_order_acquire)) return std::nullopt;
        T* p = std::launder(reinterpret_cast<T*>(slot(head)));
        std::optional<T> v(std::move(*p));
        p->~T();
        head_.store(head + 1, std::memory_order_release);  // frees the slot
        send_waker_.wake();
        return v;
    }

    /// Values queued now.
    std::size_t len() const noexcept {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }
    static constexpr std::size_t capacity() noexcept { return Cap; }

    /// The future of sending `v` (a producer task): completes once `v` is queued. Dropping it
    /// before then keeps `v` out of the channel.
    class Send {
      public:
        using Output = void;
        Send(Channel& ch, T v) noexcept : ch_(&ch), v_(std::move(v)) {}
        Poll<void> poll(Context& cx) noexcept {
            if (ch_->try_send(std::move(v_))) return Ready;
            ch_->send_waker_.register_waker(cx.waker());
            if (ch_->try_send(std::move(v_))) return Ready;  // room was made meanwhile
            return Pending;
        }

      private:
        Channel* ch_;
        T v_;
    };
    /// The future of the next value (the consumer task). Cancel-safe: dropping it before it
    /// completes takes nothing out.
    class Recv {
      public:
        using Output = T;
        explicit Recv(Channel& ch) noexcept : ch_(&ch) {}
        Poll<T> poll(Context& cx) noexcept {
            if (auto v = ch_->try_recv()) return std::move(*v);
            ch_->recv_waker_.register_waker(cx.waker());
            if (auto v = ch_->try_recv()) return std::move(*v);  // sent meanwhile
            return Pending;
        }

      private:
        Channel* ch_;
    };

    Send send(T v) noexcept { return Send(*this, std::move(v)); }
    Recv recv() noexcept { return Recv(*this); }

  private:
    std::byte* slot(std::uint32_t i) noexcept { return storage_[i & (Cap - 1)].bytes; }

    struct Storage {
        alignas(T) std::byte bytes[sizeof(T)];
    };
    Storage storage_[Cap];
    std::atomic<std::uint32_t> head_{0};  // the consumer's: the next value to take
    std::atomic<std::uint32_t> tail_{0};  // the producer's: the next slot to fill
    AtomicWaker recv_waker_;              // the consumer waiting for a value
    AtomicWaker send_waker_;              // the producer waiting for room
};

}  // namespace weft::embedded
