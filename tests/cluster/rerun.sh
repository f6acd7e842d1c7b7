#!/bin/sh
# rerun.sh - after unknown host keys, the line `cluster` prints to run
# once the fingerprints are checked is the user's own command with
# --accept-new added: pasted into sh as printed, it records the keys in
# the --known-hosts file named (not the config's) and distributes the
# file named, whose path (like the known_hosts one) needs quoting.
. "$(dirname "$0")/common.sh"
h_init 27
for i in 1 2; do h_node "$i"; done
h_conf "$H/c.conf" 2
C="$H/c.conf"
mkctl "$H/new.tlv" 1
new=$(md5 "$H/new.tlv")

# Words a shell must quote: a space, a quote, a '$' and a '*'.
mkdir -m 700 "$H/k h's"
KH="$H/k h's/known \$hosts*"
: >"$KH"
chmod 600 "$KH"
F="$H/new ctl's (\$1).tlv"
cp "$H/new.tlv" "$F"

# rerun_line: the suggested command from the last run's stderr.
rerun_line() { sed -n 's/^ctlsign: once the fingerprints are checked: //p' "$H/err"; }

# same_words LINE WORD...: LINE splits, as sh would, into exactly WORDs.
same_words() {
	python3 - "$@" <<'PY'
import shlex, sys
got, want = shlex.split(sys.argv[1], posix=True), sys.argv[2:]
if got != want:
    sys.exit("got %r, want %r" % (got, want))
PY
}

run "$BIN" cluster distribute -c "$C" --known-hosts "$KH" "$F"
expect "distribute, keys unknown" 5 "host key unknown"
line=$(rerun_line)
[ -n "$line" ] || fail "distribute, keys unknown: no line to rerun: $(cat "$H/err")"
[ "$(grep -c 'once the fingerprints are checked' "$H/err")" -eq 1 ] ||
	fail "distribute, keys unknown: not exactly one rerun line: $(cat "$H/err")"
same_words "$line" ctlsign cluster distribute -c "$C" --known-hosts "$KH" "$F" --accept-new ||
	fail "rerun line is not the command with --accept-new: $line"
[ ! -s "$KH" ] && [ ! -s "$H/known_hosts" ] || fail "keys recorded without --accept-new"
for i in 1 2; do holds "$i" none "distribute, keys unknown"; done

# Pasted, from another directory, with ctlsign on PATH as for a user.
set +e
(cd / && PATH="$(dirname "$BIN"):$PATH" sh -c "$line") >"$H/out" 2>"$H/err"
rc=$?
set -e
expect "the rerun line, pasted" 0 "every node serves CTLFile.tlv"
[ "$(wc -l <"$KH")" -eq 2 ] || fail "rerun: $KH holds $(wc -l <"$KH") keys, expected 2"
[ ! -s "$H/known_hosts" ] || fail "rerun: the config's known_hosts was written: $(cat "$H/known_hosts")"
for i in 1 2; do holds "$i" "$new" "the rerun line, pasted"; done

# A "--" ends the options: --accept-new goes before it, after "cluster".
KH2="$H/kh2"
: >"$KH2"
chmod 600 "$KH2"
run "$BIN" cluster -c "$C" --known-hosts "$KH2" -- status
expect "status after --, keys unknown" 5 "host key unknown"
line=$(rerun_line)
same_words "$line" ctlsign cluster --accept-new -c "$C" --known-hosts "$KH2" -- status ||
	fail "rerun line with --: $line"
set +e
(cd / && PATH="$(dirname "$BIN"):$PATH" sh -c "$line") >"$H/out" 2>"$H/err"
rc=$?
set -e
expect "the rerun line with --, pasted" 0 "all nodes serve the same file"
[ "$(wc -l <"$KH2")" -eq 2 ] || fail "rerun with --: $KH2 holds $(wc -l <"$KH2") keys"

# Once the keys are known, no line; with --accept-new, none either.
run "$BIN" cluster status -c "$C" --known-hosts "$KH"
expect "status, keys known" 0
[ -z "$(rerun_line)" ] || fail "status, keys known: a rerun line: $(cat "$H/err")"
finish
