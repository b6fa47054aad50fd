# Installs weft from BUILD_DIR into a scratch prefix, then configures, builds and runs a
# consumer project (tests/install/CONSUMER, a program of the same name) that uses
# find_package(weft CONFIG REQUIRED), compiled with the same sanitizers.
# Arguments: -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -DSANITIZE=...
#            -DCONSUMER=consumer|abi_consumer (default consumer)
#            -DCONSUMER_BUILD_TYPE=... (optional: Release defines NDEBUG, Debug does not; the
#             ABI test builds the consumer the other way from the library)
if(NOT CONSUMER)
  set(CONSUMER consumer)
endif()
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
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install/${CONSUMER}"
                        -B "${WORK_DIR}/build" -G "${GENERATOR}"
                        "-DCMAKE_BUILD_TYPE=${CONSUMER_BUILD_TYPE}"
                        "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_FLAGS=${flags}"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring ${CONSUMER} failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building ${CONSUMER} failed: ${rc}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/${CONSUMER}" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "${CONSUMER} (${CONSUMER_BUILD_TYPE}) failed against this weft: ${rc}")
endif()
message(STATUS "${CONSUMER} (${CONSUMER_BUILD_TYPE}) built with find_package(weft) and ran")
