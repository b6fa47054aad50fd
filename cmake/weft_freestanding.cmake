# weft_freestanding_core(TARGET): weft's core as a static library for a target with no
# exceptions, no threads and no OS (docs/embedded.md). It gets a weft/config.hpp of its own
# (WEFT_FREESTANDING 1, no task tracing, no pin checks) ahead of the headers, the three sources
# a freestanding program needs (the no-op waker, the frame arena that Task frames come from,
# panic), and -fno-exceptions -fno-rtti for everything that links it. Used by the firmware
# (examples/embedded) and by the host tests of weft::embedded (tests/CMakeLists.txt), so both
# build the core the same way.
set(WEFT_FREESTANDING_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

# The headers a freestanding program may include: the core's futures, wakers, Task and
# combinators, and weft::embedded. Each is compiled on its own into the library below, so a
# header on this list that stops building without exceptions, threads or an OS fails the
# build (on the host's tests and in the firmware alike). docs/embedded.md lists them too.
set(WEFT_FREESTANDING_HEADERS
  weft/future/future.hpp weft/future/join.hpp weft/future/try_join.hpp
  weft/future/select.hpp weft/future/pending.hpp weft/future/poll_fn.hpp
  weft/future/ready.hpp weft/future/pin_check.hpp
  weft/task/poll.hpp weft/task/context.hpp weft/task/raw_waker.hpp weft/task/waker.hpp
  weft/task/yield_now.hpp weft/coro/task.hpp weft/stream/stream.hpp
  weft/embedded/executor.hpp weft/embedded/time.hpp weft/embedded/channel.hpp
  weft/embedded/signal.hpp weft/embedded/atomic_waker.hpp weft/embedded/frame_arena.hpp
  weft/embedded/panic.hpp)
include(CheckCXXSourceCompiles)

function(weft_freestanding_core target)
  set(root ${WEFT_FREESTANDING_ROOT})
  set(CMAKE_REQUIRED_FLAGS "-std=c++20")
  check_cxx_source_compiles("#include <source_location>
int main() { auto l = std::source_location::current(); return l.line() == 0; }"
    WEFT_FREESTANDING_HAS_SOURCE_LOCATION)
  if(WEFT_FREESTANDING_HAS_SOURCE_LOCATION)
    set(WEFT_SOURCE_LOCATION_VALUE 1)
  else()
    set(WEFT_SOURCE_LOCATION_VALUE 0)
  endif()
  set(WEFT_PIN_CHECKS_VALUE 0)
  set(WEFT_TASK_TRACE_VALUE 0)
  set(WEFT_FREESTANDING_VALUE 1)
  set(config_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}/include)
  configure_file(${root}/cmake/config.hpp.in ${config_dir}/weft/config.hpp @ONLY)
  set(header_checks)
  foreach(header IN LISTS WEFT_FREESTANDING_HEADERS)
    string(MAKE_C_IDENTIFIER ${header} name)
    set(check ${CMAKE_CURRENT_BINARY_DIR}/${target}/header_checks/${name}.cpp)
    file(CONFIGURE OUTPUT ${check} CONTENT "#include \"${header}\"\n")
    list(APPEND header_checks ${check})
  endforeach()
  add_library(${target} STATIC
    ${root}/src/task/waker.cpp
    ${root}/src/embedded/frame_arena.cpp
    ${root}/src/embedded/panic.cpp
    ${header_checks})
  # The freestanding config first: it must win over a hosted one on the include path.
  target_include_directories(${target} BEFORE PUBLIC ${config_dir} ${root}/include)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PUBLIC -fno-exceptions -fno-rtti)
endfunction()
