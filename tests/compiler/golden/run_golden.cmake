# Runs dmlc on one golden case and compares what it printed with <case>.golden.
#
#   fail_*.dml: `dmlc check FILE` must exit 1.
#   warn_*.dml: warnings only (a kind that needs a program without errors):
#   `dmlc check FILE` must exit 0.
#   ok_*.dml and samples: `dmlc build FILE -o WORK_DIR` must exit 0.
#   A first line `// args: ...` replaces the arguments; `{file}` is the case
#   and `{out}` the work directory.
#
# The golden holds stderr, then stdout (with the work directory shown as
# <out>), then the exit code. Paths are relative: dmlc runs in SOURCE_DIR.
# Every file dmlc wrote (the Heat template, the launch plan) is compared too,
# with its golden copy in the directory named like the golden without
# `.golden`, so a change to what dmlc writes shows as a diff in review.
# With DML_UPDATE_GOLDEN=1 in the environment the goldens are rewritten.
cmake_minimum_required(VERSION 3.25)

file(RELATIVE_PATH rel_case "${SOURCE_DIR}" "${CASE}")
get_filename_component(name "${CASE}" NAME_WE)
file(REMOVE_RECURSE "${WORK_DIR}")

if(name MATCHES "^fail_")
  set(expected_rc 1)
  set(args check {file})
elseif(name MATCHES "^warn_")
  set(expected_rc 0)
  set(args check {file})
else()
  set(expected_rc 0)
  set(args build {file} -o {out})
endif()
file(STRINGS "${CASE}" first_line LIMIT_COUNT 1)
if(first_line MATCHES "^// args: (.*)$")
  separate_arguments(args UNIX_COMMAND "${CMAKE_MATCH_1}")
endif()
list(TRANSFORM args REPLACE "{file}" "${rel_case}")
list(TRANSFORM args REPLACE "{out}" "${WORK_DIR}")

execute_process(
  COMMAND "${DMLC}" ${args}
  WORKING_DIRECTORY "${SOURCE_DIR}"
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
string(REPLACE "${WORK_DIR}" "<out>" out "${out}")
set(actual "${err}--- stdout\n${out}--- exit code ${rc}\n")

if(NOT rc STREQUAL expected_rc)
  message(FATAL_ERROR "${rel_case}: dmlc exited ${rc}, expected ${expected_rc}\n${actual}")
endif()
# The files dmlc wrote, by name. The default runtime ref is the commit dmlc
# was built from, which changes with every commit: shown as <source commit>.
string(REGEX REPLACE "\\.golden$" "" golden_dir "${GOLDEN}")
set(written "")
if(EXISTS "${WORK_DIR}")
  file(GLOB written RELATIVE "${WORK_DIR}" "${WORK_DIR}/*")
  list(SORT written)
endif()
foreach(name IN LISTS written)
  file(READ "${WORK_DIR}/${name}" text)
  string(REGEX REPLACE "DML_RUNTIME_REF='[0-9a-f]+'" "DML_RUNTIME_REF='<source commit>'" text "${text}")
  file(WRITE "${WORK_DIR}/${name}" "${text}")
endforeach()

if("$ENV{DML_UPDATE_GOLDEN}" STREQUAL "1")
  file(WRITE "${GOLDEN}" "${actual}")
  file(REMOVE_RECURSE "${golden_dir}")
  foreach(name IN LISTS written)
    file(COPY "${WORK_DIR}/${name}" DESTINATION "${golden_dir}")
  endforeach()
  message(STATUS "updated ${GOLDEN}")
  return()
endif()
if(NOT EXISTS "${GOLDEN}")
  message(FATAL_ERROR "${GOLDEN} is missing; run `DML_UPDATE_GOLDEN=1 ctest -R Golden`\n${actual}")
endif()
set(failed "")
file(READ "${GOLDEN}" expected)
if(NOT actual STREQUAL expected)
  file(WRITE "${WORK_DIR}.actual" "${actual}")
  execute_process(COMMAND diff -u "${GOLDEN}" "${WORK_DIR}.actual")
  list(APPEND failed "${GOLDEN}")
endif()
set(expected_files "")
if(EXISTS "${golden_dir}")
  file(GLOB expected_files RELATIVE "${golden_dir}" "${golden_dir}/*")
  list(SORT expected_files)
endif()
if(NOT written STREQUAL expected_files)
  message("dmlc wrote [${written}], the goldens hold [${expected_files}]")
  list(APPEND failed "${golden_dir}")
endif()
foreach(name IN LISTS written)
  if(EXISTS "${golden_dir}/${name}")
    execute_process(COMMAND diff -u "${golden_dir}/${name}" "${WORK_DIR}/${name}" RESULT_VARIABLE differs)
    if(differs)
      list(APPEND failed "${golden_dir}/${name}")
    endif()
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "${rel_case}: output differs from ${failed} (diff above); "
                      "if the change is intended, run `DML_UPDATE_GOLDEN=1 ctest -R Golden`")
endif()
