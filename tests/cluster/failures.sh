#!/bin/sh
# failures.sh SCENARIO - a distribution to five nodes that fails on one
# of them, against real servers, and what every node holds afterwards:
# the old CTL everywhere (on disk, and served over TFTP per the report),
# no temporary file left (or reported), backups only on nodes whose
# switch had begun.
#   down        node 3's sshd is not running
#   hostkey     node 2 offers a key other than known_hosts holds (also
#               with --accept-new: a changed key stops hard)
#   perm        node 4's TFTP root is not writable by the SFTP account
#   full        node 5's TFTP root is a full tmpfs
#   cut-upload  node 2's sshd is killed halfway through the upload
#   cut-commit  node 3's sshd is killed just before its switch, after the
#               others switched: they are rolled back
#   tftp-dead   node 4's TFTP service is down: the read-back after the
#               switch fails and every node is rolled back
#   hang        node 2's sshd is stopped (SIGSTOP): it accepts the TCP
#               connection and says nothing; it costs a timeout, not a hang
#   hang-commit node 3's sshd and its sessions are stopped (SIGSTOP) just
#               before its switch, after it prepared: its rename, and
#               reading what it holds, cost timeouts, not a hang; the
#               others are rolled back
#   signal      SIGTERM to ctlsign while node 3 waits to switch, after the
#               others switched: the step ends, then every node is rolled
#               back (a signal must not leave the cluster half switched)
#   session-lost  after their switch, node 2's SFTP subsystem dies (its
#               SSH connection stays up) and node 5's connection drops
#               (not its sshd); node 4's TFTP service is down: the
#               rollback reconnects to nodes 2 and 5 and restores them
#   rollback-fails  as cut-commit, and node 2's TFTP root turns read-only
#               meanwhile: its rollback fails; the report and the summary
#               say it holds the NEW file
. "$(dirname "$0")/common.sh"
scenario=$1
case $scenario in
down) net=13 ;; hostkey) net=14 ;; perm) net=15 ;; full) net=16 ;;
cut-upload) net=17 ;; cut-commit) net=18 ;; tftp-dead) net=19 ;; hang) net=20 ;;
hang-commit) net=21 ;; signal) net=22 ;; rollback-fails) net=23 ;;
session-lost) net=24 ;;
*) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
case $scenario in tftp-dead | hang | hang-commit | session-lost) H_TIMEOUT=3 ;; esac
h_init "$net"
for i in 1 2 3 4; do h_node "$i"; done
if [ "$scenario" = full ]; then h_node 5 tmpfs 16k; else h_node 5; fi
h_known_hosts 1 2 3 4 5
h_conf "$H/c.conf" 5
C="$H/c.conf"
mkctl "$H/old.tlv" 0
mkctl "$H/new.tlv" 1
old=$(md5 "$H/old.tlv")
install_old "$H/old.tlv" 5

# h_signaltree SIG PID: send SIG to PID and all its descendants.
h_signaltree() {
	for _c in $(ps -o pid= --ppid "$2" 2>/dev/null); do
		h_signaltree "$1" "$_c"
	done
	kill "-$1" "$2" 2>/dev/null || true
}

