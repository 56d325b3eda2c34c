#!/usr/bin/env bash
# Builds the Debian packages (a Release build, cpack -G DEB) and tests them as a new
# machine gets them: lintian, systemd-analyze verify, and an install into a throwaway
# minimal Debian 12 (tests/package/deb_install_test.sh says what is checked). Heavy and
# networked (debootstrap from Debian's mirror, the first time; apt-get for the
# dependencies), so not part of scripts/test.sh: this is its command (ctest label
# `package`). Needs root. The minimal Debian and downloaded packages are kept in
# LIBSYNC_PACKAGE_CACHE (default /var/cache/libsync-package-test) for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --package

build=build/package
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr "${launcher[@]}" \
  -DLIBSYNC_PACKAGE=ON -DLIBSYNC_BUILD_TESTS=ON -DLIBSYNC_BUILD_BENCHMARKS=OFF \
  -DLIBSYNC_PYTHON_INSTALL_DIR:STRING=lib/python3/dist-packages >/dev/null
# What the packages hold: the server and its web app, the client, the libraries, the module.
cmake --build "$build" --target aitk-server web-app aitk libsync_python \
  libsync_core libsync_sql libsync_git libsync_http
ctest --test-dir "$build" --output-on-failure -L package -E consumer_builds_against_installed_package
