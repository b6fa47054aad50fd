#pragma once
/// \file
/// What a freestanding program does on a misuse that a hosted one reports by throwing.

namespace weft::embedded {

/// Called with a message on a misuse of the API that hosted weft reports by throwing
/// `std::logic_error` (polling a finished `Task`, awaiting a `Task` whose frame could not be
/// allocated, a timer used outside `Executor::run`). It must not return: report `what` (over
/// semihosting, a UART) and stop or reset. With no handler set, the program traps.
using PanicHandler = void (*)(const char* what) noexcept;

/// Sets the handler (thread mode, before `run`).
void set_panic_handler(PanicHandler handler) noexcept;

}  // namespace weft::embedded
