# Builds the out-of-tree plugin in tests/cmake_consumer against the installed SDK (STAGE), then
# has the installed switchboard list it and run a route through it. Fails on any mismatch.
function(run_checked)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${BUILD}")
run_checked(${CMAKE_COMMAND} -S "${SOURCE}" -B "${BUILD}" -G "${GENERATOR}"
  "-DCMAKE_PREFIX_PATH=${STAGE}" -DCMAKE_BUILD_TYPE=RelWithDebInfo)
run_checked(${CMAKE_COMMAND} --build "${BUILD}")

set(switchboard "${STAGE}/bin/switchboard")
run_checked("${switchboard}" plugins list --plugin-dir "${BUILD}/plugins"
  --plugin-dir "${STAGE}/lib/switchboard/plugins")
if(NOT last_output MATCHES "consumer\\.tag \\(processor\\)")
  message(FATAL_ERROR "the installed switchboard does not list consumer.tag:\n${last_output}")
endif()

set(work "${BUILD}/run")
file(REMOVE_RECURSE "${work}")
file(WRITE "${work}/host.json" "{
  // the out-of-tree processor between two installed mock components
  \"state\": \"state.db\",
  \"plugin_dirs\": [\"${BUILD}/plugins\", \"${STAGE}/lib/switchboard/plugins\"],
  \"tenants\": [{
    \"id\": \"consumer\", \"plugins\": [\"mock\", \"consumer\"],
    \"routes\": [{
      \"id\": \"tagged\",
      \"source\": {\"component\": \"mock.source\", \"config\": {\"count\": 25}},
      \"processors\": [{\"component\": \"consumer.tag\", \"config\": {\"tag\": \"out-of-tree\"}}],
      \"sink\": {\"component\": \"mock.sink\", \"config\": {\"mode\": \"jsonl\", \"path\": \"${work}/sink.jsonl\"}}
    }]
  }]
}")
run_checked("${switchboard}" run "${work}/host.json" --once)
file(STRINGS "${work}/sink.jsonl" lines)
list(LENGTH lines count)
if(NOT count EQUAL 25)
  message(FATAL_ERROR "expected 25 records in the sink, found ${count}")
endif()
foreach(line IN LISTS lines)
  if(NOT line MATCHES "\"tag\":\"out-of-tree\"")
    message(FATAL_ERROR "record not tagged by the out-of-tree plugin: ${line}")
  endif()
endforeach()
message(STATUS "out-of-tree plugin built, listed and ran 25 records")
