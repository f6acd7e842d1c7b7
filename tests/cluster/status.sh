#!/bin/sh
# status.sh - status, host-key policy (unknown key stops with its
# fingerprint; --accept-new records it), set-mode, update-ctl and
# fetch-certs against three simulated nodes (real sshd + tftpd-hpa, the
# fake admin CLI).
. "$(dirname "$0")/common.sh"
h_init 11
for i in 1 2 3; do h_node "$i"; done
h_conf "$H/cluster.conf" 3
C="$H/cluster.conf"

# Unknown host keys: stop, print each fingerprint and how to accept.
fp1=$(ssh-keygen -lf "$H/n1/host_key.pub" | cut -d' ' -f2)
run "$BIN" cluster status -c "$C"
expect "status, keys unknown" 5 "host key unknown" "NOT TRUSTED" "$fp1" \
	"ctlsign cluster status -c $C --accept-new"
[ ! -s "$H/known_hosts" ] || fail "status without --accept-new wrote known_hosts"
run "$BIN" cluster status -c "$C" --json
expect "status --json, keys unknown" 5
json_valid "cluster status" "status --json, keys unknown"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if d["nodes"][0]["error"]["kind"] == "hostkey-unknown" else 1)' "$H/out" ||
	fail "status --json, keys unknown: no hostkey-unknown: $(cat "$H/out")"

run "$BIN" cluster status -c "$C" --accept-new
expect "status --accept-new (no CTL yet)" 0 "security mode non-secure" "no node serves CTLFile.tlv"
[ "$(wc -l <"$H/known_hosts")" -eq 3 ] || fail "--accept-new recorded $(wc -l <"$H/known_hosts") keys, expected 3"
grep -qF "[$(cat "$H/n2/ip")]:$(cat "$H/n2/port") " "$H/known_hosts" ||
	fail "known_hosts entry is not [host]:port: $(cat "$H/known_hosts")"

# set-mode mixed: the CLI asks (y/n), the mode is read back, the CTL
# appears on every node.
run "$BIN" cluster set-mode -c "$C" mixed
expect "set-mode mixed" 0 "cluster security mode: 1 (mixed)"
[ "$(cat "$H/mode")" = 1 ] || fail "set-mode mixed: mode on disk is $(cat "$H/mode")"
m1=$(h_md5 1)
[ "$m1" != none ] || fail "set-mode mixed: no CTLFile.tlv on the publisher"
for i in 2 3; do holds "$i" "$m1" "set-mode mixed"; done

run "$BIN" cluster status -c "$C"
expect "status, mixed" 0 "security mode mixed" "md5 $m1" "valid" "all nodes serve the same file"
run "$BIN" cluster status -c "$C" --json
expect "status --json" 0
json_valid "cluster status" "status --json"
python3 - "$H/out" "$m1" <<'PY' || fail "status --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["identical"] is True
assert len(r["nodes"]) == 3
for n in r["nodes"]:
    assert n["reachable"] and n["host_key_ok"] and n["valid"], n
    assert n["security_mode"] == "mixed", n
    assert n["served"]["md5"] == sys.argv[2], n
PY

# set-mode --json: the mode read back, as a name.
run "$BIN" cluster set-mode -c "$C" mixed --json
expect "set-mode --json" 0
json_valid "cluster set-mode" "set-mode --json"
grep -qF '"security_mode":"mixed"' "$H/out" || fail "set-mode --json: $(cat "$H/out")"

# update-ctl: a new CTL, then every node is checked to serve it.
sleep 1
run "$BIN" cluster update-ctl -c "$C"
expect "update-ctl" 0 "all nodes serve the same file"
m2=$(h_md5 1)
[ "$m2" != "$m1" ] || fail "update-ctl: CTLFile.tlv did not change"
grep -qF "md5 $m2" "$H/out" || fail "update-ctl: status does not show the new md5 $m2"
for i in 2 3; do holds "$i" "$m2" "update-ctl"; done

