#!/usr/bin/env bash
# Installs the Debian 12 packages libsync needs to build and test, and nothing else.
# Runs `apt-get update` once, and only when something is missing, so a prepared
# machine needs no network. Works as root or through sudo.
#   --tests    also what only tests use: docker-compose (validates docker-compose.yml)
#   --package  also what building and checking the Debian packages needs
#              (scripts/package-test.sh)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config   # toolchain
  libssl-dev                                      # SHA-256, AES-256-GCM, CSPRNG, TLS
  openssl                                         # the TLS tests make their CA and certificates with it
  libgtest-dev libgmock-dev libbenchmark-dev      # tests and benchmarks
  libsoci-dev libsqlite3-dev libpq-dev            # the SQL store (SQLite, PostgreSQL)
  postgresql-15                                   # server binaries for the store's tests
  libgit2-dev git                                 # git sync (git drives the sync tests' repos)
  libboost1.81-dev libboost-json1.81-dev          # HTTP adapter (Boost.JSON; 1.74 has none)
  python3-dev pybind11-dev python3-pytest         # the Python module and the pytest suites
  clang-14 libclang-rt-14-dev                     # the sanitizer test build, the libFuzzer targets
  nodejs npm chromium                             # the web app's build and its browser tests
)

for arg in "$@"; do
  case "$arg" in
    --tests) packages+=(docker-compose) ;;
    --package) packages+=(dpkg-dev fakeroot debootstrap lintian systemd) ;;
    *) echo "install-deps.sh: unknown option $arg (--tests, --package)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] && continue
  # A Node installed from elsewhere (NodeSource) bundles npm and conflicts with Debian's.
  [[ "$pkg" == npm ]] && command -v npm >/dev/null && continue
  missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "installing: ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
