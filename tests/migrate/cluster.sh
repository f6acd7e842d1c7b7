# cluster.sh - `ctlsign migrate` on the loopback cluster of
# tests/cluster (real sshd and tftpd per node, the CUCM CLI stand-in):
#   - signer-change over three nodes: published with `cluster
#     distribute`, read back over TFTP; an interruption before and
#     after every step and in the middle of each distribution (a node
#     held between upload and switch), then resume: the same end state
#     on every node as an uninterrupted run;
#   - a node changed behind the plan's back stops it (21), naming it;
#   - a node down at resume: exit 5, nothing published;
#   - mixed-mode through the CUCM CLI: set-mode, restart on every node,
#     every node read back, the phones' step.
#   usage: sh tests/migrate/cluster.sh CTLSIGN TESTS_DATA_DIR
HSRC=$(cd "$(dirname "$0")/../cluster" && pwd)
. "$HSRC/common.sh"
. "$(dirname "$0")/lib.sh"
TH=$(dirname "$BIN")/ctlsign-testhooks
[ -x "$TH" ] || { echo "skip: no ctlsign-testhooks beside $BIN"; exit 77; }

h_init 51
h_node 1
h_node 2
h_node 3
h_known_hosts 1 2 3
h_conf "$H/cluster.conf" 3
M=$H
cp "$DATA/itlrecovery.key" "$H/new.key"
chmod 600 "$H/new.key"
mkctl "$H/held.tlv" 0
OLD=$(md5 "$H/held.tlv")

reset_nodes() {
	# A run killed by SIGKILL mid-upload leaves its temporary file.
	rm -f "$H"/n*/tftp/*.tmp.*
	install_old "$H/held.tlv" 3
	echo 1 >"$H/mode"
}
signer_args() {
	echo signer-change -c "$H/cluster.conf" --state "$H/$1" --ctl "$H/held.tlv" \
		--sign-key "$H/sign.key" --sign-cert "$DATA/pub.pem" \
		--new-key "$H/new.key" --new-cert "$DATA/itlrecovery.pem" --timestamp $((TS + 100))
}
ends() { echo "$(h_md5 1) $(h_md5 2) $(h_md5 3) $(next_step "$H/$1")"; }

# --- uninterrupted ---
reset_nodes
# shellcheck disable=SC2046
drive "$H/ref" - $(signer_args ref)
REF=$(ends ref)
NEW=$(md5 "$H/ref/files/5/CTLFile.tlv")
[ "$REF" = "$NEW $NEW $NEW 9" ] || fail "reference: nodes end as $REF, expected $NEW on each"
grep -q "ctlsign cluster distribute -c $H/cluster.conf $H/ref/files/1/CTLFile.tlv --as CTLFile.tlv --restart-services" "$H/log" ||
	fail "reference: the distribute command is not shown"
[ "$(grep -c 'Cisco Tftp' "$H/n2/restarts")" -eq 2 ] || fail "reference: node 2 not restarted twice: $(cat "$H/n2/restarts")"
run "$BIN" migrate status --state "$H/ref"
expect "status" 0 "n3: " "(as the plan expects)"

# --- interrupted at each step boundary, and in the middle of a distribution ---
for spec in migrate-before:1/KILL migrate-after:2/KILL migrate-before:3/KILL \
	migrate-published:3/KILL upload:n2/TERM commit:n3/KILL migrate-after:4/KILL \
	migrate-after:5/KILL migrate-after:6/KILL commit:n1/TERM migrate-published:7/KILL \
	migrate-after:7/KILL migrate-before:8/KILL; do
	reset_nodes
	d=i$(echo "$spec" | tr -c 'a-z0-9\n' '_')
	# shellcheck disable=SC2046
	drive "$H/$d" "$spec" $(signer_args "$d")
	got=$(ends "$d")
	[ "$got" = "$REF" ] || fail "interrupted at $spec: nodes end as $got, expected $REF"
	# SIGTERM lets a distribution roll back and remove what it uploaded.
	case $spec in
	*/TERM) for i in 1 2 3; do no_tmp "$i" "interrupted at $spec"; done ;;
	esac
done

