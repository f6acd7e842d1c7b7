#!/bin/sh
# verify_many.sh - many files in one `ctlsign verify`: one line per bad
# file on stderr, a summary on stdout, and the worst exit status
# (3 unreadable > 2 malformed > 1 not verifying > 0).
. "$(dirname "$0")/lib.sh"

good=$T/good.tlv
mkctl "$good"
cp "$good" "$T/sig.tlv"
flip "$T/sig.tlv" 250 1 # inside SIGNATURE
head -c 3000 "$good" >"$T/cut.tlv"

run "$BIN" verify "$good" "$good"
expect "two good files" 0 0
grep -qF "2 valid, 0 invalid" "$T/out" || fail "summary: $(cat "$T/out")"

run "$BIN" verify "$good" "$T/sig.tlv" "$good"
expect "one bad signature among good ones" 1 1 "$T/sig.tlv: signature does not verify"
grep -qF "2 valid, 1 invalid" "$T/out" || fail "summary: $(cat "$T/out")"

run "$BIN" verify "$T/cut.tlv" "$good" "$T/sig.tlv"
expect "malformed and bad signature" 2 2 "$T/cut.tlv: record 3 at offset 2648" \
	"$T/sig.tlv: signature does not verify"

run "$BIN" verify "$T/sig.tlv" "$T/nothere.tlv" "$T/cut.tlv"
expect "unreadable, bad signature, malformed" 3 3 "$T/nothere.tlv: cannot open"

run "$BIN" verify -q "$good" "$T/sig.tlv"
expect "quiet" 1 1
[ ! -s "$T/out" ] || fail "quiet printed: $(cat "$T/out")"

# A directory stands for its *.tlv files; others are not read.
d=$T/tftp
mkdir "$d"
cp "$good" "$d/CTLSEP001122334455.tlv"
cp "$good" "$d/CTLSEP001122334466.tlv"
cp "$T/sig.tlv" "$d/CTLSEP001122334477.tlv"
printf 'not a trust list' >"$d/SEP001122334455.cnf.xml"
run "$BIN" verify "$d"
expect "directory" 1 1 "$d/CTLSEP001122334477.tlv: signature does not verify"
grep -qF "$d/CTLSEP001122334455.tlv: OK" "$T/out" || fail "directory: $(cat "$T/out")"
grep -qF "2 valid, 1 invalid" "$T/out" || fail "directory summary: $(cat "$T/out")"
run "$BIN" verify "$d/"
expect "directory with a trailing slash" 1 1 "$d/CTLSEP001122334477.tlv:"
grep -q '//' "$T/err" && fail "double slash in a path: $(cat "$T/err")"

# A directory and files together: the worst status still wins.
cp "$T/cut.tlv" "$d/CTLSEP001122334488.tlv"
run "$BIN" verify "$good" "$d"
expect "directory with a malformed file" 2 2 "$d/CTLSEP001122334488.tlv: record 3"

# Many files: one process, flat memory (the key cache), still quick.
i=0
set --
while [ $i -lt 200 ]; do
	set -- "$@" "$good"
	i=$((i + 1))
done
run "$BIN" verify -q "$@" "$T/sig.tlv"
expect "201 files" 1 1
run "$BIN" verify "$@"
expect "200 good files" 0 0
grep -qF "200 valid, 0 invalid" "$T/out" || fail "200 files: $(tail -n 1 "$T/out")"

run "$BIN" verify
expect "no file" 2

finish