# fetch-certs: each node's four certificates, as PEM, ready for build.
run "$BIN" cluster fetch-certs -c "$C" --out "$H/certs"
expect "fetch-certs" 0 "n1: 4 certificate(s)" "n3: 4 certificate(s)"
cmp -s "$H/certs/n1/CallManager.pem" "$DATA/pub.pem" || fail "fetch-certs: n1 CallManager.pem differs"
cmp -s "$H/certs/n2/CallManager.pem" "$DATA/sub1.pem" || fail "fetch-certs: n2 CallManager.pem differs"
for c in CAPF TVS ITLRecovery; do
	[ -s "$H/certs/n3/$c.pem" ] || fail "fetch-certs: no n3/$c.pem"
done
cp "$DATA/pub.key" "$H/k"
chmod 600 "$H/k"
# A fixed past timestamp: the fake CLI stamps its CTL now + its serial,
# from the same certificates and key, and the signature is
# deterministic, so a build stamped "now" can be the very file the nodes
# serve (the same second) and "one node differs" below would not differ.
run "$BIN" build -q -o "$H/from-fetched.tlv" --timestamp "$TS" --sign-key "$H/k" \
	--sign-cert "$H/certs/n1/CallManager.pem" \
	--ccm-tftp "$H/certs/n1/CallManager.pem,dns=cucm-pub,ip=10.0.0.1" \
	--capf "$H/certs/n1/CAPF.pem,dns=cucm-pub,ip=10.0.0.1" \
	--ccm-tftp "$H/certs/n2/CallManager.pem,dns=cucm-sub1,ip=10.0.0.2"
expect "build from fetched certificates" 0
[ "$(md5 "$H/from-fetched.tlv")" != "$m2" ] ||
	fail "build from fetched certificates: the same file as the nodes serve"
# A node's directory that is a symbolic link (planted in a shared --out)
# is refused: nothing is written through it.
mkdir "$H/elsewhere" "$H/certs2"
ln -s "$H/elsewhere" "$H/certs2/n2"
run "$BIN" cluster fetch-certs -c "$C" --out "$H/certs2"
expect "fetch-certs, symlink" 5 "certs2/n2: not a directory" "n1: 4 certificate(s)"
rm -rf "$H/certs3"
mkdir "$H/elsewhere3" "$H/certs3"
ln -s "$H/elsewhere3" "$H/certs3/n2"
run "$BIN" cluster fetch-certs -c "$C" --out "$H/certs3" --json
expect "fetch-certs --json, symlink" 5
json_valid "cluster fetch-certs" "fetch-certs --json, symlink"
# Under --json the report's errors are in the document only (docs/json.md).
[ ! -s "$H/err" ] || fail "fetch-certs --json, symlink: stderr: $(cat "$H/err")"
[ -z "$(ls -A "$H/elsewhere")" ] || fail "fetch-certs wrote through a symbolic link"

# A node serving another (valid) CTL: not identical, exit 5; a node
# serving a broken one: INVALID, exit 1.
cp "$H/n3/tftp/CTLFile.tlv" "$H/keep.tlv"
cp "$H/from-fetched.tlv" "$H/n3/tftp/CTLFile.tlv"
run "$BIN" cluster status -c "$C"
expect "status, one node differs" 5 "nodes serve DIFFERENT files"
run "$BIN" cluster status -c "$C" --json
expect "status --json, one node differs" 5
json_valid "cluster status" "status --json, one node differs"
grep -qF '"identical":false' "$H/out" || fail "status --json, one node differs: $(cat "$H/out")"
size=$(wc -c <"$H/keep.tlv")
cp "$H/keep.tlv" "$H/n3/tftp/CTLFile.tlv"
printf 'X' | dd of="$H/n3/tftp/CTLFile.tlv" bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
run "$BIN" cluster status -c "$C"
expect "status, one node serves a broken CTL" 1 "INVALID"
run "$BIN" cluster status -c "$C" --json
expect "status --json, one node serves a broken CTL" 1
json_valid "cluster status" "status --json, one node serves a broken CTL"
grep -qF '"valid":false' "$H/out" || fail "status --json, a broken CTL: $(cat "$H/out")"
cp "$H/keep.tlv" "$H/n3/tftp/CTLFile.tlv"

