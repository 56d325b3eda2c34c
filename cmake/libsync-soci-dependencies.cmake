# What libsync::soci needs at link time. Debian's SOCI has no CMake config, so the
# installed package carries its own FindSOCI.cmake.
list(PREPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")
find_dependency(SOCI COMPONENTS SQLite3 PostgreSQL)
list(POP_FRONT CMAKE_MODULE_PATH)
