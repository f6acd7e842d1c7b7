#!/bin/sh
# package.sh - builds the Debian package (debian/) from this tree's
# tracked files with dpkg-buildpackage -us -uc -b, in a scratch copy so the
# tree is left as it was.
#   scripts/package.sh [OUTDIR]   (default: build-deb); prints the .deb path
# Needs the test dependencies (scripts/deps.sh test installs debhelper).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ctlsign-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/ctlsign"
cd "$top"
if [ -d .git ] && command -v git >/dev/null 2>&1; then
	git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$work/ctlsign"
else
	tar --exclude='./build*' --exclude=./demo-out -cf - . | tar -xf - -C "$work/ctlsign"
fi
(cd "$work/ctlsign" && dpkg-buildpackage -us -uc -b >"$work/log" 2>&1) || {
	tail -n 40 "$work/log" >&2
	echo "package: dpkg-buildpackage failed" >&2
	exit 1
}
rm -f "$out"/ctlsign_*.deb
cp "$work"/ctlsign_*_*.deb "$out"/
ls "$out"/ctlsign_*_*.deb
