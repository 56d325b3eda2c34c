#!/usr/bin/env bash
# Installs what is missing, builds libsync in Release and runs aitk-server on the
# embedded default: SQLite under ./data, listening on 127.0.0.1:3001. On a fresh data
# directory it creates a demo project and prints how to call it. Stop it with Ctrl-C.
# Also builds the web app (served at http://127.0.0.1:3001/), aitk and the Python module.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLIBSYNC_BUILD_TESTS=OFF -DLIBSYNC_BUILD_BENCHMARKS=OFF >/dev/null
# The server, and beside it the workstation client and the Python module (build/release/
# examples/cli/aitk, build/release/python), so the README's examples work after this.
# The web app goes to build/release/web/dist, where this aitk-server finds it (docs/web.md).
cmake --build "$build" --target aitk-server web-app aitk libsync_python
exec "$build/examples/server/aitk-server" --data-dir data --demo "$@"
