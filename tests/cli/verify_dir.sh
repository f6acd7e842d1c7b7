#!/bin/sh
# verify_dir.sh - `ctlsign verify DIR`: nothing to verify is exit 2 naming
# DIR; *.tlv in any case; every skipped entry reported; names from the
# directory never reach the terminal raw; the summary line always (not
# with -q); the highest exit status applies.
. "$(dirname "$0")/lib.sh"

good=$T/good.tlv
mkctl "$good"
head -c 3000 "$good" >"$T/cut.tlv"
summary() { # summary WHAT TEXT: the last line on stdout is TEXT
	[ "$(tail -n 1 "$T/out")" = "$2" ] ||
		fail "$1: summary '$(tail -n 1 "$T/out")', expected '$2'"
}

# Nothing to verify: an empty directory, or one without a trust list.
mkdir "$T/empty"
run "$BIN" verify "$T/empty"
expect "empty directory" 2 1 "$T/empty: no trust list (*.tlv) to verify"
mkdir "$T/other"
printf 'x' >"$T/other/SEP001122334455.cnf.xml"
printf 'x' >"$T/other/tlv"
run "$BIN" verify "$T/other"
expect "directory without *.tlv" 2 1 "$T/other: no trust list (*.tlv) to verify"
run "$BIN" verify -q "$T/empty"
expect "empty directory, quiet" 2 1 "no trust list"
run "$BIN" verify "$good" "$T/empty"
expect "a good file and an empty directory" 2 1 "$T/empty: no trust list"

# The suffix in any case; the summary for one directory, even of one file.
mkdir "$T/case"
cp "$good" "$T/case/CTLSEP0123.TLV"
cp "$good" "$T/case/CTLSEP0124.Tlv"
run "$BIN" verify "$T/case"
expect "upper-case .TLV" 0 0
grep -qF "$T/case/CTLSEP0123.TLV: OK" "$T/out" || fail ".TLV not verified: $(cat "$T/out")"
grep -qF "$T/case/CTLSEP0124.Tlv: OK" "$T/out" || fail ".Tlv not verified: $(cat "$T/out")"
summary "upper-case .TLV" "2 valid, 0 invalid, 0 malformed, 0 unreadable, 0 skipped"
run "$BIN" verify "$good"
expect "one file" 0 0
summary "one file" "1 valid, 0 invalid, 0 malformed, 0 unreadable, 0 skipped"
run "$BIN" verify -q "$T/case"
expect "quiet directory" 0 0
[ ! -s "$T/out" ] || fail "quiet printed: $(cat "$T/out")"

# Entries that are not regular files: skipped, each with a warning; a
# dangling link is a file we could not read (3).
mkdir "$T/mixed" "$T/mixed/sub.tlv"
mkfifo "$T/mixed/fifo.tlv"
cp "$good" "$T/mixed/a.tlv"
run timeout 20 "$BIN" verify "$T/mixed"
expect "a subdirectory and a FIFO" 0 2 \
	"warning: $T/mixed/sub.tlv: not a regular file, skipped" \
	"warning: $T/mixed/fifo.tlv: not a regular file, skipped"
summary "skipped" "1 valid, 0 invalid, 0 malformed, 0 unreadable, 2 skipped"
rm "$T/mixed/a.tlv"
run timeout 20 "$BIN" verify "$T/mixed"
expect "only entries to skip" 2 3 "fifo.tlv: not a regular file, skipped" \
	"$T/mixed: no trust list (*.tlv) to verify"
ln -s "$T/nowhere" "$T/mixed/dangling.tlv"
run timeout 20 "$BIN" verify "$T/mixed"
expect "a dangling link" 3 3 "$T/mixed/dangling.tlv: cannot open"
summary "dangling" "0 valid, 0 invalid, 0 malformed, 1 unreadable, 2 skipped"

# The highest status applies; every class counted.
mkdir "$T/worst"
cp "$good" "$T/worst/ok.tlv"
cp "$T/cut.tlv" "$T/worst/cut.tlv"
cp "$good" "$T/worst/sig.tlv"
flip "$T/worst/sig.tlv" 250 1
run "$BIN" verify "$T/worst" "$T/nothere.tlv"
expect "all classes" 3 3 "$T/worst/cut.tlv: record 3" "$T/worst/sig.tlv: signature" \
	"$T/nothere.tlv: cannot open"
summary "all classes" "1 valid, 1 invalid, 1 malformed, 1 unreadable, 0 skipped"

# A path longer than PATH_MAX (4096) is reported, never silently skipped.
long=$T
seg=dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
while [ ${#long} -lt 3900 ]; do
	long=$long/$seg
done
mkdir -p "$long"
name=CTLSEP$(printf '%0240d' 0).tlv
(cd "$long" && cp "$good" "$name" && cp "$good" ok.tlv)
run "$BIN" verify "$long"
expect "path beyond PATH_MAX" 3 1 \
	"$name: not verified, its path is longer than PATH_MAX (4096 bytes)"
grep -qF "/ok.tlv: OK" "$T/out" || fail "PATH_MAX: the short one not verified: $(tail -c 300 "$T/out")"
summary "PATH_MAX" "1 valid, 0 invalid, 0 malformed, 1 unreadable, 0 skipped"

# Hostile names: OSC title + clear screen, C1 CSI, a bidi override and
# isolate, a byte that is not UTF-8. Shown as \xNN, never raw; the
# valid UTF-8 (Korean) passes as it is.
h=$T/hostile
mkdir "$h"
osc=$(printf '\033]0;title\007\033[2J')
kor=$(printf '\355\231\215\352\270\270\353\217\231')
cp "$good" "$h/${osc}ok.tlv"
cp "$T/cut.tlv" "$h/$(printf 'cut\302\233\342\200\256\342\201\246\377').tlv"
cp "$good" "$h/$kor.tlv"
mkdir "$h/${osc}dir.tlv"
run "$BIN" verify "$h"
expect "hostile names" 2 2 "$h/cut\\xc2\\x9b\\xe2\\x80\\xae\\xe2\\x81\\xa6\\xff.tlv: record 3" \
	"warning: $h/\\x1b]0;title\\x07\\x1b[2Jdir.tlv: not a regular file, skipped"
no_raw "verify DIR with hostile names"
grep -qF "$h/\\x1b]0;title\\x07\\x1b[2Jok.tlv: OK" "$T/out" ||
	fail "hostile OK line: $(cat "$T/out")"
grep -qF "$h/$kor.tlv: OK" "$T/out" || fail "Korean name changed: $(cat "$T/out")"
summary "hostile" "2 valid, 0 invalid, 1 malformed, 0 unreadable, 1 skipped"
# The same names given one by one (a shell glob over the directory).
run "$BIN" verify "$h"/*.tlv
no_raw "verify FILE with hostile names"
expect "hostile names as files" 2 2 "\\x1b]0;title\\x07\\x1b[2Jdir.tlv: no trust list"
# A hostile directory name in the "nothing to verify" error.
mkdir "$T/${osc}empty"
run "$BIN" verify "$T/${osc}empty"
expect "hostile empty directory" 2 1 "$T/\\x1b]0;title\\x07\\x1b[2Jempty: no trust list"
no_raw "hostile empty directory"

finish