# auth = password: taken from CTLSIGN_SSH_PASSWORD (these servers refuse
# passwords), never printed.
sed 's/^auth = key$/auth = password/' "$C" >"$H/pw.conf"
CTLSIGN_SSH_PASSWORD=hunter2-secret run "$BIN" cluster status -c "$H/pw.conf"
expect "auth = password" 5 "authentication refused"
grep -q hunter2 "$H/out" "$H/err" && fail "the password appears in the output"

run "$BIN" cluster set-mode -c "$C" non-secure
expect "set-mode non-secure" 0 "cluster security mode: 0 (non-secure)"
[ "$(cat "$H/mode")" = 0 ] || fail "set-mode non-secure: mode on disk is $(cat "$H/mode")"

# libssh expands %d, %u... in the known_hosts name it is given; ctlsign
# hands it the checked file's name escaped, so a '%' in a directory name
# is read and written as is (unescaped, %d would be ~/.ssh).
mkdir "$H/kh%d"
sed "s|^known_hosts = .*|known_hosts = $H/kh%d/known_hosts|" "$C" >"$H/pct.conf"
run "$BIN" cluster status -c "$H/pct.conf" --accept-new
expect "known_hosts under a name with %" 0 "reachable, host key OK"
[ "$(wc -l <"$H/kh%d/known_hosts" 2>/dev/null)" = 3 ] ||
	fail "known_hosts under a name with %: $(ls -R "$H/kh%d" 2>&1)"
# A known_hosts others can write: refused before any node is asked,
# also with --accept-new, and never written to.
chmod 664 "$H/kh%d/known_hosts"
cp "$H/kh%d/known_hosts" "$H/kh.before"
sed '2d' "$H/kh.before" >"$H/kh%d/known_hosts"
run "$BIN" cluster status -c "$H/pct.conf" --accept-new
expect "group-writable known_hosts" 2 "writable by group or others" \
	"chmod go-w $H/kh%d/known_hosts"
grep -q "reachable" "$H/out" && fail "group-writable known_hosts: a node was asked"
[ "$(wc -l <"$H/kh%d/known_hosts")" -eq 2 ] || fail "a refused known_hosts was written to"

# The configuration refuses passwords; a bad line is named.
printf '[node x]\nhost = 127.0.11.9\ncli_user = a\npassword = secret\n' >"$H/bad.conf"
run "$BIN" cluster status -c "$H/bad.conf"
expect "password in the config" 2 "line 4" "password is not allowed"
grep -q secret "$H/err" && fail "the password appears in the error message"

# A node whose TFTP does not answer: whether the nodes agree is not
# known; neither "the same file" nor "DIFFERENT" is claimed (last: n3
# serves nothing after this).
h_killtree "$(cat "$H/n3/tftpd.pid")"
sed 's/^timeout = .*/timeout = 3/' "$C" >"$H/short.conf"
run "$BIN" cluster status -c "$H/short.conf"
expect "status, a TFTP silent" 5 "n3" "not readable over TFTP" "is not known"
grep -qE "DIFFERENT|serve the same file" "$H/out" &&
	fail "status, a TFTP silent: judged the files: $(cat "$H/out")"
run "$BIN" cluster status -c "$H/short.conf" --json
expect "status --json, a TFTP silent" 5
json_valid "cluster status" "status --json, a TFTP silent"
grep -qF '"identical":null' "$H/out" || fail "status --json, a TFTP silent: $(cat "$H/out")"
finish
