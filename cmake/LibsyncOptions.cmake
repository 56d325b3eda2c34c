# Build switches. Tests, benchmarks and examples are on only when libsync is the top-level
# project, so embedding it with add_subdirectory() builds just the library.
option(LIBSYNC_BUILD_TESTS "Build the test suites" ${PROJECT_IS_TOP_LEVEL})
option(LIBSYNC_BUILD_BENCHMARKS "Build the benchmarks (Google Benchmark)" ${PROJECT_IS_TOP_LEVEL})
option(LIBSYNC_BUILD_FUZZERS "Build the libFuzzer targets (needs clang; see scripts/fuzz.sh)" OFF)
option(LIBSYNC_BUILD_EXAMPLES "Build aitk-server" ${PROJECT_IS_TOP_LEVEL})
option(LIBSYNC_INSTALL "Generate install rules and the CMake package" ON)
option(LIBSYNC_WARNINGS_AS_ERRORS "Treat compiler warnings as errors (CI turns this on)" OFF)
set(LIBSYNC_SANITIZE "" CACHE STRING
    "Sanitizers for every target, e.g. 'address,undefined' (empty: none)")
option(LIBSYNC_WITH_SQL "Build libsync::sql, the SQLite/PostgreSQL Store" ON)
option(LIBSYNC_WITH_GIT "Build libsync::git, the GitRemote on libgit2" ON)
option(LIBSYNC_WITH_HTTP "Build libsync::http, the HTTP API handler (Boost.JSON)" ON)
# An embedder (add_subdirectory) should not need pybind11 for a module it did not ask for.
option(LIBSYNC_WITH_PYTHON "Build the Python module libsync (pybind11; needs SQL and GIT)" ${PROJECT_IS_TOP_LEVEL})
# The adapters, in dependency order; each has an option LIBSYNC_WITH_<NAME> above.
set(LIBSYNC_ADAPTERS sql git http)

# add_subdirectory(<base>/<adapter>) for every adapter switched on: the adapters themselves
# from the top level, their tests from tests/.
function(libsync_add_adapter_subdirectories base)
  foreach(adapter IN LISTS LIBSYNC_ADAPTERS)
    string(TOUPPER ${adapter} option)
    if(LIBSYNC_WITH_${option})
      add_subdirectory(${base}/${adapter})
    endif()
  endforeach()
endfunction()