# --- a node changed behind the plan ---
reset_nodes
# shellcheck disable=SC2046
invoke - - migrate $(signer_args chg)
[ "$rc" -eq 20 ] || fail "changed: expected the stop at step 4, exit $rc: $(cat "$H/err")"
mkctl "$H/other.tlv" 50
cp "$H/other.tlv" "$H/n2/tftp/CTLFile.tlv"
run "$BIN" migrate resume --state "$H/chg" --confirm 4
expect "node changed" 21 "n2 now serves a CTLFile.tlv the plan did not publish"
[ "$(next_step "$H/chg")" = 4 ] || fail "node changed: the plan moved on"
holds 1 "$(md5 "$H/chg/files/1/CTLFile.tlv")" "node changed: node 1 was touched"

# --- a node down: no judgement of the world, nothing done ---
cp "$H/chg/files/1/CTLFile.tlv" "$H/n2/tftp/CTLFile.tlv"
h_stop_sshd 3
kill "$(cat "$H/n3/tftpd.pid")"
run "$BIN" migrate resume --state "$H/chg" --confirm 4
expect "node down" 5 "cannot see what node n3 serves"
[ "$(next_step "$H/chg")" = 4 ] || fail "node down: the plan moved on"
h_node 3
h_known_hosts 3
h_conf "$H/cluster.conf" 3

# --- mixed-mode through the CUCM CLI ---
for i in 1 2 3; do rm -f "$H/n$i/tftp/CTLFile.tlv" "$H/n$i/restarts"; done
echo 0 >"$H/mode"
run "$BIN" migrate mixed-mode -c "$H/cluster.conf" --state "$H/mm"
expect "mixed-mode" 20 "utils ctl set-cluster mixed-mode" "the MD5" 
[ "$(cat "$H/mode")" = 1 ] || fail "mixed-mode: the cluster is not in mixed mode"
m1=$(h_md5 1)
[ "$m1" != none ] && [ "$m1" = "$(h_md5 2)" ] && [ "$m1" = "$(h_md5 3)" ] ||
	fail "mixed-mode: nodes serve $(h_md5 1) $(h_md5 2) $(h_md5 3)"
