# Docs that cannot rot: every ```cpp block in README.md, docs/*.md and the headers' doc comments
# is compiled into weft_doc_examples, and each whole program among them is run by ctest
# (label doc-examples). scripts/doc_examples.py says how a block is checked and how to annotate
# one; tests/doc_examples/context.hpp declares the names snippets assume. A block that stops
# compiling breaks the build (its error points at the doc's line) and so every doc-examples test.
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_FOUND)
  message(WARNING "python3 not found: the docs' code blocks are not compiled (label doc-examples)")
  return()
endif()

set(weft_doc_script ${PROJECT_SOURCE_DIR}/scripts/doc_examples.py)
set(weft_doc_dir ${CMAKE_CURRENT_BINARY_DIR}/doc_examples)
# A new header or page re-runs configure (the groups, one translation unit each, may change).
file(GLOB_RECURSE weft_doc_inputs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/weft/*.hpp
     ${PROJECT_SOURCE_DIR}/docs/*.md)
list(APPEND weft_doc_inputs ${PROJECT_SOURCE_DIR}/README.md)
execute_process(COMMAND ${Python3_EXECUTABLE} ${weft_doc_script} --source-dir ${PROJECT_SOURCE_DIR}
                        --groups
                OUTPUT_VARIABLE weft_doc_groups OUTPUT_STRIP_TRAILING_WHITESPACE
                COMMAND_ERROR_IS_FATAL ANY)
set(weft_doc_units)
foreach(group IN LISTS weft_doc_groups)
  list(APPEND weft_doc_units ${weft_doc_dir}/${group}.cpp)
endforeach()
set(weft_doc_snippet_units ${weft_doc_units})
list(REMOVE_ITEM weft_doc_snippet_units ${weft_doc_dir}/programs.cpp)
# Re-extracted whenever a doc or header changes; unchanged units keep their timestamps.
add_custom_command(
  OUTPUT ${weft_doc_units} ${weft_doc_dir}/tests.cmake
  COMMAND ${Python3_EXECUTABLE} ${weft_doc_script} --source-dir ${PROJECT_SOURCE_DIR}
          --out-dir ${weft_doc_dir} --context ${CMAKE_CURRENT_SOURCE_DIR}/doc_examples/context.hpp
  DEPENDS ${weft_doc_script} ${weft_doc_inputs}
  COMMENT "Extracting the docs' cpp blocks"
  VERBATIM)

# The snippets, one unit per group of sources, checked by the compiler (-fsyntax-only, through
# a launcher) with weft's own flags and warnings: no code generated, nothing linked.
add_library(weft_doc_snippets OBJECT ${weft_doc_snippet_units})
# The whole programs, linked into one binary that runs each by name.
add_executable(weft_doc_examples ${CMAKE_CURRENT_SOURCE_DIR}/doc_examples/main.cpp
                                 ${weft_doc_dir}/programs.cpp)
set_target_properties(weft_doc_snippets PROPERTIES
  CXX_COMPILER_LAUNCHER ${CMAKE_CURRENT_SOURCE_DIR}/doc_examples/syntax_only.sh)
foreach(target weft_doc_snippets weft_doc_examples)
  # weft_warnings' flags are spelled out here rather than linked: an interface's options come
  # after the target's own, and clang lets a later -Wall turn the -Wno- flags below back on.
  target_link_libraries(${target} PRIVATE weft::weft)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         $<$<BOOL:${WEFT_WERROR}>:-Werror>)
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/doc_examples)
  # A snippet names a variable to show a call's result, or declares a function defined
  # elsewhere: neither is a doc error.
  target_compile_options(${target} PRIVATE -Wno-unused-variable -Wno-unused-but-set-variable
                         -Wno-unused-parameter -Wno-unused-local-typedefs -Wno-unused-function)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # The #line directives make GCC take the blocks for header code, where a lambda's type in
    # a template's frame warns.
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
  else()
    # `static void f();` declared in a snippet, defined in the reader's code
    target_compile_options(${target} PRIVATE -Wno-undefined-internal)
  endif()
endforeach()
add_dependencies(weft_doc_examples weft_doc_snippets)

# The programs' tests are listed at build time (tests.cmake), as gtest_discover_tests does.
file(GENERATE OUTPUT ${weft_doc_dir}/include_tests.cmake CONTENT
     "set(weft_doc_binary \"$<TARGET_FILE:weft_doc_examples>\")
if(EXISTS \"${weft_doc_dir}/tests.cmake\")
  include(\"${weft_doc_dir}/tests.cmake\")
else()
  add_test(doc_examples.NOT_BUILT ${CMAKE_COMMAND} -E false)
  set_tests_properties(doc_examples.NOT_BUILT PROPERTIES LABELS doc-examples)
endif()
")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${weft_doc_dir}/include_tests.cmake)
# Every block compiled: each unit's object is there (a failed one is removed), not just an older
# binary from before the break.
add_test(NAME doc_examples.compiled
         COMMAND ${CMAKE_COMMAND} "-DOBJECTS=$<TARGET_OBJECTS:weft_doc_snippets>;$<TARGET_OBJECTS:weft_doc_examples>"
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/doc_examples/objects_exist.cmake)
# (the programs' tests need it, so none runs an old binary)
set_tests_properties(doc_examples.compiled PROPERTIES LABELS "doc-examples"
                     FIXTURES_SETUP doc_examples_compiled)
