#pragma once
/// \file
/// `IoDriverKind`: which kernel interface a runtime's I/O driver uses.

namespace weft {

/// The I/O driver a runtime uses, chosen at run time with `RuntimeBuilder::io_driver`.
///
/// - `Epoll`: readiness notification through edge-triggered epoll.
/// - `Uring`: io_uring (via liburing): stream reads and writes are completions on a ring per
///   worker, in whose wait the worker parks; accepts and datagram sockets still use readiness
///   (multishot poll requests).
/// - `Auto` (the default): `Epoll`, while accepting and datagrams are still readiness on
///   io_uring, which costs more CPU than epoll with a new connection per request (docs/io.md
///   has the figures). The environment variable `WEFT_IO_DRIVER=epoll|uring` overrides `Auto`.
///
/// Sockets behave the same on both: the whole I/O test suite runs against each.
///
/// ```cpp
/// auto rt = weft::Runtime::builder().io_driver(weft::IoDriverKind::Epoll).build();
/// assert(rt.io_driver_kind() == weft::IoDriverKind::Epoll);
/// ```
enum class IoDriverKind { Auto, Epoll, Uring };

/// "auto", "epoll" or "uring".
constexpr const char* to_string(IoDriverKind k) noexcept {
    switch (k) {
        case IoDriverKind::Epoll:
            return "epoll";
        case IoDriverKind::Uring:
            return "uring";
        case IoDriverKind::Auto:
            break;
    }
    return "auto";
}

}  // namespace weft
