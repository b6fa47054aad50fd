# The installed library's ABI must not depend on the user's NDEBUG (issue 16, item 4).
# Installs weft from BUILD_DIR (built with one NDEBUG setting) into a scratch prefix, then builds
# tests/install/abi_consumer with the other setting and runs it; both under SANITIZE.
# Arguments: -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -DSANITIZE=...
#            -DCONSUMER_BUILD_TYPE=Release|Debug (Release defines NDEBUG, Debug does not)
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
set(flags "")
if(SANITIZE)
  set(flags "-fsanitize=${SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install/abi_consumer"
                        -B "${WORK_DIR}/build" -G "${GENERATOR}"
                        "-DCMAKE_BUILD_TYPE=${CONSUMER_BUILD_TYPE}"
                        "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_FLAGS=${flags}"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/abi_consumer" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the ${CONSUMER_BUILD_TYPE} consumer failed against this weft: ${rc}")
endif()
message(STATUS "a ${CONSUMER_BUILD_TYPE} consumer ran against this weft")