# pause_run STEP NODE I [ACTION]: distribute with the test build's hook
# (ctlsign-cluster-testhooks, docs/cluster.md "Testing") pausing at STEP on
# NODE; kill node I's sshd while it waits; then let it go on.
HBIN=$(dirname "$BIN")/ctlsign-cluster-testhooks
[ -x "$HBIN" ] || fail "no test build $HBIN"
pause_run() {
	rm -f "$H/pause"
	set +e
	CTLSIGN_TEST_PAUSE="$1:$2" CTLSIGN_TEST_PAUSE_FILE="$H/pause" \
		"$HBIN" cluster distribute -c "$C" "$H/new.tlv" >"$H/out" 2>"$H/err" &
	pid=$!
	k=0
	while [ ! -e "$H/pause" ] && [ "$k" -lt 600 ]; do sleep 0.05; k=$((k + 1)); done
	[ -e "$H/pause" ] || fail "$scenario: the hook never paused"
	case ${4:-kill} in
	kill) h_stop_sshd "$3" ;;
	stop) h_signaltree STOP "$(cat "$H/n$3/sshd.lpid")" ;;
	term) kill -TERM "$pid" ;;
	rbfail)
		# n2 must have switched (the hook holds n3 only) before its
		# root turns read-only: it is its rollback that must fail.
		wait_holds 2 "$newsum"
		chmod 555 "$H/n2/tftp"
		h_stop_sshd "$3" ;;
	sesslost)
		# The hook holds n3 only: the others' workers may still be
		# renaming. Lose the sessions of n2 and n5 once they switched.
		wait_holds 2 "$newsum"
		wait_holds 5 "$newsum"
		# n2: its SFTP subsystem alone dies; sshd closes the channel
		# and the SSH connection stays up.
		for _p in $(h_descendants "$(cat "$H/n2/sshd.lpid")"); do
			ps -o args= -p "$_p" | grep -q 'internal-sftp' && kill -9 "$_p"
		done
		# n5: its whole connection, transport first (no channel close
		# is sent: the connection just drops).
		for _p in $(h_descendants "$(cat "$H/n5/sshd.lpid")"); do
			kill -9 "$_p" 2>/dev/null || true
		done
		h_killtree "$(cat "$H/n4/tftpd.pid")" ;;
	esac
	t0=$(date +%s)
	rm -f "$H/pause"
	wait "$pid"
	rc=$?
	t1=$(date +%s)
	set -e
}

# h_descendants PID: PID's descendants, each before its own children.
h_descendants() {
	for _c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$_c"
		h_descendants "$_c"
	done
}

# wait_holds I MD5: until node I holds MD5 on disk (its switch is done);
# at most 60 s, like the hook.
wait_holds() {
	_k=0
	while [ "$(h_md5 "$1")" != "$2" ] && [ "$_k" -lt 1200 ]; do
		sleep 0.05
		_k=$((_k + 1))
	done
	[ "$(h_md5 "$1")" = "$2" ] || fail "$scenario: node $1 never switched"
}

newsum=$(md5 "$H/new.tlv")
backed=""
newon=""
case $scenario in
down)
	h_stop_sshd 3
	run "$BIN" cluster distribute -c "$C" "$H/new.tlv"
	expect down 5 "node n3" "unreachable" "n1: kept old" "n3: FAILED"
	;;
hostkey)
	ssh-keygen -q -t ed25519 -N '' -f "$H/other_key"
	grep -vF "[$(cat "$H/n2/ip")]:" "$H/known_hosts" >"$H/kh"
	printf '[%s]:%s %s\n' "$(cat "$H/n2/ip")" "$(cat "$H/n2/port")" \
		"$(cut -d' ' -f1,2 "$H/other_key.pub")" >>"$H/kh"
	cp "$H/kh" "$H/known_hosts"
	run "$BIN" cluster distribute -c "$C" "$H/new.tlv"
	expect hostkey 5 "node n2" "HOST KEY CHANGED" "n2: FAILED"
	run "$BIN" cluster distribute -c "$C" "$H/new.tlv" --accept-new
	expect "hostkey --accept-new" 5 "HOST KEY CHANGED"
	cmp -s "$H/kh" "$H/known_hosts" || fail "hostkey: known_hosts was modified"
	;;
perm)
	chmod 555 "$H/n4/tftp"
	run "$BIN" cluster distribute -c "$C" "$H/new.tlv"
	expect perm 5 "node n4" "permission denied" "n4: FAILED"
	chmod 755 "$H/n4/tftp"
	;;
full)
	dd if=/dev/zero of="$H/n5/tftp/filler" bs=1k count=64 2>/dev/null || true
	run "$BIN" cluster distribute -c "$C" "$H/new.tlv"
	expect full 5 "node n5" "disk full" "n5: FAILED"
	rm -f "$H/n5/tftp/filler"
	;;
cut-upload)
	pause_run upload n2 2
	expect cut-upload 5 "node n2" "n2: FAILED" "n1: kept old"
	;;
