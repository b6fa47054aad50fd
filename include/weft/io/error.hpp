#pragma once
/// \file
/// How weft's I/O reports failure: `std::system_error`, with weft's own `io::Errc` codes for
/// the failures that are not the operating system's.

#include <string>
#include <system_error>

namespace weft::io {

/// Failures of weft's I/O helpers that are not an `errno` (Rust's `io::ErrorKind` values
/// without an OS code).
///
/// **The convention, for all of weft's I/O:** an operation that fails throws
/// `std::system_error`. Its `code()` is the OS error (`std::system_category()`, comparable
/// with `std::errc`: `e.code() == std::errc::connection_reset`) or one of these; its `what()`
/// names the operation, and the address where there is one. The exception reaches whoever
/// awaits the operation (`co_await` rethrows it), and touches nothing else: the runtime, the
/// other tasks and the other sockets go on. End of stream is not an error: `read` returns 0.
///
/// ```cpp
/// try {
///     co_await weft::io::read_exact(stream, header);
/// } catch (const std::system_error& e) {
///     if (e.code() == weft::io::Errc::unexpected_eof) { /* the peer closed early */ }
/// }
/// ```
enum class Errc {
    /// `read_exact` met the end of the stream before the buffer was full.
    unexpected_eof = 1,
    /// A write accepted zero bytes (`write_all` cannot make progress).
    write_zero,
};

/// The category of `Errc` codes (name "weft.io").
const std::error_category& io_category() noexcept;

/// Makes `std::error_code` from `Errc` (found by argument-dependent lookup).
inline std::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), io_category()};
}

}  // namespace weft::io

template <>
struct std::is_error_code_enum<weft::io::Errc> : std::true_type {};

namespace weft::detail {
/// Throws std::system_error for `err` (an errno value), saying `what` failed.
[[noreturn]] void throw_os_error(int err, const std::string& what);
}  // namespace weft::detail
