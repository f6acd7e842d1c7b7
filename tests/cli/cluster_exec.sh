#!/bin/sh
# cluster_exec.sh - the executable split (issue 11): `ctlsign` runs every
# command but `cluster` without the network libraries, and `ctlsign
# cluster ...` runs ctlsign-cluster (beside ctlsign, else installed);
# without it, one line and exit 6.
. "$(dirname "$0")/lib.sh"

good=$T/good.tlv
mkctl "$good"
dir=$(dirname "$BIN")

# No libssh, libcurl or inih in ctlsign, linked or loaded; they are in
# ctlsign-cluster (so this test can tell the two apart).
ldd "$BIN" >"$T/ldd" 2>&1 || fail "ldd $BIN: $(cat "$T/ldd")"
if grep -E 'libssh|libcurl|libinih' "$T/ldd"; then
	fail "ctlsign links the network libraries"
fi
ldd "$dir/ctlsign-cluster" | grep -q 'libssh' ||
	fail "ctlsign-cluster does not link libssh: $(ldd "$dir/ctlsign-cluster")"
LD_DEBUG=libs "$BIN" verify "$good" >"$T/out" 2>"$T/libs" ||
	fail "verify under LD_DEBUG: $(tail -n 3 "$T/libs")"
grep -q 'calling init' "$T/libs" || fail "LD_DEBUG=libs printed nothing to check"
if grep -E 'calling init: .*(libssh|libcurl|libinih)' "$T/libs"; then
	fail "ctlsign verify loads the network libraries"
fi
LD_DEBUG=libs "$BIN" cluster --help >"$T/out" 2>"$T/libs" || fail "cluster --help"
grep -q 'calling init: .*libssh' "$T/libs" ||
	fail "ctlsign cluster did not run ctlsign-cluster (no libssh loaded)"

# The cluster command behaves as before the split.
run "$BIN" cluster --help
expect "cluster --help" 0 0
grep -q '^usage: ctlsign cluster' "$T/out" || fail "cluster --help: $(head -n 2 "$T/out")"
run "$BIN" cluster
expect "cluster without a subcommand" 2 2 "ctlsign: cluster: no subcommand" \
	"Try 'ctlsign cluster --help'."
run "$BIN" cluster status -c "$T/nothere.conf"
[ "$rc" -ne 0 ] && [ "$rc" -ne 6 ] || fail "cluster with a missing config: exit $rc"
grep -qF "$T/nothere.conf" "$T/err" || fail "cluster config error: $(cat "$T/err")"

# Without ctlsign-cluster: one line naming it, exit 6, for cluster only.
installed=$(strings "$BIN" | grep '/ctlsign/ctlsign-cluster$' | head -n 1)
if [ -n "$installed" ] && [ -e "$installed" ]; then
	echo "$0: skipped the missing-program cases: $installed is installed"
else
	mkdir "$T/bin"
	cp "$BIN" "$T/bin/ctlsign"
	run "$T/bin/ctlsign" cluster status -c "$T/c.conf"
	expect "no ctlsign-cluster" 6 1 \
		"ctlsign: cluster: cannot find ctlsign-cluster (beside the ctlsign executable or" \
		"the cluster commands are not installed"
	[ ! -s "$T/out" ] || fail "no ctlsign-cluster: stdout: $(cat "$T/out")"
	# One that cannot be run counts as missing; every other command works.
	printf '#!/bin/sh\necho ran\n' >"$T/bin/ctlsign-cluster"
	chmod 644 "$T/bin/ctlsign-cluster"
	run "$T/bin/ctlsign" cluster --help
	expect "ctlsign-cluster not executable" 6 1 "cannot find ctlsign-cluster"
	grep -q ran "$T/out" && fail "a non-executable ctlsign-cluster was run"
	run "$T/bin/ctlsign" verify "$good"
	expect "verify without ctlsign-cluster" 0 0

	# The program beside a copy is run only as OpenSSH's StrictModes
	# would trust it: a group-writable directory (anyone in the group
	# could put a program there) or program is refused, by name.
	mkdir "$T/gw"
	cp "$BIN" "$T/gw/ctlsign"
	cp "$dir/ctlsign-cluster" "$T/gw/ctlsign-cluster"
	chmod 775 "$T/gw"
	run "$T/gw/ctlsign" cluster --help
	expect "ctlsign-cluster in a group-writable directory" 6 1 \
		"ctlsign: cluster: refusing ctlsign-cluster beside the ctlsign executable" \
		"its directory $T/gw is writable by group or others (mode 0775)"
	[ ! -s "$T/out" ] || fail "group-writable directory: ctlsign-cluster ran: $(head -n 2 "$T/out")"
	chmod 755 "$T/gw"
	chmod 775 "$T/gw/ctlsign-cluster"
	run "$T/gw/ctlsign" cluster --help
	expect "a group-writable ctlsign-cluster" 6 1 \
		"refusing ctlsign-cluster beside the ctlsign executable" \
		"the file is writable by group or others (mode 0775)"
	chmod 755 "$T/gw/ctlsign-cluster"
	run "$T/gw/ctlsign" cluster --help
	expect "a safe copy" 0 0
	grep -q '^usage: ctlsign cluster' "$T/out" || fail "a safe copy: $(head -n 2 "$T/out")"
fi

finish