for i in 1 2 3; do
	[ "$(cat "$H/n$i/restarts" 2>/dev/null)" = "Cisco Tftp
Cisco CallManager" ] || fail "mixed-mode: node $i restarts: $(cat "$H/n$i/restarts" 2>/dev/null)"
done
run "$BIN" migrate resume --state "$H/mm" --confirm 5
expect "mixed-mode done" 0 "done: every step is finished"
# Interrupted after the CLI wrote the CTL, before the plan saw it: resume
# takes what the nodes serve then (the CLI's file), restarts, reads back.
for spec in migrate-after:2/KILL migrate-before:3/KILL migrate-after:3/KILL migrate-after:4/KILL; do
	for i in 1 2 3; do rm -f "$H/n$i/tftp/CTLFile.tlv" "$H/n$i/restarts"; done
	echo 0 >"$H/mode"
	d=m$(echo "$spec" | tr -c 'a-z0-9\n' '_')
	drive "$H/$d" "$spec" mixed-mode -c "$H/cluster.conf" --state "$H/$d"
	[ "$(cat "$H/mode")" = 1 ] || fail "mixed-mode, $spec: the cluster is not in mixed mode"
	m1=$(h_md5 1)
	[ "$m1" != none ] && [ "$m1" = "$(h_md5 2)" ] && [ "$m1" = "$(h_md5 3)" ] ||
		fail "mixed-mode, $spec: nodes serve $(h_md5 1) $(h_md5 2) $(h_md5 3)"
	[ "$(next_step "$H/$d")" = 6 ] || fail "mixed-mode, $spec: not done"
	grep -q "Cisco CallManager" "$H/n3/restarts" || fail "mixed-mode, $spec: node 3 not restarted"
done
# Already mixed: refused before anything is done.
run "$BIN" migrate mixed-mode -c "$H/cluster.conf" --state "$H/mm2"
expect "mixed-mode again" 21 "serves a CTLFile.tlv"

# --- regenerate: one certificate, regenerated by the person, seen, then the CTL and restarts ---
reset_nodes
cp "$H/n1/certs/CallManager.pem" "$H/cm.orig"
cp "$H/n1/certs/TVS.pem" "$H/tvs.orig"
run "$BIN" migrate regenerate -c "$H/cluster.conf" --state "$H/rg0" --ctl "$H/held.tlv" --cert callmanager
expect "regenerate without accepting no-sbd" 2 "give --allow-stranded no-sbd to accept it"
[ ! -e "$H/rg0/plan.json" ] || fail "regenerate without accepting no-sbd: a plan was written"
run "$BIN" migrate regenerate -c "$H/cluster.conf" --state "$H/rg" --ctl "$H/held.tlv" --cert callmanager \
	--allow-stranded no-sbd
expect "regenerate: waits for the person" 20 "not yet: CallManager.pem is as it was on every node" \
	"Certificate Management > Find > CallManager.pem > Regenerate"
run "$BIN" migrate resume --state "$H/rg"
expect "regenerate: still not done" 20 "not yet"
cp "$DATA/itlrecovery.pem" "$H/n1/certs/CallManager.pem"   # the Regenerate button, as the stand-in sees it
run "$BIN" migrate resume --state "$H/rg"
expect "regenerate: seen, CTL updated, restarted" 20 "done: CallManager.pem changed on 1 node" \
	"utils ctl update CTLFile" "Cisco Trust Verification Service"
m1=$(h_md5 1)
[ "$m1" != "$OLD" ] && [ "$m1" = "$(h_md5 3)" ] || fail "regenerate: nodes serve $m1 $(h_md5 2) $(h_md5 3)"
run "$BIN" migrate resume --state "$H/rg" --confirm 6
expect "regenerate: TVS restarted" 20 "the MD5 the phones must show"
run "$BIN" migrate resume --state "$H/rg" --confirm 8
expect "regenerate: done" 0 "done: every step is finished"
# CallManager.pem and TVS.pem regenerated together: stopped, named, nothing published.
cp "$H/cm.orig" "$H/n1/certs/CallManager.pem"
reset_nodes
run "$BIN" migrate regenerate -c "$H/cluster.conf" --state "$H/rg2" --ctl "$H/held.tlv" --cert callmanager \
	--allow-stranded no-sbd
expect "regenerate, trap: waits" 20
cp "$DATA/itlrecovery.pem" "$H/n1/certs/CallManager.pem"
cp "$DATA/capf.pem" "$H/n1/certs/TVS.pem"
run "$BIN" migrate resume --state "$H/rg2"
expect "regenerate, trap" 13 "on n1 both CallManager.pem and TVS.pem changed"
holds 1 "$OLD" "regenerate, trap: the CTL was updated"
cp "$H/cm.orig" "$H/n1/certs/CallManager.pem"
cp "$H/tvs.orig" "$H/n1/certs/TVS.pem"
run "$BIN" migrate regenerate -c "$H/cluster.conf" --state "$H/rg3" --cert callmanager,tvs
expect "regenerate two at once" 2 "one certificate at a time"

# --- non-secure through the CUCM CLI: mode, restarts, the CTL removed everywhere ---
for spec in - migrate-after:2/KILL migrate-after:5/KILL; do
	d=n$(echo "$spec" | tr -c 'a-z0-9\n' '_')
	reset_nodes
	for i in 1 2 3; do rm -f "$H/n$i/restarts"; done
	drive "$H/$d" "$spec" non-secure -c "$H/cluster.conf" --state "$H/$d" --ctl "$H/held.tlv"
	[ "$(cat "$H/mode")" = 0 ] || fail "non-secure, $spec: the cluster is still mixed"
	[ "$(h_md5 1) $(h_md5 2) $(h_md5 3)" = "none none none" ] ||
		fail "non-secure, $spec: nodes still serve $(h_md5 1) $(h_md5 2) $(h_md5 3)"
	[ "$(next_step "$H/$d")" = 8 ] || fail "non-secure, $spec: not done"
	grep -q "Cisco CallManager" "$H/n2/restarts" || fail "non-secure, $spec: node 2 not restarted"
done
grep -q "file delete tftp CTLFile.tlv" "$H/n3/commands" || fail "non-secure: no \`file delete tftp\` on node 3"

finish
