#!/bin/sh
# distribute.sh - `ctlsign cluster distribute` to one node and to five:
# dry run touches nothing; the switch leaves the new file everywhere
# (checked over TFTP by the tool and on disk here) with a dated backup of
# the old one; a second run changes nothing; a file that does not verify
# never leaves the machine; --restart-services restarts through the CLI.
. "$(dirname "$0")/common.sh"
h_init 12
for i in 1 2 3 4 5; do h_node "$i"; done
h_known_hosts 1 2 3 4 5
h_conf "$H/one.conf" 1
h_conf "$H/five.conf" 5
mkctl "$H/old.tlv" 0
mkctl "$H/new.tlv" 1
old=$(md5 "$H/old.tlv")
new=$(md5 "$H/new.tlv")

# One node, no CTL there yet: the file appears, no backup is needed.
run "$BIN" cluster distribute -c "$H/one.conf" "$H/new.tlv"
expect "distribute to 1 node" 0 "n1: switched" "serves md5 $new" "every node serves CTLFile.tlv"
holds 1 "$new" "distribute to 1 node"
no_tmp 1 "distribute to 1 node"
[ "$(backups 1)" -eq 0 ] || fail "distribute to 1 node: a backup of nothing"
for i in 2 3 4 5; do holds "$i" none "distribute to 1 node (other nodes)"; done

# Five nodes holding the old CTL.
install_old "$H/old.tlv" 5
run "$BIN" cluster distribute -c "$H/five.conf" "$H/new.tlv" --dry-run
expect "dry run" 0 "n3: would change: md5 $old" "-> md5 $new"
for i in 1 2 3 4 5; do
	holds "$i" "$old" "dry run"
	[ "$(files "$i")" = "CTLFile.tlv " ] || fail "dry run: node $i holds $(files "$i")"
done

run "$BIN" cluster distribute -c "$H/five.conf" "$H/new.tlv" --json
expect "distribute to 5 nodes" 0
json_valid "cluster distribute" "distribute to 5 nodes"
python3 - "$H/out" "$old" "$new" <<'PY' || fail "distribute --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True and r["new"]["md5"] == sys.argv[3]
assert [n["name"] for n in r["nodes"]] == ["n1", "n2", "n3", "n4", "n5"]
for n in r["nodes"]:
    assert n["state"] == "switched", n
    assert n["old"]["md5"] == sys.argv[2], n
    assert n["holds"]["md5"] == sys.argv[3] and n["serves"]["md5"] == sys.argv[3], n
    assert ".bak-" in n["backup"] and n["error"] is None, n
PY
for i in 1 2 3 4 5; do
	holds "$i" "$new" "distribute to 5 nodes"
	no_tmp "$i" "distribute to 5 nodes"
	[ "$(backups "$i")" -eq 1 ] || fail "distribute to 5 nodes: node $i has $(backups "$i") backups"
	b=$(ls "$H/n$i/tftp/"CTLFile.tlv.bak-*)
	[ "$(md5 "$b")" = "$old" ] || fail "distribute to 5 nodes: node $i backup is not the old file"
done

# Again: nothing to do, no new backup.
run "$BIN" cluster distribute -c "$H/five.conf" "$H/new.tlv"
expect "distribute again" 0 "n2: unchanged"
for i in 1 2 3 4 5; do
	[ "$(backups "$i")" -eq 1 ] || fail "distribute again: node $i has $(backups "$i") backups"
done

# A file that does not verify is refused before any connection.
cp "$H/old.tlv" "$H/bad.tlv"
size=$(wc -c <"$H/bad.tlv")
printf 'X' | dd of="$H/bad.tlv" bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
run "$BIN" cluster distribute -c "$H/five.conf" "$H/bad.tlv"
[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "bad file: exit $rc, expected 1 or 2: $(cat "$H/err")"
grep -qF "not distributed" "$H/err" || grep -qF "bad.tlv" "$H/err" || fail "bad file: $(cat "$H/err")"
for i in 1 2 3 4 5; do holds "$i" "$new" "bad file refused"; done

# Back to the old file, restarting the services through the CLI.
run "$BIN" cluster distribute -c "$H/five.conf" "$H/old.tlv" --restart-services -j 2
expect "distribute --restart-services" 0 "every node serves CTLFile.tlv (md5 $old"
for i in 1 2 3 4 5; do
	holds "$i" "$old" "distribute --restart-services"
	grep -qx "Cisco Tftp" "$H/n$i/restarts" 2>/dev/null ||
		fail "distribute --restart-services: node $i TFTP not restarted"
	[ "$(backups "$i")" -eq 2 ] || fail "--restart-services: node $i has $(backups "$i") backups"
done
# restart = exec: a command over an exec channel (here the CLI stand-in
# runs it as CUCM's one-shot CLI would).
sed 's/^\[cluster\]$/[cluster]\nrestart = exec\nrestart_user = root\nrestart_command = utils service restart Cisco Tftp/' \
	"$H/five.conf" >"$H/exec.conf"
rm -f "$H/n1/restarts"
run "$BIN" cluster distribute -c "$H/exec.conf" "$H/new.tlv" --restart-services
expect "restart = exec" 0 "every node serves CTLFile.tlv (md5 $new"
[ "$(cat "$H/n1/restarts" 2>/dev/null)" = "Cisco Tftp" ] ||
	fail "restart = exec: node 1 restarts: $(cat "$H/n1/restarts" 2>/dev/null)"
finish