cut-commit)
	pause_run commit n3 3
	expect cut-commit 5 "node n3" "n3: FAILED" "n1: rolled back" "n5: rolled back"
	backed="1 2 3 4 5" # n3 too: its switch failed after its backup was made
	;;
tftp-dead)
	h_killtree "$(cat "$H/n4/tftpd.pid")"
	run "$BIN" cluster distribute -c "$C" "$H/new.tlv"
	expect tftp-dead 5 "node n4" "TFTP read-back" "n1: rolled back"
	backed="1 2 3 4 5"
	;;
hang-commit)
	pause_run commit n3 3 stop
	h_signaltree CONT "$(cat "$H/n3/sshd.lpid")"
	expect hang-commit 5 "node n3" "n3: FAILED" "n1: rolled back" "n5: rolled back"
	[ $((t1 - t0)) -lt 30 ] || fail "hang-commit: a stopped node cost $((t1 - t0)) s"
	backed="1 2 3 4 5"
	;;
signal)
	pause_run commit n3 3 term
	expect signal 5 "interrupted" "n1: rolled back" "n3: rolled back" "n5: rolled back"
	backed="1 2 3 4 5"
	;;
session-lost)
	pause_run commit n3 3 sesslost
	expect session-lost 5 "node n4" "TFTP read-back" "n1: rolled back" "n2: rolled back" \
		"n5: rolled back"
	backed="1 2 3 4 5"
	;;
rollback-fails)
	pause_run commit n3 3 rbfail
	chmod 755 "$H/n2/tftp"
	expect rollback-fails 5 "n2: FAILED" "rollback failed, it holds the NEW file" \
		"n1: rolled back" "1 node(s) could not be rolled back and hold the NEW file"
	grep -q "every other node keeps" "$H/err" &&
		fail "rollback-fails: the summary says every other node has its old file"
	backed="1 2 3 4 5"
	newon=2
	;;
hang)
	kill -STOP "$(cat "$H/n2/sshd.lpid")"
	t0=$(date +%s)
	run "$BIN" cluster distribute -c "$C" "$H/new.tlv"
	t1=$(date +%s)
	kill -CONT "$(cat "$H/n2/sshd.lpid")"
	expect hang 5 "node n2" "n2: FAILED" "n1: kept old"
	[ $((t1 - t0)) -lt 30 ] || fail "hang: a stopped node cost $((t1 - t0)) s"
	;;
esac

# What every node holds now: the old CTL, as the report says.
new=$(md5 "$H/new.tlv")
for i in 1 2 3 4 5; do
	if [ "$i" = "$newon" ]; then
		holds "$i" "$new" "$scenario"
		grep -q "^n$i: .*holds md5 $new" "$H/out" ||
			fail "$scenario: report for n$i: $(grep "^n$i:" "$H/out")"
		continue
	fi
	holds "$i" "$old" "$scenario"
	case " $backed " in
	*" $i "*) [ "$(backups "$i")" -eq 1 ] ||
		fail "$scenario: node $i has $(backups "$i") backups, expected 1" ;;
	*) [ "$(backups "$i")" -eq 0 ] ||
		fail "$scenario: node $i keeps $(backups "$i") backups of an aborted run" ;;
	esac
	left=$(ls -A "$H/n$i/tftp" | grep '\.tmp\.' || true)
	if [ -n "$left" ]; then
		grep -q "^n$i: .*temporary file left" "$H/out" ||
			fail "$scenario: node $i holds $left and the report does not say so"
	fi
	grep -q "^n$i: .*holds md5 $old" "$H/out" || grep -q "^n$i: .*holds unknown" "$H/out" ||
		fail "$scenario: report for n$i: $(grep "^n$i:" "$H/out")"
	if { [ "$scenario" != tftp-dead ] && [ "$scenario" != session-lost ]; } ||
		[ "$i" -ne 4 ]; then
		grep -q "^n$i: .*serves md5 $old" "$H/out" ||
			fail "$scenario: n$i does not serve the old file per the report: $(grep "^n$i:" "$H/out")"
	fi
done
finish
