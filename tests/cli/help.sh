#!/bin/sh
# help.sh - `ctlsign --help` and `ctlsign COMMAND --help` for every
# command in the table exit 0 with the text on stdout and nothing on
# stderr; an unknown command or no command exits 2.
. "$(dirname "$0")/lib.sh"

run "$BIN" --help
expect "ctlsign --help" 0 0
cmds=$(sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$T/out")
[ -n "$cmds" ] || fail "no commands listed by --help"
for c in $cmds; do
	run "$BIN" "$c" --help
	if [ "$rc" -ne 0 ] && grep -qF "not available in this build" "$T/err"; then
		# A placeholder for work in progress.
		echo "note: $c is a placeholder in this build; --help not checked"
		continue
	fi
	expect "$c --help" 0 0
	grep -q "usage: ctlsign $c" "$T/out" || fail "$c --help: no usage line: $(head -n 2 "$T/out")"
	run "$BIN" "$c" -h
	expect "$c -h" 0 0
done
# cluster is no longer a placeholder: its help must be real.
run "$BIN" cluster --help
expect "cluster --help (not a placeholder)" 0 0
grep -q "usage: ctlsign cluster" "$T/out" || fail "cluster --help: $(head -n 2 "$T/out")"
run "$BIN" no-such-command
expect "unknown command" 2
run "$BIN"
expect "no command" 2

finish
