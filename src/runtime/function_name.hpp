// A function's name as a reader writes it, out of the compiler's spelling: one home for the task
// dump's and the stall detector's await and spawn sites, so both name a coroutine alike.
#pragma once

#include <string>

namespace weft::detail {

// GCC's source_location gives the whole signature ("weft::Task<void> ns::handle(Conn&)"; in a
// coroutine's body, that of its resume function: "void handle(handle()::_Z6handlev.Frame*)"),
// the builtins just the name ("handle"). Keeps the qualified name, drops return type and
// parameters; empty for a null pointer.
std::string short_function(const char* f);

}  // namespace weft::detail
