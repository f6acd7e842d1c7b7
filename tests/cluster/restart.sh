#!/bin/sh
# restart.sh - `ctlsign cluster restart`: the TFTP and CallManager
# services restarted on every node, as the CLI asks after set-mode and
# `utils ctl update CTLFile`. Three nodes: n1 and n2 `restart = cli`
# (Cisco Tftp, then Cisco CallManager, each judged by the state the CLI
# ends on), n3 `restart = exec` (its restart_command is the CLI's one-shot
# `utils service restart Cisco Tftp`, which exits 0 even when the service
# does not come back: its printed state must still be STARTED).
#   - all restarted, text and JSON; the order on each node;
#   - `restart = none` is skipped, its node untouched;
#   - a restart that runs longer than the timeout, printing, succeeds;
#   - a service that ends NOTRUNNING (CLI, and exec exiting 0): exit 5
#     naming the node; the others restarted; the CLI node stops at the
#     first service that failed;
#   - words that are not the platform's are not judged; an exec restart
#     reporting more than 64 services fails (protocol);
#   - distribute --restart-services: a service not coming back after the
#     switch rolls the cluster back;
#   - an unreachable node: exit 5 naming it; the others restarted.
. "$(dirname "$0")/common.sh"
H_TIMEOUT=2
H_CMD_TIMEOUT=20
h_init 41
for i in 1 2 3; do h_node "$i"; done
h_known_hosts 1 2 3
h_conf "$H/base.conf" 3
sed '/^\[node n3\]$/a restart = exec\nrestart_user = root\nrestart_command = utils service restart Cisco Tftp' \
	"$H/base.conf" >"$H/c.conf"
C="$H/c.conf"
grep -q '^restart_command = utils service restart Cisco Tftp$' "$C" || fail "config: no exec node: $(cat "$C")"

both="Cisco Tftp
Cisco CallManager"
clear() { for i in 1 2 3; do rm -f "$H/n$i/restarts" "$H/n$i/restart_fails" "$H/n$i/restart_seconds"; done; }
# restarted I WANT WHAT: node I's restarts file is exactly WANT ("" none).
restarted() {
	_got=$(cat "$H/n$1/restarts" 2>/dev/null || true)
	[ "$_got" = "$2" ] || fail "$3: node $1 restarted '$(echo "$_got" | tr '\n' ',')', expected '$(echo "$2" | tr '\n' ',')'"
}

# Every node: one line each on stdout, nothing on stderr.
clear
run "$BIN" cluster restart -c "$C"
expect "restart" 0 "n1: restarted Cisco Tftp, Cisco CallManager (restart = cli)" \
	"n2: restarted Cisco Tftp, Cisco CallManager (restart = cli)" \
	"n3: restarted (restart = exec: utils service restart Cisco Tftp)"
[ "$(wc -l <"$H/out")" -eq 3 ] || fail "restart: not one line per node: $(cat "$H/out")"
[ ! -s "$H/err" ] || fail "restart: stderr: $(cat "$H/err")"
restarted 1 "$both" "restart"
restarted 2 "$both" "restart"
restarted 3 "Cisco Tftp" "restart"

# JSON, one node at a time.
clear
run "$BIN" cluster restart -c "$C" --json -j 1
expect "restart --json" 0
python3 - "$H/out" <<'PY' || fail "restart --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["command"] == "cluster restart" and r["error"] is None, r
assert [(n["name"], n["restart"], n["state"], n["error"]) for n in r["nodes"]] == [
    ("n1", "cli", "restarted", None), ("n2", "cli", "restarted", None),
    ("n3", "exec", "restarted", None)], r
PY
restarted 1 "$both" "restart --json"
restarted 3 "Cisco Tftp" "restart --json"

# restart = none: skipped, never contacted (its sshd is not even asked).
clear
sed '/^\[node n2\]$/a restart = none' "$C" >"$H/none.conf"
run "$BIN" cluster restart -c "$H/none.conf" --json
expect "restart = none" 0
python3 - "$H/out" <<'PY' || fail "restart = none --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert [(n["restart"], n["state"]) for n in r["nodes"]] == [
    ("cli", "restarted"), ("none", "skipped"), ("exec", "restarted")], r
PY
run "$BIN" cluster restart -c "$H/none.conf"
expect "restart = none (text)" 0 "n2: skipped (restart = none)"
restarted 2 "" "restart = none"
restarted 1 "$both
$both" "restart = none"

# A slow restart: 3 s on n2, printing every second; the timeout (2 s)
# bounds silence, not the command.
clear
echo 3 >"$H/n2/restart_seconds"
run "$BIN" cluster restart -c "$C"
expect "slow restart" 0 "n2: restarted Cisco Tftp, Cisco CallManager"
restarted 2 "$both" "slow restart"

# CallManager does not come back on n2: the CLI ends NOTRUNNING.
clear
echo "Cisco CallManager" >"$H/n2/restart_fails"
run "$BIN" cluster restart -c "$C"
expect "CallManager fails" 5 "n2: FAILED" \
	"node n2: \`utils service restart Cisco CallManager\`: Cisco CallManager ended NOTRUNNING, not STARTED" \
	"1 of 3 nodes failed to restart their services: n2" \
	"n1: restarted Cisco Tftp, Cisco CallManager" "n3: restarted"
