#!/usr/bin/env bash
# The Debian packages as a new machine gets them (ctest label `package`; run by
# scripts/package-test.sh). Given a Release build configured with LIBSYNC_PACKAGE=ON:
#   1. cpack -G DEB makes aitk-server, aitk, libsync-dev and python3-libsync;
#   2. lintian reports no errors on any of them;
#   3. systemd-analyze verify accepts the unit aitk-server ships;
#   4. in a throwaway minimal Debian 12 (debootstrap --variant=minbase, made once under
#      $LIBSYNC_PACKAGE_CACHE and copied per run), `apt-get install ./*.deb` pulls every
#      dependency from Debian's mirror, and then: aitk-server --version, aitk --version,
#      python3 -c "import libsync", a consumer built against libsync-dev, the aitk user
#      and its private /var/lib/aitk, /etc/default/aitk-server as a conffile, the server
#      started with that file's settings answering /api/ready, and a purge that keeps
#      the data.
# Needs root (debootstrap, chroot, mount) and the network (the mirror).
set -euo pipefail
build=$(realpath "$1")
source=$(realpath "$2")
cache=${LIBSYNC_PACKAGE_CACHE:-/var/cache/libsync-package-test}
mirror=${LIBSYNC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
version=$(sed -n 's/^project(libsync VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")

step() { echo "== $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "cpack -G DEB"
out=$build/packages
rm -rf "$out"
mkdir -p "$out"
(cd "$build" && cpack -G DEB -B "$out" >"$out.log") || { cat "$out.log"; fail "cpack"; }
rm -rf "$out/_CPack_Packages"
mapfile -t debs < <(ls "$out"/*.deb)
names=$(for deb in "${debs[@]}"; do dpkg-deb -f "$deb" Package; done | sort | tr '\n' ' ')
[[ "$names" == "aitk aitk-server libsync-dev python3-libsync " ]] || fail "packages made: $names"
for deb in "${debs[@]}"; do
  echo "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
done

step "lintian"
lintian --fail-on error --tag-display-limit 0 "${debs[@]}" || fail "lintian reports errors"

step "systemd-analyze verify"
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$out"/aitk-server_*.deb "$unpacked"
# The unit as installed, its binary where this machine can see it.
sed "s|/usr/bin/aitk-server|$unpacked/usr/bin/aitk-server|" "$unpacked/lib/systemd/system/aitk-server.service" \
  >"$unpacked/aitk-server.service"
verify=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$unpacked/aitk-server.service" 2>&1) || true
echo "$verify"
# Only complaints about this unit count (verify also reads the units it is ordered after).
if grep -q "aitk-server.service" <<<"$verify"; then fail "systemd-analyze verify"; fi
for directive in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes LimitNOFILE= User=aitk \
                 StateDirectory=aitk EnvironmentFile=-/etc/default/aitk-server; do
  grep -q "^$directive" "$unpacked/aitk-server.service" || fail "the unit lacks $directive"
done

step "a minimal Debian 12 (debootstrap --variant=minbase)"
base=$cache/bookworm-minbase
if [[ ! -f $base/.complete ]]; then
  rm -rf "$base"
  mkdir -p "$cache"
  debootstrap --variant=minbase bookworm "$base" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; fail "debootstrap"; }
  touch "$base/.complete"
fi
root=$(mktemp -d /var/tmp/libsync-deb-root.XXXXXX)
mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}" || true; done
  rm -rf "$root" "$unpacked"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
mkdir -p "$cache/apt-archives/partial"
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" && mounts+=("$root/var/cache/apt/archives")
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
cp /etc/resolv.conf "$root/etc/resolv.conf"
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
cp -r "$source/examples/consumer" "$root/tmp/consumer"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
                   DEBIAN_FRONTEND=noninteractive "$@"; }

step "apt-get install ./*.deb (dependencies from the mirror)"
in_root apt-get update -qq
in_root sh -c 'apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }'

step "the binaries, the module and the consumer"
[[ "$(in_root aitk-server --version)" == "aitk-server $version" ]] || fail "aitk-server --version"
[[ "$(in_root aitk --version)" == "aitk $version" ]] || fail "aitk --version"
[[ "$(in_root python3 -c 'import libsync; print(libsync.open().store_kind)')" == "memory" ]] || fail "import libsync"
in_root sh -c 'apt-get install -y -qq --no-install-recommends cmake g++ make >/tmp/apt-tools.log 2>&1 ||
               { tail -30 /tmp/apt-tools.log; exit 1; }'
in_root sh -c 'cmake -S /tmp/consumer -B /tmp/consumer-build >/tmp/consumer.log 2>&1 &&
               cmake --build /tmp/consumer-build >>/tmp/consumer.log 2>&1 || { cat /tmp/consumer.log; exit 1; }'
in_root /tmp/consumer-build/libsync-consumer >/dev/null || fail "the consumer built against libsync-dev"

step "the aitk user, its data directory and the conffile"
in_root getent passwd aitk | grep -q ":/var/lib/aitk:/usr/sbin/nologin$" || fail "no aitk system user"
[[ "$(in_root stat -c '%U %a' /var/lib/aitk)" == "aitk 700" ]] || fail "/var/lib/aitk is not aitk's alone"
grep -qx /etc/default/aitk-server "$root/var/lib/dpkg/info/aitk-server.conffiles" || fail "no conffile"
[[ "$(in_root stat -c '%U %a' /etc/default/aitk-server)" == "root 600" ]] || fail "/etc/default/aitk-server is not root's alone"

step "the server, with /etc/default/aitk-server's settings, answers /api/ready"
in_root sh -c 'set -a; . /etc/default/aitk-server; set +a
  export AITK_LISTEN=127.0.0.1:0
  setpriv --reuid=aitk --regid=aitk --init-groups /usr/bin/aitk-server 2>/tmp/server.log &
  server=$!
  for i in $(seq 50); do grep -q "serving on" /tmp/server.log && break; sleep 0.2; done
  url=$(sed -n "s/.*serving on \(http:[^ ]*\).*/\1/p" /tmp/server.log)
  python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + \"/api/ready\").read().decode())" "$url" ||
    cat /tmp/server.log
  kill $server; wait $server || true' | tee "$root/tmp/ready.out"
grep -q '"status":"ready"' "$root/tmp/ready.out" || fail "/api/ready"
[[ -f $root/var/lib/aitk/libsync.db ]] || fail "the server did not keep its data in /var/lib/aitk"

step "apt-get purge aitk-server keeps the data"
in_root apt-get purge -y -qq aitk-server >/dev/null
[[ -f $root/var/lib/aitk/libsync.db && ! -e $root/etc/default/aitk-server ]] || fail "purge"
echo "all package checks passed"
