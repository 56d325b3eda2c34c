# Installs headers, libraries and a CMake package so consumers can write
#   find_package(libsync REQUIRED COMPONENTS core)
#   target_link_libraries(app PRIVATE libsync::core)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LIBSYNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/libsync)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/libsync/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(FILES ${PROJECT_BINARY_DIR}/generated/include/libsync/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/libsync COMPONENT dev)
install(TARGETS libsync_core EXPORT libsync-core-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT libsync-core-targets NAMESPACE libsync:: DESTINATION ${LIBSYNC_CMAKE_DIR} COMPONENT dev)

# An adapter component: its headers, its library, its export set and what it depends on.
function(libsync_install_adapter name)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/adapters/${name}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
  install(TARGETS libsync_${name} EXPORT libsync-${name}-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
  install(EXPORT libsync-${name}-targets NAMESPACE libsync:: DESTINATION ${LIBSYNC_CMAKE_DIR} COMPONENT dev)
  install(FILES cmake/libsync-${name}-dependencies.cmake ${ARGN} DESTINATION ${LIBSYNC_CMAKE_DIR} COMPONENT dev)
endfunction()

foreach(adapter sql git http)
  string(TOUPPER ${adapter} option)
  if(LIBSYNC_WITH_${option})
    libsync_install_adapter(${adapter})
  endif()
endforeach()

configure_package_config_file(cmake/libsyncConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/libsyncConfig.cmake
                              INSTALL_DESTINATION ${LIBSYNC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/libsyncConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/libsyncConfig.cmake
              ${PROJECT_BINARY_DIR}/libsyncConfigVersion.cmake
              cmake/libsync-core-dependencies.cmake
        DESTINATION ${LIBSYNC_CMAKE_DIR} COMPONENT dev)
