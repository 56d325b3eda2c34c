# Warnings for libsync's own targets (not for consumers of the installed package).
function(libsync_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor
                                           -Wold-style-cast -Woverloaded-virtual
                                           # designated initializers leave defaults on purpose
                                           -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # State guarded by a libsync::Mutex is annotated (libsync/thread_annotations.hpp); the
    # analysis turns a forgotten lock into a warning, an error in CI.
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(LIBSYNC_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(LIBSYNC_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12's flow analysis reports uninitialized reads inside libstdc++ (std::regex,
    # std::variant) once sanitizer instrumentation is added; real ones are MSan/ASan's job.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

if(LIBSYNC_SANITIZE)
  add_compile_options(-fsanitize=${LIBSYNC_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${LIBSYNC_SANITIZE})
  if(LIBSYNC_SANITIZE MATCHES "undefined")
    # UBSan's vptr check needs the typeinfo of every polymorphic class it meets, and
    # Debian's SOCI does not export it for its statement internals. Its null and
    # object-size checks repeat what AddressSanitizer finds (a null dereference faults,
    # with its stack; a read past an object is reported with the object), and x86-64 loads
    # misaligned data: those three, one check on every pointer use, made instrumented
    # files take twice as long to compile (memory_store.cpp: 16.6 s with them, 9.0 s
    # without; server.cpp: 29.4 s, 17.0 s). Overflow, shift, bounds, division, bool and
    # enum values, nonnull arguments and unreachable code are still checked.
    add_compile_options(-fno-sanitize=vptr,alignment,null,object-size)
    add_link_options(-fno-sanitize=vptr,alignment,null,object-size)
  endif()
endif()

# Sources whose Beast templates (HTTP and WebSocket over two stream types, or an HTTPS
# client) make them the slowest files of a sanitizer build: there they are compiled
# unoptimized, which halves their compile time (the TLS event stream session: 211 s at
# -O1, 107 s at -O0) and leaves the tests' speed to the sockets they wait on. Release
# builds are not touched.
function(libsync_sanitized_unoptimized)
  if(LIBSYNC_SANITIZE)
    set_source_files_properties(${ARGN} DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTIES COMPILE_OPTIONS -O0)
  endif()
endfunction()

# Test code (the suites, the store contract, the header checks, the benchmarks' smoke runs)
# in a sanitizer build: -O0 for everything the calling directory and its subdirectories
# define. Optimizing instrumented test bodies, whose assertion macros expand to a great
# deal of code, was half of a sanitizer build's compile time (store_contract.cpp: 67 s at
# -O2, 25 s at -O0); the code under test, the libraries and programs, keeps the build
# type's level. A macro: the compile options are the calling directory's.
macro(libsync_test_code_unoptimized)
  if(LIBSYNC_SANITIZE)
    add_compile_options(-O0)
  endif()
endmacro()
