#!/bin/sh
# testhooks.sh - the test-only pause hook (CTLSIGN_TEST_PAUSE,
# CTLSIGN_TEST_PAUSE_FILE) is in the test builds and nowhere else
# (issue 11): the release programs hold no trace of the variables and a
# build run with them set neither waits nor creates the pause file; the
# test build ctlsign-testhooks, from the same sources, does both (so
# this test can fail).
. "$(dirname "$0")/lib.sh"

dir=$(dirname "$BIN")
HBIN=$dir/ctlsign-testhooks
[ -x "$HBIN" ] || fail "no test build $HBIN"
for prog in "$BIN" "$dir/ctlsign-cluster"; do
	[ -e "$prog" ] || continue
	grep -aq CTLSIGN_TEST_PAUSE "$prog" &&
		fail "$prog: the release program names CTLSIGN_TEST_PAUSE"
done
grep -aq CTLSIGN_TEST_PAUSE_FILE "$HBIN" ||
	fail "$HBIN: the test build lacks the hook (the check above proves nothing)"

cp "$DATA/pub.key" "$T/sign.key"
chmod 600 "$T/sign.key"
mkdir "$T/site"
out=$T/site/CTLFile.tlv

# hbuild PROG: a build of $out with the pause asked for, in the background.
hbuild() {
	rm -f "$T/pause" "$out"
	CTLSIGN_TEST_PAUSE=write:CTLFile.tlv CTLSIGN_TEST_PAUSE_FILE=$T/pause \
		"$1" build -q -o "$out" --timestamp "$TS" --sign-key "$T/sign.key" \
		--sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem" \
		>"$T/out" 2>"$T/err" &
	pid=$!
}

# wait_gone PID SECONDS: 0 once PID has exited, 1 if it is still there.
wait_gone() {
	k=0
	while kill -0 "$1" 2>/dev/null && [ $k -lt $(($2 * 10)) ]; do
		sleep 0.1
		k=$((k + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# The release program: done at once, no pause file, the file written.
hbuild "$BIN"
if wait_gone "$pid" 20; then
	set +e
	wait "$pid"
	rc=$?
	set -e
	expect "release build with CTLSIGN_TEST_PAUSE set" 0 0
else
	fail "release build with CTLSIGN_TEST_PAUSE set: still running after 20 s (held?)"
	rm -f "$T/pause"
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
fi
[ ! -e "$T/pause" ] || fail "release build: created the pause file"
[ -s "$out" ] || fail "release build: no output file"

# The test build: holds (the pause file appears, nothing renamed yet),
# then goes on once the file is removed.
hbuild "$HBIN"
k=0
while [ ! -e "$T/pause" ] && kill -0 "$pid" 2>/dev/null && [ $k -lt 200 ]; do
	sleep 0.1
	k=$((k + 1))
done
if [ -e "$T/pause" ]; then
	[ ! -e "$out" ] || fail "test build: the file was renamed before the pause"
	[ -n "$(find "$T/site" -name 'CTLFile.tlv.tmp.*')" ] ||
		fail "test build: no temporary file while held"
	rm "$T/pause"
else
	fail "test build: never held: $(cat "$T/err")"
fi
if wait_gone "$pid" 20; then
	set +e
	wait "$pid"
	rc=$?
	set -e
	expect "test build after the pause" 0 0
else
	fail "test build: still running 20 s after the pause file was removed"
	kill "$pid" 2>/dev/null || true
fi
[ -s "$out" ] || fail "test build: no output file"
no_tmp "$T/site" "test build"
finish
