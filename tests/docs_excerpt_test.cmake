# A doc's first cpp block must appear verbatim in an example that the showcase builds and runs,
# so the doc cannot show code that does not compile. -DDOC=... -DEXAMPLE=... (paths).
file(READ "${DOC}" doc)
file(READ "${EXAMPLE}" example)
string(REGEX MATCH "```cpp\n([^`]*)```" _ "${doc}")
set(block "${CMAKE_MATCH_1}")
if(block STREQUAL "")
  message(FATAL_ERROR "${DOC} has no cpp block")
endif()
string(FIND "${example}" "${block}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${DOC}'s first cpp block is not in ${EXAMPLE}:\n${block}")
endif()
