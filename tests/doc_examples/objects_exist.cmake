# Test doc_examples.compiled: every object of the docs' units is there (-DOBJECTS=a.o;b.o).
# A unit that failed to compile has none, even where an older weft_doc_examples still runs.
foreach(object IN LISTS OBJECTS)
  if(NOT EXISTS "${object}")
    get_filename_component(unit "${object}" NAME_WE)
    message(FATAL_ERROR "the docs' ${unit} blocks did not compile (no ${object}): "
                        "build target weft_doc_examples for the errors")
  endif()
endforeach()
list(LENGTH OBJECTS n)
message(STATUS "${n} units of doc examples compiled")
