# Install rules and Debian packages (CPack): `dmlrun` (the runtime every node
# runs) and `dmlc` (the compiler), one package each. scripts/package.sh builds
# them; a node's boot script builds the `dmlrun` one alone (DML_BUILD_COMPILER
# OFF) when the runtime comes from git. docs/packaging.md says how to publish.
include(GNUInstallDirs)
# Installing (and cpack) copies what is built instead of first building every
# target in the tree (tests, benchmarks): scripts/package.sh builds the
# packaged targets, then packs them.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS dmlrun RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/docs/runtime.md ${PROJECT_SOURCE_DIR}/docs/plan.md
              ${PROJECT_SOURCE_DIR}/docs/resilience.md
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/dmlrun COMPONENT runtime)
set(dml_components runtime)
if(DML_BUILD_COMPILER)
  install(TARGETS dmlc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT compiler)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/language.md
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/dmlc COMPONENT compiler)
  list(APPEND dml_components compiler)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dml)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "dml developers <dml@dml-project.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed training on OpenStack from one declarative file")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL ${dml_components})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# Depends: exactly the shared libraries the binaries link (dpkg-shlibdeps),
# so that a node installs no compiler and no -dev package to run dmlrun.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME dmlrun)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "dml runtime: runs a dml launch plan (data-parallel training with LibTorch and Gloo, or a user's program with torchrun's environment) on every node of a cluster")
# libtorch calls whatever libblas.so.3 is selected: OpenBLAS is ~20x faster
# than the reference BLAS. Command jobs install requirements into a venv.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "libopenblas0-openmp")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "python3-venv, dataset-fashion-mnist")

set(CPACK_DEBIAN_COMPILER_PACKAGE_NAME dmlc)
set(CPACK_COMPONENT_COMPILER_DESCRIPTION
    "dml compiler: checks a .dml file and compiles it to an OpenStack Heat template and a launch plan")

include(CPack)
