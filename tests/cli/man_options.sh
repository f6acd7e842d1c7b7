#!/bin/sh
# man_options.sh - the man page and --help cannot drift apart: every
# command `ctlsign --help` lists has a section of its own in
# docs/ctlsign.1 (.SH with the command's name in capitals), every option
# a command's --help shows is described in that section, and every option
# the man page names is one that some command's --help shows (a section
# may point to another command's option). Options are the long forms
# (--name); "\-" in the roff source is "-".
. "$(dirname "$0")/lib.sh"
MAN=$(dirname "$0")/../../docs/ctlsign.1
[ -f "$MAN" ] || { fail "no man page at $MAN"; finish; }

# opts_of FILE: the long options FILE names, one per line, sorted.
opts_of() {
	sed 's/\\-/-/g' "$1" | grep -o -- '--[a-z0-9][a-z0-9-]*[a-z0-9]' |
		sort -u || true
}

# section NAME: the man page's .SH NAME section, up to the next .SH.
section() {
	awk -v want=".SH $1" '
		/^\.SH / { on = ($0 == want || $0 == want " "); next }
		on { print }' "$MAN"
}

run "$BIN" --help
expect "ctlsign --help" 0 0
cmds=$(sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$T/out")
[ -n "$cmds" ] || fail "no commands listed by --help"
: >"$T/all-help"
for c in $cmds; do
	run "$BIN" "$c" --help
	expect "$c --help" 0 0
	cp "$T/out" "$T/help-$c"
	# A subcommand with a help of its own ("ctlsign sgn encrypt --help").
	for sub in $(sed -n "s/.*ctlsign $c \([a-z][a-z-]*\) --help.*/\1/p" "$T/help-$c"); do
		run "$BIN" "$c" "$sub" --help
		expect "$c $sub --help" 0 0
		cat "$T/out" >>"$T/help-$c"
	done
	opts_of "$T/help-$c" | grep -vx -- '--help' >"$T/help-opts" || true
	cat "$T/help-opts" >>"$T/all-help"
	up=$(echo "$c" | tr 'a-z-' 'A-Z ')
	section "$up" >"$T/man-$c"
	if [ ! -s "$T/man-$c" ]; then
		fail "docs/ctlsign.1 has no section .SH $up for '$c'"
		continue
	fi
	opts_of "$T/man-$c" | grep -vx -- '--help' >"$T/man-opts" || true
	for o in $(comm -23 "$T/help-opts" "$T/man-opts"); do
		fail "$c: $o is in --help but not in the man page's $up section"
	done
done
sort -u "$T/all-help" -o "$T/all-help"
opts_of "$MAN" | grep -vx -e '--help' -e '--version' >"$T/man-all" || true
for o in $(comm -13 "$T/all-help" "$T/man-all"); do
	fail "the man page names $o, which no command's --help shows"
done
finish
