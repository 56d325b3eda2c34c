# Debian packages from CPack (docs/deploy.md, "Packages with systemd"):
#   aitk-server       the server, its systemd unit, /etc/default/aitk-server, the web app
#   aitk              the workstation client
#   libsync-dev       headers, static libraries and the CMake package
#   python3-libsync   the Python module, for Debian's python3
# scripts/package-test.sh configures a Release build with LIBSYNC_PACKAGE=ON, runs
# `cpack -G DEB` and installs the result into a minimal Debian 12.
include(GNUInstallDirs)

set(pkg_dir ${PROJECT_SOURCE_DIR}/packaging/debian)
set(LIBSYNC_PACKAGE_CONTACT "libsync maintainers <libsync@lists.libsync.dev>" CACHE STRING
    "The Maintainer field of the Debian packages")

# The server's system files go to absolute paths (/etc, /lib/systemd): they are installed
# only into a package, never by a plain `cmake --install`, which would write into the
# machine's /etc whatever the prefix.
install(FILES ${pkg_dir}/aitk-server.service DESTINATION /lib/systemd/system COMPONENT server)
# Readable by root alone: it may hold AITK_ADMIN_TOKEN or a database password, and systemd
# reads EnvironmentFile= as root before it drops to the aitk user.
install(FILES ${pkg_dir}/aitk-server.default DESTINATION /etc/default RENAME aitk-server COMPONENT server
        PERMISSIONS OWNER_READ OWNER_WRITE)
if(TARGET web-app)
  install(DIRECTORY ${PROJECT_BINARY_DIR}/web/dist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/aitk-server/web
          COMPONENT server)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/docs/deploy.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/aitk-server
        COMPONENT server)

# Every package carries its copyright file and a compressed changelog (Debian policy 12.5,
# 12.7), in /usr/share/doc/<package>; changelog.gz, the name for a native package (its
# version has no Debian revision).
set(changelog_dir ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${changelog_dir})
string(TIMESTAMP changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
foreach(component_package server:aitk-server client:aitk dev:libsync-dev python:python3-libsync)
  string(REPLACE ":" ";" pair ${component_package})
  list(GET pair 0 component)
  list(GET pair 1 package)
  file(WRITE ${changelog_dir}/${package}.changelog
       "${package} (${PROJECT_VERSION}) stable; urgency=medium\n\n"
       "  * Release ${PROJECT_VERSION}.\n\n"
       " -- ${LIBSYNC_PACKAGE_CONTACT}  ${changelog_date}\n")
  execute_process(COMMAND gzip -9nf ${changelog_dir}/${package}.changelog)
  install(FILES ${changelog_dir}/${package}.changelog.gz DESTINATION share/doc/${package}
          RENAME changelog.gz COMPONENT ${component})
  install(FILES ${pkg_dir}/copyright DESTINATION share/doc/${package} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libsync)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${LIBSYNC_PACKAGE_CONTACT})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The unit and /etc/default have absolute destinations: staged under DESTDIR, never
# written to this machine's /etc while packaging.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server client dev python)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/libsync/libsync")
# dpkg-shlibdeps reads each binary's shared libraries: `apt-get install ./aitk-server_*.deb`
# then pulls libpq5, libgit2-1.5, libsqlite3-0, ... as needed.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS OFF)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME aitk-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${pkg_dir}/postinst ${pkg_dir}/prerm ${pkg_dir}/postrm ${pkg_dir}/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "server keeping an AI coding team's context documents in sync\n"
    "aitk-server keeps the markdown files that AI coding assistants read in\n"
    "one place: versioned, locked while edited, synced with git and served to\n"
    "workstations over HTTP, with live events. SQLite by default, PostgreSQL\n"
    "for several servers.")

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME aitk)
set(CPACK_DEBIAN_CLIENT_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_CLIENT_DESCRIPTION
    "workstation client for aitk-server\n"
    "aitk keeps a project's .docs folder current for the AI assistant,\n"
    "reports the project's lock, and installs the Claude Code hooks that\n"
    "call it.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsync-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# Static libraries: a consumer links their dependencies itself (libsyncConfig.cmake finds
# them), so their development packages come along.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libssl-dev, libsqlite3-dev, libpq-dev, libgit2-dev, libboost1.81-dev, libboost-json1.81-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "C++20 library keeping AI-context documents in sync (development files)\n"
    "libsync's core (domain, use cases, ports, in-memory store) and its\n"
    "adapters (SQLite and PostgreSQL store, git remote on libgit2, HTTP API\n"
    "on Boost.Beast): headers, static libraries and the CMake package\n"
    "(find_package(libsync)).")

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-libsync)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
# The module is built for one Python minor version (its ABI tag says which).
execute_process(COMMAND /usr/bin/python3 -c "import sys; v = sys.version_info; print(f'{v[0]}.{v[1]};{v[0]}.{v[1] + 1}')"
                OUTPUT_VARIABLE python_versions OUTPUT_STRIP_TRAILING_WHITESPACE)
list(GET python_versions 0 python_this)
list(GET python_versions 1 python_next)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3 (>= ${python_this}~), python3 (<< ${python_next})")
set(CPACK_COMPONENT_PYTHON_DESCRIPTION
    "Python module for libsync\n"
    "The module libsync: projects, versioned docs, locks and keys on\n"
    "SQLite, PostgreSQL or memory, from Python.")

include(CPack)
