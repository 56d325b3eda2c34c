# Finds SOCI as Debian ships it (libsoci-dev 4.0.3: no CMake config, no pkg-config file).
# Defines SOCI::Core, SOCI::SQLite3 and SOCI::PostgreSQL for the components found.
# The PostgreSQL backend's header includes <libpq-fe.h>, which lives in
# /usr/include/postgresql on Debian.
include(FindPackageHandleStandardArgs)

find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)

set(_soci_required SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY)
if(SOCI_INCLUDE_DIR AND SOCI_CORE_LIBRARY AND NOT TARGET SOCI::Core)
  add_library(SOCI::Core UNKNOWN IMPORTED)
  set_target_properties(SOCI::Core PROPERTIES
    IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
endif()

foreach(_soci_component IN LISTS SOCI_FIND_COMPONENTS)
  if(_soci_component STREQUAL "SQLite3")
    find_library(SOCI_SQLite3_LIBRARY NAMES soci_sqlite3)
    find_package(SQLite3 QUIET)
    if(SOCI_SQLite3_LIBRARY AND SQLite3_FOUND AND NOT TARGET SOCI::SQLite3)
      add_library(SOCI::SQLite3 UNKNOWN IMPORTED)
      set_target_properties(SOCI::SQLite3 PROPERTIES
        IMPORTED_LOCATION "${SOCI_SQLite3_LIBRARY}"
        INTERFACE_LINK_LIBRARIES "SOCI::Core;SQLite::SQLite3")
    endif()
    if(TARGET SOCI::SQLite3)
      set(SOCI_SQLite3_FOUND TRUE)
    endif()
  elseif(_soci_component STREQUAL "PostgreSQL")
    find_library(SOCI_PostgreSQL_LIBRARY NAMES soci_postgresql)
    find_package(PostgreSQL QUIET)
    find_path(SOCI_PQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql)
    if(SOCI_PostgreSQL_LIBRARY AND SOCI_PQ_INCLUDE_DIR AND NOT TARGET SOCI::PostgreSQL)
      add_library(SOCI::PostgreSQL UNKNOWN IMPORTED)
      set_target_properties(SOCI::PostgreSQL PROPERTIES
        IMPORTED_LOCATION "${SOCI_PostgreSQL_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${SOCI_PQ_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES "SOCI::Core;pq")
    endif()
    if(TARGET SOCI::PostgreSQL)
      set(SOCI_PostgreSQL_FOUND TRUE)
    endif()
  endif()
endforeach()

find_package_handle_standard_args(SOCI REQUIRED_VARS ${_soci_required} HANDLE_COMPONENTS)
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY SOCI_SQLite3_LIBRARY SOCI_PostgreSQL_LIBRARY
                 SOCI_PQ_INCLUDE_DIR)
