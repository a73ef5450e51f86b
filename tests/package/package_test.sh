#!/usr/bin/env bash
# tests/package/package_test.sh BUILD_DIR VERSION (ctest: deploy_package)
#
# Builds the Debian package from BUILD_DIR's binaries with CPack, installs
# it on this machine with apt-get, checks what an operator gets (the
# programs at their packaged paths, --check-config on the shipped
# /etc/x400gw/x400gw.conf, x400gwctl --help, the system user, the unit
# file, the conffile kept across a reinstall), then purges it. Needs root:
# exits 77 (skipped) otherwise. Idempotent: a package left installed by an
# interrupted run is replaced and purged; the work directory is removed.
set -euo pipefail

build=$(cd "$1" && pwd)
version=$2
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$build/package-test
failed=0

say() { printf 'package: %s\n' "$*"; }
fail() { say "FAIL: $*"; failed=1; }
die() { say "FAIL: $*"; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  say "SKIP: installing and purging a package needs root"
  exit 77
fi

cmake_command=$(sed -n 's/^CMAKE_COMMAND:INTERNAL=//p' "$build/CMakeCache.txt")
cpack=$(dirname "$cmake_command")/cpack
for tool in "$cpack" dpkg-deb dpkg-shlibdeps apt-get flock; do
  command -v "$tool" >/dev/null || die "$tool not found (dpkg-dev, apt and util-linux are needed)"
done

# One run at a time on this machine: other checkouts may run it too.
exec 9>/var/lock/x400gw-package-test.lock
flock -w 900 9 || die "another package test holds /var/lock/x400gw-package-test.lock"

# A configuration that no package owns belongs to a hand installation:
# installing and purging the package would take it over and remove it.
if [[ -e /etc/x400gw/x400gw.conf ]] && ! dpkg-query -S /etc/x400gw/x400gw.conf >/dev/null 2>&1; then
  die "/etc/x400gw/x400gw.conf exists and belongs to no package (a hand installation?); move it away to run this test"
fi

apt_get() {
  DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"
}
installed() {
  dpkg-query -W -f='${db:Status-Status}' x400gw 2>/dev/null | grep -qv '^not-installed$'
}
cleanup() {
  if installed; then
    apt_get purge x400gw >"$work.purge.log" 2>&1 || { cat "$work.purge.log"; }
  fi
  rm -rf "$work" "$work.purge.log"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"

# --- build -------------------------------------------------------------
say "cpack -G DEB in $build"
if ! "$cpack" --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  die "cpack failed"
fi
debs=("$work"/x400gw_"$version"_*.deb)
[[ -f ${debs[0]} ]] || die "no x400gw_${version}_*.deb in $work: $(ls "$work")"
deb=${debs[0]}
say "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

depends=$(dpkg-deb -f "$deb" Depends)
say "Depends: $depends"
for dep in libc6 libpq5 libssl3 libsodium23 libidn12 libsystemd0 adduser; do
  grep -qE "(^|, )$dep( |,|$)" <<<"$depends" || fail "Depends has no $dep"
done
[[ $(dpkg-deb -f "$deb" Package) == x400gw ]] || fail "Package is not x400gw"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "Version is not $version"

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/x400gw ./usr/bin/x400gwctl ./usr/lib/systemd/system/x400gw.service ./etc/x400gw/x400gw.conf \
  ./usr/share/doc/x400gw/README.md ./usr/share/doc/x400gw/operations.md \
  ./usr/share/x400gw/prometheus/x400gw-rules.yml ./usr/share/x400gw/grafana/x400gw-dashboard.json; do
  grep -qxF "$f" <<<"$contents" || fail "the package has no $f"
done
if grep -qE '^\./usr/local|^\./(root|work|tmp)/' <<<"$contents"; then
  fail "the package has files outside its paths: $(grep -E '^\./usr/local|^\./(root|work|tmp)/' <<<"$contents" | head -3)"
fi
dpkg-deb -e "$deb" "$work/control"
grep -qxF /etc/x400gw/x400gw.conf "$work/control/conffiles" || fail "/etc/x400gw/x400gw.conf is not a conffile"
for s in postinst prerm postrm; do
  [[ -x $work/control/$s ]] || fail "maintainer script $s missing or not executable"
done

# --- install -----------------------------------------------------------
user_before=no
getent passwd x400gw >/dev/null && user_before=yes
say "apt-get install $deb"
if ! apt_get install "$deb" >"$work/install.log" 2>&1; then
  cat "$work/install.log"
  die "apt-get install failed"
fi
[[ $(dpkg-query -W -f='${Status}' x400gw) == "install ok installed" ]] || die "x400gw is not installed after apt-get install"

[[ -x /usr/sbin/x400gw && -x /usr/bin/x400gwctl ]] || fail "/usr/sbin/x400gw or /usr/bin/x400gwctl missing"
if ldd /usr/sbin/x400gw /usr/bin/x400gwctl | grep -q 'not found'; then
  fail "a shared library is missing: $(ldd /usr/sbin/x400gw /usr/bin/x400gwctl | grep 'not found')"
fi
got=$(/usr/sbin/x400gw --version) || fail "x400gw --version exited $?"
[[ $got == *"$version"* ]] || fail "x400gw --version says '$got', not $version"

# The shipped configuration passes, at the default path and as the
# service user reads it (the unit runs as x400gw, the file is 640).
out=$(/usr/sbin/x400gw --check-config 2>&1) || fail "x400gw --check-config on the installed configuration: $out"
say "$out"
out=$(runuser -u x400gw -- /usr/sbin/x400gw --config /etc/x400gw/x400gw.conf --check-config 2>&1) ||
  fail "x400gw --check-config as user x400gw: $out"
out=$(/usr/bin/x400gwctl --help 2>&1) || fail "x400gwctl --help exited non-zero: $out"
grep -q address <<<"$out" || fail "x400gwctl --help does not list its commands: $out"

getent passwd x400gw >/dev/null || fail "no user x400gw"
getent group x400gw >/dev/null || fail "no group x400gw"
[[ $(id -gn x400gw 2>/dev/null) == x400gw ]] || fail "x400gw's primary group is not x400gw"
if [[ $user_before == yes ]]; then
  say "user x400gw: there before the package (kept by its postinst)"
  # Then show the creation on a copy of /etc without the user, mounted
  # over /etc in a private mount namespace: the postinst, twice.
  mkdir -p "$work/ns"
  cp -a /etc "$work/ns/etc"
  sed -i '/^x400gw:/d' "$work/ns/etc/passwd" "$work/ns/etc/group" "$work/ns/etc/shadow" "$work/ns/etc/gshadow"
  if unshare -m true 2>/dev/null; then
    if out=$(unshare -m sh -ec "mount --bind '$work/ns/etc' /etc
        ! getent passwd x400gw >/dev/null
        sh '$work/control/postinst' configure
        sh '$work/control/postinst' configure
        id x400gw; getent passwd x400gw; stat -c '%U:%G %a' /etc/x400gw/x400gw.conf" 2>&1); then
      say "postinst on a copy of /etc without the user: $(tr '\n' ' ' <<<"$out")"
      grep -q 'gid=[0-9]*(x400gw)' <<<"$out" || fail "the postinst did not create the user and group x400gw: $out"
      grep -q ':/nonexistent:/usr/sbin/nologin' <<<"$out" || fail "the user the postinst made has a home or a shell: $out"
      grep -q 'root:x400gw 640' <<<"$out" || fail "the postinst did not give the configuration to x400gw: $out"
    else
      fail "the postinst on a copy of /etc without the user: $out"
    fi
  else
    say "creating the user: not shown (no private mount namespace here; unshare -m failed)"
  fi
  rm -rf "$work/ns"
else
  say "user x400gw: created by the package's postinst"
fi
perms=$(stat -c '%U:%G %a' /etc/x400gw/x400gw.conf)
[[ $perms == "root:x400gw 640" ]] || fail "/etc/x400gw/x400gw.conf is $perms, not root:x400gw 640"

unit=/usr/lib/systemd/system/x400gw.service
if [[ -f $unit ]]; then
  # The source unit with /usr/local rewritten to /usr, and nothing else.
  if ! diff <(sed 's#/usr/local/#/usr/#g' "$source_dir/deploy/x400gw.service") "$unit" >"$work/unit.diff"; then
    fail "the installed unit differs from deploy/x400gw.service with the prefix /usr: $(cat "$work/unit.diff")"
  fi
  grep -qxF 'ExecStart=/usr/sbin/x400gw --config /etc/x400gw/x400gw.conf' "$unit" || fail "ExecStart is not /usr/sbin/x400gw"
  doc=$(sed -n 's#^Documentation=file://##p' "$unit")
  [[ -f $doc ]] || fail "the unit's Documentation= $doc is not installed"
  if command -v systemd-analyze >/dev/null; then
    if systemd-analyze verify "$unit" >"$work/verify.log" 2>&1; then
      say "systemd-analyze verify: OK"
    elif grep -qiE 'failed to (initialize|connect|set up)|no such file or directory.*bus|not been booted|system has not been booted' "$work/verify.log"; then
      say "systemd-analyze verify skipped: it cannot run here ($(head -1 "$work/verify.log"))"
    else
      fail "systemd-analyze verify: $(cat "$work/verify.log")"
    fi
  else
    say "systemd-analyze verify skipped: systemd-analyze is not installed"
  fi
else
  fail "no $unit"
fi

# --- reinstall: the postinst runs again; a changed conffile is kept ------
echo '# changed by the package test' >>/etc/x400gw/x400gw.conf
if ! apt_get -o Dpkg::Options::=--force-confold install --reinstall "$deb" >"$work/reinstall.log" 2>&1; then
  cat "$work/reinstall.log"
  die "apt-get install --reinstall failed"
fi
grep -qxF '# changed by the package test' /etc/x400gw/x400gw.conf || fail "a reinstall replaced the changed conffile"
/usr/sbin/x400gw --check-config >/dev/null 2>&1 || fail "x400gw --check-config after the reinstall"

# --- purge -------------------------------------------------------------
if ! apt_get purge x400gw >"$work/purge.log" 2>&1; then
  cat "$work/purge.log"
  die "apt-get purge failed"
fi
installed && fail "x400gw still known to dpkg after purge"
for f in /usr/sbin/x400gw /usr/bin/x400gwctl "$unit" /etc/x400gw/x400gw.conf /etc/x400gw /usr/share/x400gw; do
  [[ -e $f ]] && fail "$f is still there after purge"
done

if ((failed)); then
  exit 1
fi
say "OK: built, installed, checked, reinstalled and purged $(basename "$deb")"
