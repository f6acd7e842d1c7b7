#!/bin/sh
# test.sh - the whole test suite, as CI runs it: installs the Debian
# packages it needs, builds under AddressSanitizer and
# UndefinedBehaviorSanitizer, runs every ctest test (unit, command line,
# PKCS#11 against SoftHSM2, cluster against real sshd/tftpd on loopback),
# builds a gcc Release and runs the tests that need no root on it, builds
# the Debian package and runs the installed program, then
# fuzzes the parser, the verifier and the config reader for a bounded
# time. Every build here treats warnings as errors (CTLSIGN_WERROR).
#   CTLSIGN_FUZZ_SECONDS  fuzzing time in all, shared by the fuzz targets
#                         (default 90; 0 skips the fuzz build)
#   CTLSIGN_BUILD         build directory prefix (default build-ci)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)
build=${CTLSIGN_BUILD:-build-ci}
fuzz_seconds=${CTLSIGN_FUZZ_SECONDS:-90}

# LeakSanitizer reports leaks at exit; suppressions cover the PKCS#11
# module and libraries we do not own (see tests/lsan.supp).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== build (ASan+UBSan)"
cmake -S . -B "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DCTLSIGN_SANITIZE=ON \
	-DCTLSIGN_FUZZ=OFF -DCTLSIGN_WERROR=ON >/dev/null
cmake --build "$build-asan" -j"$jobs"
echo "== tests (ASan+UBSan)"
(cd "$build-asan" && ctest --output-on-failure -j"$jobs" --timeout 600)

# What users build: optimised, where gcc warns about other things than at -O0.
echo "== build (gcc Release) and its tests (all but the cluster label)"
CC=gcc cmake -S . -B "$build-release" -DCMAKE_BUILD_TYPE=Release \
	-DCTLSIGN_WERROR=ON >/dev/null
cmake --build "$build-release" -j"$jobs"
(cd "$build-release" && ctest --output-on-failure -j"$jobs" --timeout 600 \
	-LE 'cluster|fuzz')

# The Debian package builds, installs, runs and removes cleanly. It is
# installed only where no ctlsign package is (the system is left as found).
echo "== Debian package"
deb=$(scripts/package.sh "$build-deb")
echo "built $deb"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if dpkg-query -W -f='${Status}' ctlsign 2>/dev/null | grep -q "ok installed"; then
	echo "a ctlsign package is installed here already: $deb not installed"
else
	$sudo dpkg -i "$deb" >/dev/null
	trap '$sudo dpkg -r ctlsign >/dev/null' EXIT
	sh tests/package-smoke.sh /usr/bin/ctlsign tests/data
	$sudo dpkg -r ctlsign >/dev/null
	trap - EXIT
fi

if [ "$fuzz_seconds" -gt 0 ]; then
	echo "== fuzz parser, verifier and config reader for ${fuzz_seconds}s in all (libFuzzer, ASan+UBSan)"
	# The whole tree builds with clang here too: its warnings are errors.
	CC=clang cmake -S . -B "$build-fuzz" -DCMAKE_BUILD_TYPE=Debug \
		-DCTLSIGN_FUZZ=ON -DCTLSIGN_FUZZ_SECONDS="$fuzz_seconds" \
		-DCTLSIGN_WERROR=ON >/dev/null
	cmake --build "$build-fuzz" -j"$jobs"
	(cd "$build-fuzz" && ctest --output-on-failure -R '^fuzz_')
fi
echo "== all tests passed"
