# Generates the C++ lexer and parser for an ANTLR4 grammar into the build tree
# at build time (generated code is never committed), and wraps them in a
# static library that links the ANTLR runtime.
#
#   dml_antlr_library(TARGET dml_grammar GRAMMAR ${PROJECT_SOURCE_DIR}/grammar/Dml.g4
#                     NAMESPACE dmlgen)
#
# Consumers include "DmlParser.h" etc.; only compiler/syntax's .cc files may.

find_program(DML_ANTLR4_TOOL antlr4 PATHS /usr/bin REQUIRED)
find_package(antlr4-runtime REQUIRED)

function(dml_antlr_library)
  cmake_parse_arguments(ARG "" "TARGET;GRAMMAR;NAMESPACE" "" ${ARGN})
  get_filename_component(name "${ARG_GRAMMAR}" NAME_WE)
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/antlr_${name}")
  set(generated
    "${out_dir}/${name}Lexer.cpp" "${out_dir}/${name}Lexer.h"
    "${out_dir}/${name}Parser.cpp" "${out_dir}/${name}Parser.h"
    "${out_dir}/${name}Visitor.cpp" "${out_dir}/${name}Visitor.h"
    "${out_dir}/${name}BaseVisitor.cpp" "${out_dir}/${name}BaseVisitor.h")
  # The tool writes next to nothing but its -o folder; run it from the
  # grammar's folder so the output is not nested under an absolute path.
  get_filename_component(grammar_dir "${ARG_GRAMMAR}" DIRECTORY)
  get_filename_component(grammar_file "${ARG_GRAMMAR}" NAME)
  add_custom_command(
    OUTPUT ${generated}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
    COMMAND ${DML_ANTLR4_TOOL} -Dlanguage=Cpp -visitor -no-listener
            -package ${ARG_NAMESPACE} -o "${out_dir}" "${grammar_file}"
    WORKING_DIRECTORY "${grammar_dir}"
    DEPENDS "${ARG_GRAMMAR}"
    COMMENT "Generating the ${name} parser with ANTLR"
    VERBATIM)

  add_library(${ARG_TARGET} STATIC ${generated})
  # Generated code is not ours to warn about.
  target_compile_options(${ARG_TARGET} PRIVATE -w)
  set_target_properties(${ARG_TARGET} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${ARG_TARGET} SYSTEM PUBLIC "${out_dir}" "${ANTLR4_INCLUDE_DIR}")
  target_link_libraries(${ARG_TARGET} PUBLIC antlr4_shared)
endfunction()
