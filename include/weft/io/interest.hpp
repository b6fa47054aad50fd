#pragma once
/// \file
/// `io::Interest` (what to wait for) and `io::Readiness` (what a wait found; Tokio's `Ready`,
/// renamed: `weft::Ready` is the poll tag): the readiness words of `io::AsyncFd` and of the
/// sockets' `ready()`, as Tokio's `tokio::io::{Interest, Ready}`.

#include <cstdint>

namespace weft::io {

/// The readiness a wait asks for: any of `readable`, `writable` and `priority`, combined
/// with `|`.
///
/// ```cpp
/// weft::io::Interest both = weft::io::Interest::readable | weft::io::Interest::writable;
/// bool r = both.is_readable();  // true
/// ```
class Interest {
  public:
    /// Data to read (POLLIN).
    static const Interest readable;
    /// Room to write (POLLOUT).
    static const Interest writable;
    /// Priority data (POLLPRI): TCP urgent data, a change of a pollable procfs/sysfs file.
    static const Interest priority;

    constexpr bool is_readable() const noexcept { return (bits_ & 1u) != 0; }
    constexpr bool is_writable() const noexcept { return (bits_ & 2u) != 0; }
    constexpr bool is_priority() const noexcept { return (bits_ & 16u) != 0; }
    /// The raw bits (1 readable, 2 writable, 16 priority).
    constexpr std::uint32_t bits() const noexcept { return bits_; }

    constexpr Interest operator|(Interest o) const noexcept { return Interest(bits_ | o.bits_); }
    constexpr Interest& operator|=(Interest o) noexcept {
        bits_ |= o.bits_;
        return *this;
    }
    friend constexpr bool operator==(Interest, Interest) noexcept = default;

  private:
    constexpr explicit Interest(std::uint32_t bits) noexcept : bits_(bits) {}
    std::uint32_t bits_;
};

inline constexpr Interest Interest::readable{1u};
inline constexpr Interest Interest::writable{2u};
inline constexpr Interest Interest::priority{16u};

/// What a readiness wait found: a set of `readable`, `writable`, `read_closed` (the peer shut
/// its side down, or hung up), `write_closed` (hung up) and `priority`. A closed side counts
/// as ready: the next operation reports it (0 at end of stream, or the error).
class Readiness {
  public:
    static const Readiness empty;
    static const Readiness readable;
    static const Readiness writable;
    static const Readiness read_closed;
    static const Readiness write_closed;
    static const Readiness priority;

    constexpr Readiness() noexcept : bits_(0) {}
    /// From raw bits (1 readable, 2 writable, 4 read closed, 8 write closed, 16 priority;
    /// others are dropped).
    static constexpr Readiness from_bits(std::uint32_t bits) noexcept {
        return Readiness(bits & 31u);
    }

    constexpr bool is_empty() const noexcept { return bits_ == 0; }
    constexpr bool is_readable() const noexcept { return (bits_ & (1u | 4u)) != 0; }
    constexpr bool is_writable() const noexcept { return (bits_ & (2u | 8u)) != 0; }
    constexpr bool is_read_closed() const noexcept { return (bits_ & 4u) != 0; }
    constexpr bool is_write_closed() const noexcept { return (bits_ & 8u) != 0; }
    constexpr bool is_priority() const noexcept { return (bits_ & 16u) != 0; }
    constexpr std::uint32_t bits() const noexcept { return bits_; }

    constexpr Readiness operator|(Readiness o) const noexcept { return Readiness(bits_ | o.bits_); }
    friend constexpr bool operator==(Readiness, Readiness) noexcept = default;

  private:
    constexpr explicit Readiness(std::uint32_t bits) noexcept : bits_(bits) {}
    std::uint32_t bits_;
};

inline constexpr Readiness Readiness::empty{0u};
inline constexpr Readiness Readiness::readable{1u};
inline constexpr Readiness Readiness::writable{2u};
inline constexpr Readiness Readiness::read_closed{4u};
inline constexpr Readiness Readiness::write_closed{8u};
inline constexpr Readiness Readiness::priority{16u};

}  // namespace weft::io
