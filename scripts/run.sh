#!/usr/bin/env bash
# Installs what is missing, builds libsync in Release, installs it into
# build/release/prefix, and builds and runs the example that embeds it
# (examples/consumer) against that installed package.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLIBSYNC_BUILD_TESTS=OFF -DLIBSYNC_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build"
cmake --install "$build" --prefix "$PWD/$build/prefix" >/dev/null
cmake -S examples/consumer -B "$build/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PWD/$build/prefix" >/dev/null
cmake --build "$build/consumer"
exec "$build/consumer/libsync-consumer"
