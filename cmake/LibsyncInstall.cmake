# Installs headers, libraries and a CMake package so consumers can write
#   find_package(libsync REQUIRED COMPONENTS core)
#   target_link_libraries(app PRIVATE libsync::core)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LIBSYNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/libsync)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/libsync/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS libsync_core EXPORT libsync-core-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT libsync-core-targets NAMESPACE libsync:: DESTINATION ${LIBSYNC_CMAKE_DIR})

if(LIBSYNC_WITH_SOCI)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/adapters/soci/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(TARGETS libsync_soci EXPORT libsync-soci-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT libsync-soci-targets NAMESPACE libsync:: DESTINATION ${LIBSYNC_CMAKE_DIR})
  install(FILES cmake/libsync-soci-dependencies.cmake cmake/FindSOCI.cmake
          DESTINATION ${LIBSYNC_CMAKE_DIR})
endif()

if(LIBSYNC_WITH_GIT)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/adapters/git/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(TARGETS libsync_git EXPORT libsync-git-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT libsync-git-targets NAMESPACE libsync:: DESTINATION ${LIBSYNC_CMAKE_DIR})
  install(FILES cmake/libsync-git-dependencies.cmake DESTINATION ${LIBSYNC_CMAKE_DIR})
endif()

if(LIBSYNC_WITH_HTTP)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/adapters/http/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(TARGETS libsync_http EXPORT libsync-http-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT libsync-http-targets NAMESPACE libsync:: DESTINATION ${LIBSYNC_CMAKE_DIR})
  install(FILES cmake/libsync-http-dependencies.cmake DESTINATION ${LIBSYNC_CMAKE_DIR})
endif()

configure_package_config_file(cmake/libsyncConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/libsyncConfig.cmake
                              INSTALL_DESTINATION ${LIBSYNC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/libsyncConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/libsyncConfig.cmake
              ${PROJECT_BINARY_DIR}/libsyncConfigVersion.cmake
              cmake/libsync-core-dependencies.cmake
        DESTINATION ${LIBSYNC_CMAKE_DIR})
