# The README's hello world must be exactly examples/hello.cpp (which the showcase builds and
# runs), so the README cannot show code that does not compile.
file(READ "${SOURCE_DIR}/README.md" readme)
file(READ "${SOURCE_DIR}/examples/hello.cpp" example)
string(REGEX MATCH "```cpp\n([^`]*)```" _ "${readme}")
set(block "${CMAKE_MATCH_1}")
string(REPLACE "// Hello world: an async function awaiting another, driven by block_on.\n" "" example
       "${example}")
if(NOT block STREQUAL example)
  message(FATAL_ERROR "README.md's first cpp block differs from examples/hello.cpp:\n${block}\n--- vs ---\n${example}")
endif()
