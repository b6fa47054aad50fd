# Runs scripts/check_coawait_temporaries.sh over tests/docs/coawait_snippets.txt and checks
# that it fails, reporting exactly the lines marked EXPECT-FLAG (so the repository-wide check
# can fail, and does not flag the safe forms). Inputs: -DSCRIPT=... -DSNIPPETS=...
execute_process(COMMAND bash ${SCRIPT} ${SNIPPETS} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1 from the checker, got '${rc}'\n${out}${err}")
endif()

file(STRINGS ${SNIPPETS} lines)
set(expected "")
set(n 0)
foreach(line IN LISTS lines)
  math(EXPR n "${n} + 1")
  if(line MATCHES "// EXPECT-FLAG$")
    list(APPEND expected ${n})
  endif()
endforeach()

set(reported "")
string(REPLACE "\n" ";" out_lines "${out}")
foreach(line IN LISTS out_lines)
  if(line MATCHES ":([0-9]+): ")
    list(APPEND reported ${CMAKE_MATCH_1})
  endif()
endforeach()

if(NOT expected)
  message(FATAL_ERROR "no EXPECT-FLAG line in ${SNIPPETS}")
endif()
if(NOT "${expected}" STREQUAL "${reported}")
  message(FATAL_ERROR "expected reports on lines ${expected}, got ${reported}:\n${out}")
endif()