grep -qF "n2: FAILED" "$H/out" || fail "CallManager fails: no node line on stdout: $(cat "$H/out")"
restarted 1 "$both" "CallManager fails"
restarted 2 "$both" "CallManager fails"
restarted 3 "Cisco Tftp" "CallManager fails"
run "$BIN" cluster restart -c "$C" --json
expect "CallManager fails --json" 5
python3 - "$H/out" <<'PY' || fail "CallManager fails --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["error"]["code"] == 5 and r["error"]["class"] == "remote", r
assert "n2" in r["error"]["message"], r
n1, n2, n3 = r["nodes"]
assert n1["state"] == "restarted" and n3["state"] == "restarted", r
assert n2["state"] == "failed" and n2["error"]["kind"] == "refused", r
assert n2["error"]["code"] is None and "NOTRUNNING" in n2["error"]["message"], r
PY

# Cisco Tftp does not come back on n2: CallManager is not tried.
clear
: >"$H/n2/restart_fails"
run "$BIN" cluster restart -c "$C"
expect "Tftp fails" 5 "Cisco Tftp ended NOTRUNNING" "1 of 3 nodes failed"
restarted 2 "Cisco Tftp" "Tftp fails"
restarted 1 "$both" "Tftp fails"

# The exec node's command exits 0, but the service it restarted is down.
clear
: >"$H/n3/restart_fails"
run "$BIN" cluster restart -c "$C"
expect "exec restart fails" 5 "n3: FAILED" \
	"node n3: restart command: Cisco Tftp ended NOTRUNNING, not STARTED" \
	"1 of 3 nodes failed to restart their services: n3"
restarted 1 "$both" "exec restart fails"
restarted 2 "$both" "exec restart fails"

# Lines not in the platform's words are not judged (a script's "[OK]");
# an exec restart naming more services than ctlsign remembers (64) is a
# failure, not a quadratic read.
clear
printf 'tftpd[OK]\nCisco Tftp[STARTED]\n' >"$H/n3/restart_extra"
run "$BIN" cluster restart -c "$C"
expect "foreign state word" 0 "n3: restarted"
python3 -c 'print("\n".join("Service %d[STARTED]" % i for i in range(65)))' >"$H/n3/restart_extra"
run "$BIN" cluster restart -c "$C" --json
expect "65 services" 5
python3 - "$H/out" <<'PY' || fail "65 services --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
n3 = r["nodes"][2]
assert n3["state"] == "failed" and n3["error"]["kind"] == "protocol", r
assert "more than 64 services" in n3["error"]["message"], r
assert [n["state"] for n in r["nodes"][:2]] == ["restarted", "restarted"], r
PY
python3 -c 'print("\n".join("Service %d[STARTED]" % i for i in range(63)))' >"$H/n3/restart_extra"
run "$BIN" cluster restart -c "$C"
expect "64 services" 0 "n3: restarted"
rm -f "$H/n3/restart_extra"

# Two nodes fail: both named, the count says so.
clear
: >"$H/n1/restart_fails"
: >"$H/n3/restart_fails"
run "$BIN" cluster restart -c "$C"
expect "two fail" 5 "2 of 3 nodes failed to restart their services: n1, n3" "n2: restarted"

# distribute --restart-services judges its restarts the same way:
# CallManager not coming back on n2 after the switch rolls every node back.
clear
mkctl "$H/old.tlv" 0
mkctl "$H/new.tlv" 1
install_old "$H/old.tlv" 3
echo "Cisco CallManager" >"$H/n2/restart_fails"
run "$BIN" cluster distribute -c "$C" "$H/new.tlv" --restart-services
expect "distribute, restart fails" 5 "n2: FAILED" \
	"Cisco CallManager ended NOTRUNNING, not STARTED" "n1: rolled back" "n3: rolled back"
for i in 1 2 3; do holds "$i" "$(md5 "$H/old.tlv")" "distribute, restart fails"; done

# n2 unreachable (its sshd stopped): named, the others restarted.
clear
h_stop_sshd 2
run "$BIN" cluster restart -c "$C" --json
expect "unreachable" 5
python3 - "$H/out" <<'PY' || fail "unreachable --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["error"]["code"] == 5 and "1 of 3" in r["error"]["message"], r
n1, n2, n3 = r["nodes"]
assert n1["state"] == "restarted" and n3["state"] == "restarted", r
assert n2["state"] == "failed" and n2["error"]["kind"] == "connect", r
PY
restarted 1 "$both" "unreachable"
restarted 3 "Cisco Tftp" "unreachable"
clear
run "$BIN" cluster restart -c "$C"
expect "unreachable (text)" 5 "n2: FAILED" "node n2" "1 of 3 nodes failed to restart their services: n2"
restarted 1 "$both" "unreachable (text)"

# No arguments are taken.
run "$BIN" cluster restart -c "$C" extra
expect "restart with an operand" 2
finish
