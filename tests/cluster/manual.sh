#!/bin/sh
# manual.sh - long CLI commands and nodes ctlsign cannot write.
#   - A restart that runs longer than the timeout but keeps printing
#     progress succeeds (the timeout bounds silence); one that prints
#     forever is cut at command_timeout and the cluster rolled back.
#   - A node with a CLI and no sftp_user (a CUCM node) gets the manual
#     path: without --wait-manual nothing is switched and the person's
#     step is printed; waiting, the step done meanwhile (here: the test
#     puts the file in its TFTP root) is seen over TFTP and every node
#     switches; the step not done, that node is named and nothing else
#     switches.
. "$(dirname "$0")/common.sh"
H_TIMEOUT=2
H_CMD_TIMEOUT=5
h_init 26
for i in 1 2 3; do h_node "$i"; done
h_known_hosts 1 2 3
h_conf "$H/c.conf" 3
C="$H/c.conf"
mkctl "$H/old.tlv" 0
mkctl "$H/new.tlv" 1
mkctl "$H/new2.tlv" 2
old=$(md5 "$H/old.tlv")
new=$(md5 "$H/new.tlv")
install_old "$H/old.tlv" 3

# Restarts of 3 s printing every second, timeout 2 s, command_timeout 5 s.
for i in 1 2 3; do echo 3 >"$H/n$i/restart_seconds"; done
t0=$(now)
run "$BIN" cluster distribute -c "$C" "$H/new.tlv" --restart-services
t1=$(now)
expect "slow restart" 0 "every node serves CTLFile.tlv (md5 $new"
echo "timing: distribute with 3-s restarts (2 per node): $(took "$t0" "$t1") s"
for i in 1 2 3; do holds "$i" "$new" "slow restart"; done
grep -qx "Cisco CallManager" "$H/n2/restarts" || fail "slow restart: CallManager not restarted on n2"

# A restart that never ends, printing all the while: cut at 5 s, rolled back.
for i in 1 2 3; do rm -f "$H/n$i/restart_seconds"; done
touch "$H/n2/restart_forever"
t0=$(now)
run "$BIN" cluster distribute -c "$C" "$H/old.tlv" --restart-services
t1=$(now)
expect "restart forever" 5 "n2: FAILED" "still running after 5 s (command_timeout)" "n1: rolled back"
echo "timing: distribute with a restart printing forever: $(took "$t0" "$t1") s (command_timeout 5 s)"
for i in 1 2 3; do holds "$i" "$new" "restart forever (rolled back to the file before)"; done
rm -f "$H/n2/restart_forever"

# n3 is a CUCM node: a CLI, no write path.
sed '/^\[node n3\]$/a sftp_user =' "$C" >"$H/m.conf"
M="$H/m.conf"
run "$BIN" cluster distribute -c "$M" "$H/new2.tlv"
expect "manual node, no wait" 5 "node n3 (" "no write path" \
	"TFTP File Management > Upload File: file $H/new2.tlv" "restart Cisco Tftp on n3" \
	"n3: needs a person" "n1: kept old" "nothing was switched"
for i in 1 2 3; do holds "$i" "$new" "manual node, no wait"; done
for i in 1 2; do no_tmp "$i" "manual node, no wait"; done

# Waiting: the person's step happens meanwhile.
rm -f "$H/out" "$H/err"
t0=$(now)
set +e
"$BIN" cluster distribute -c "$M" "$H/new2.tlv" --wait-manual 30 --json >"$H/out" 2>"$H/err" &
pid=$!
set -e
wait_for "$H/err" "waiting up to 30 s for n3" || fail "manual wait: no instructions: $(cat "$H/err")"
holds 1 "$(md5 "$H/new.tlv")" "manual wait: before the person's step, n1 not switched yet"
# While it waits, n2's prepared connection drops (its sshd's session
# process dies; the listener stays): the switch must reconnect.
kids=$(ps -o pid= --ppid "$(cat "$H/n2/sshd.lpid")")
[ -n "$kids" ] || fail "manual wait: n2 has no connection to drop"
for c in $kids; do h_killtree "$c"; done
cp "$H/new2.tlv" "$H/n3/tftp/CTLFile.tlv.upload"
mv "$H/n3/tftp/CTLFile.tlv.upload" "$H/n3/tftp/CTLFile.tlv"
set +e
wait "$pid"
rc=$?
set -e
t1=$(now)
expect "manual wait, step done" 0
json_valid "cluster distribute" "manual wait --json"
echo "timing: manual wait, step done, n2 reconnected: $(took "$t0" "$t1") s"
python3 - "$H/out" "$(md5 "$H/new2.tlv")" <<'PY' || fail "manual wait --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True
by = {n["name"]: n for n in r["nodes"]}
assert by["n3"]["manual"] is True and by["n3"]["state"] == "switched", by["n3"]
assert by["n1"]["manual"] is False and by["n1"]["state"] == "switched", by["n1"]
for n in r["nodes"]:
    assert n["serves"]["md5"] == sys.argv[2], n
PY
for i in 1 2 3; do holds "$i" "$(md5 "$H/new2.tlv")" "manual wait, step done"; done

# Waiting, and the step is not done: n3 is named, nothing else switches.
t0=$(now)
run "$BIN" cluster distribute -c "$M" "$H/old.tlv" --wait-manual 2
t1=$(now)
expect "manual wait, no step" 5 "n3: FAILED" "did not serve the new CTLFile.tlv within 2 s" \
	"n1: kept old" "n2: kept old"
echo "timing: manual wait of 2 s, step not done: $(took "$t0" "$t1") s"
for i in 1 2 3; do holds "$i" "$(md5 "$H/new2.tlv")" "manual wait, no step"; done

# Waiting, and interrupted (SIGTERM, handled as Ctrl-C is: a script's
# background job ignores SIGINT): said so, not "did not serve".
set +e
"$BIN" cluster distribute -c "$M" "$H/old.tlv" --wait-manual 30 >"$H/out" 2>"$H/err" &
pid=$!
set -e
wait_for "$H/err" "waiting up to 30 s for n3" || true
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
expect "manual wait, interrupted" 5 "n3: FAILED" \
	"the wait for the manual step (new CTLFile.tlv) was interrupted by a signal"
grep -q "did not serve" "$H/out" "$H/err" && fail "manual wait, interrupted: says it timed out: $(cat "$H/err")"
for i in 1 2 3; do holds "$i" "$(md5 "$H/new2.tlv")" "manual wait, interrupted"; done
finish
