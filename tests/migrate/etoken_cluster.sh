# etoken_cluster.sh - the eToken plans of `ctlsign migrate` on the
# loopback cluster of tests/cluster (real sshd and tftpd per node, the
# CUCM CLI stand-in) with real SoftHSM2 tokens (softhsm-fixtures):
#   - to-etoken without the CallManager key (CUCM: no bridge): the run
#     stops at the Phone-SAST-trust upload, and again while the
#     publisher's trust store lacks the tokens' certificates; once they
#     are "uploaded" (into the stand-in's trust store) the eToken CTL is
#     built (one token signs, the other is a SAST), judged: phones with
#     Security By Default take it through TVS, phones without are
#     stranded, so nothing is published (11) until --allow-stranded
#     no-sbd; then every node serves it and `migrate status` agrees;
#   - the same plan interrupted at step boundaries and in the middle of
#     its distribution, then resumed: the same bytes on every node;
#   - to-tokenless back from the eToken CTL: the bridge (signed by one
#     token, naming CallManager) distributed, `utils ctl update
#     CTLFile` on the publisher, restarts: every node serves the same
#     tokenless CTL, signed by CallManager; interrupted right after the
#     update-ctl step, resume ends the same way.
# The cluster's certificates are the fixtures' (softhsm-fixtures
# cluster/), so the stand-in CLI's cli.json is rewritten to build its
# tokenless CTLs from them.
#   usage: sh tests/migrate/etoken_cluster.sh CTLSIGN TESTS_DATA_DIR
HSRC=$(cd "$(dirname "$0")/../cluster" && pwd)
. "$HSRC/common.sh"
. "$(dirname "$0")/lib.sh"
TH=$(dirname "$BIN")/ctlsign-testhooks
[ -x "$TH" ] || { echo "skip: no ctlsign-testhooks beside $BIN"; exit 77; }
[ -n "${CTLSIGN_FIXTURES:-}" ] || { echo "skip: CTLSIGN_FIXTURES not set (tests/migrate.cmake)"; exit 77; }
command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null ||
	{ echo "skip: needs softhsm2-util and pkcs11-tool"; exit 77; }

h_init 52
M=$H
# The tokens, as tests/p11/common.sh makes them, in this harness's directory.
FX=$H/fx
sh "$CTLSIGN_FIXTURES" "$FX" >/dev/null
. "$FX/env.sh"
unset CTLSIGN_KEY_PASSPHRASE
export CTLSIGN_PIN=Cisco123
T1='pkcs11:token=SAST-ADN0054f509'
T2='pkcs11:token=SAST-ADN008580ef'
C=$FX/cluster

h_node 1
h_node 2
h_node 3
h_known_hosts 1 2 3
h_conf "$H/cluster.conf" 3
# The nodes' own certificates are the fixture cluster's.
cp "$C/pub.pem" "$H/n1/certs/CallManager.pem"
cp "$C/sub1.pem" "$H/n2/certs/CallManager.pem"
cp "$C/sub1.pem" "$H/n3/certs/CallManager.pem"
for i in 1 2 3; do cp "$C/capf.pem" "$H/n$i/certs/CAPF.pem"; done
cp "$C/pub.key" "$H/pub.key"
chmod 600 "$H/pub.key"
# The stand-in's `utils ctl update CTLFile`: a tokenless CTL of the
# fixture cluster, signed by its CallManager key (h_cli_json's layout).
cat >"$H/cli.json" <<EOF
{"ctlsign": "$BIN", "tftp_roots": ["$H/n1/tftp", "$H/n2/tftp", "$H/n3/tftp"],
 "build_args": ["--sign-key", "$H/pub.key", "--sign-cert", "$C/pub.pem",
   "--ccm-tftp", "$C/pub.pem,dns=cucm-pub,ip=10.48.47.155",
   "--capf", "$C/capf.pem,dns=cucm-pub,ip=10.48.47.155",
   "--ccm-tftp", "$C/sub1.pem,dns=cucm-sub1,ip=10.48.47.156"]}
EOF

# The CTL the phones hold (tokenless, as CUCM wrote it) and their ITL,
# whose TVS record names the TVS certificate of the publisher.
"$BIN" build -q -o "$H/held.tlv" --timestamp "$TS" \
	--sign-key "$H/pub.key" --sign-cert "$C/pub.pem" \
	--ccm-tftp "$C/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
	--capf "$C/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
	--ccm-tftp "$C/sub1.pem,dns=cucm-sub1,ip=10.48.47.156"
"$BIN" build -q --itl -o "$H/ITLFile.tlv" --timestamp "$TS" \
	--sign-key "$H/pub.key" --sign-cert "$C/pub.pem" \
	--ccm-tftp "$C/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
	--capf "$C/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
	--tvs "$DATA/tvs.pem,dns=cucm-pub,ip=10.48.47.155"
OLD=$(md5 "$H/held.tlv")

sha1der() {
	openssl x509 -inform DER -in "$1" -noout -fingerprint -sha1 |
		sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
SA=$(sha1der "$FX/SAST-ADN0054f509/cert.der")
SB=$(sha1der "$FX/SAST-ADN008580ef/cert.der")
SCM=$(openssl x509 -in "$C/pub.pem" -outform DER | sha1sum | cut -c1-40)
# recs FILE: "FUNCTION SHA1 signer|-" per record, as show prints them.
recs() {
	"$BIN" show --json "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["files"][0]["records"]:
    print(r["role_name"], r["cert_sha1"], "signer" if r["signed_file"] else "-")'
}

# The publisher's trust store (the stand-in's `show cert list trust`):
# its own CallManager and TVS certificates; the eTokens' only once
# "uploaded".
TRUST=$H/n1/trust
store_base() {
	rm -rf "$TRUST"
	mkdir -p "$TRUST/CallManager-trust" "$TRUST/Phone-trust"
	cp "$C/pub.pem" "$TRUST/CallManager-trust/cucm-pub.pem"
	cp "$C/sub1.pem" "$TRUST/CallManager-trust/cucm-sub1.pem"
	cp "$DATA/tvs.pem" "$TRUST/Phone-trust/cucm-pub-TVS.pem"
}
# upload DIR: each certificate of DIR as Phone-SAST-trust, in PEM, as
# CUCM stores an upload.
upload() {
	mkdir -p "$TRUST/Phone-SAST-trust"
	_k=0
	for _f in "$1"/*; do
		[ -f "$_f" ] || continue
		_b=$(basename "$_f")
		openssl x509 -inform DER -in "$_f" -out "$TRUST/Phone-SAST-trust/${_b%.*}.pem" 2>/dev/null ||
			openssl x509 -in "$_f" -out "$TRUST/Phone-SAST-trust/${_b%.*}.pem"
		_k=$((_k + 1))
	done
	[ "$_k" -eq 2 ] || fail "upload: $_k certificates in $1, expected the 2 tokens'"
}
reset_nodes() {
	# A run killed by SIGKILL mid-upload leaves its temporary file.
	rm -f "$H"/n*/tftp/*.tmp.*
	install_old "$1" 3
	for _i in 1 2 3; do rm -f "$H/n$_i/restarts"; done
	echo 1 >"$H/mode"
}
etoken_args() {
	echo to-etoken -c "$H/cluster.conf" --state "$H/$1" --ctl "$H/held.tlv" \
		--itl "$H/ITLFile.tlv" --from-signer "$C/pub.pem" \
		--sign-token "$T1" --sast-token "$T2" --timestamp $((TS + 100)) \
		--tvs-cert "$DATA/tvs.pem"
}
nodes() { echo "$(h_md5 1) $(h_md5 2) $(h_md5 3)"; }
T0=$(date +%s)
stamp() { echo "$0: $1 at $(($(date +%s) - T0)) s" >&2; }

# ===== 1. to-etoken on CUCM, step by step =====
store_base
reset_nodes "$H/held.tlv"
# shellcheck disable=SC2046
invoke - - migrate $(etoken_args ref)
[ "$rc" -eq 20 ] || fail "to-etoken: expected the stop at the upload (20), exit $rc: $(cat "$H/err")"
ST=$H/ref
F=$ST/files
UP=$(next_step "$ST")
says "to-etoken, the upload" "Phone-SAST-trust" "$F/sast-certs"
[ -f "$F/sast-certs/SAST-ADN0054f509.cer" ] && [ -f "$F/sast-certs/SAST-ADN008580ef.cer" ] ||
	fail "to-etoken: the tokens' certificates were not exported: $(ls "$F/sast-certs" 2>&1)"
[ "$(nodes)" = "$OLD $OLD $OLD" ] || fail "to-etoken: a node changed before the upload: $(nodes)"

# Not uploaded yet: the same stop, the same step.
invoke - - migrate resume --state "$ST"
[ "$rc" -eq 20 ] || fail "to-etoken, nothing uploaded: exit $rc, expected 20: $(cat "$H/err")"
says "to-etoken, nothing uploaded" "not yet: 2 certificates are not in the cluster's trust store" \
	"Phone-SAST-trust"
[ "$(next_step "$ST")" = "$UP" ] || fail "to-etoken, nothing uploaded: the plan moved on"
# One of two uploaded: still not done.
mkdir -p "$TRUST/Phone-SAST-trust"
openssl x509 -inform DER -in "$F/sast-certs/SAST-ADN0054f509.cer" \
	-out "$TRUST/Phone-SAST-trust/SAST-ADN0054f509.pem"
invoke - - migrate resume --state "$ST"
[ "$rc" -eq 20 ] || fail "to-etoken, one uploaded: exit $rc, expected 20: $(cat "$H/err")"
says "to-etoken, one uploaded" "not yet: 1 certificate is not in the cluster's trust store"
[ "$(next_step "$ST")" = "$UP" ] || fail "to-etoken, one uploaded: the plan moved on"

# Both uploaded, as CUCM would: the step is seen done; the eToken CTL
# is built and judged against the held CTL, the held ITL (whose TVS
# record names the publisher's TVS.pem) and the trust store fetched at
# the upload step (which holds TVS.pem and both tokens): phones with
# Security By Default take it through TVS, phones without are
# stranded: nothing is published, exit 11.
upload "$F/sast-certs"
invoke - - migrate resume --state "$ST"
says "to-etoken, uploaded" "done: every certificate is in the cluster's trust store"
grep -qi "phones without Security By Default: stranded" "$H/out" ||
	fail "to-etoken: phones without SBD not judged stranded: $(cat "$H/out" "$H/err")"
# --tvs-cert names the certificate TVS presents (a CTL-only publication
# carries no ITL to learn it from: docs/phone-trust.md R17).
ALLOW_SBD=
[ "$rc" -eq 11 ] || fail "to-etoken, uploaded: exit $rc, expected 11 (stranded): $(cat "$H/err") $(cat "$H/out")"
grep -q "phones with Security By Default: TAKES it through TVS" "$H/out" ||
	fail "to-etoken: SBD phones not judged as taking it through TVS: $(cat "$H/out")"
says "to-etoken, uploaded" "--allow-stranded no-sbd"
[ "$(nodes)" = "$OLD $OLD $OLD" ] || fail "to-etoken: published although stranded: $(nodes)"
for i in 1 2 3; do [ ! -s "$H/n$i/restarts" ] || fail "to-etoken: node $i restarted while stranded"; done
CK=$(next_step "$ST")
ETK=$(ls "$F"/*/CTLFile.tlv | tail -1)
[ -f "$ETK" ] || fail "to-etoken: no eToken CTL built"
NEW=$(md5 "$ETK")

# Accepted for that class: distributed to every node, restarted, the phones' step.
# shellcheck disable=SC2086
invoke - - migrate resume --state "$ST" --allow-stranded no-sbd $ALLOW_SBD
[ "$rc" -eq 20 ] || fail "to-etoken, no-sbd accepted: exit $rc, expected the phones' step (20): $(cat "$H/err")"
says "to-etoken, no-sbd accepted" "(accepted: --allow-stranded no-sbd)" "cluster distribute" "$NEW"
[ "$(nodes)" = "$NEW $NEW $NEW" ] || fail "to-etoken: nodes serve $(nodes), expected $NEW on each"
for i in 1 2 3; do
	grep -q "Cisco Tftp" "$H/n$i/restarts" 2>/dev/null || fail "to-etoken: node $i's TFTP not restarted"
done
PH=$(next_step "$ST")
[ "$PH" -gt "$CK" ] || fail "to-etoken: the plan did not move past the check ($CK, now $PH)"
invoke - - migrate resume --state "$ST" --confirm "$PH"
[ "$rc" -eq 0 ] || fail "to-etoken, phones confirmed: exit $rc: $(cat "$H/err")"
says "to-etoken, the end" "done: every step is finished"
REF=$(nodes)
[ "$REF" = "$NEW $NEW $NEW" ] || fail "to-etoken: nodes end as $REF"
"$BIN" verify -q "$ETK" || fail "to-etoken: the eToken CTL does not verify"
recs "$ETK" >"$H/etk.recs"
grep -q "^SAST $SA signer" "$H/etk.recs" || fail "to-etoken: not signed by token A: $(cat "$H/etk.recs")"
grep -q "^SAST $SB -" "$H/etk.recs" || fail "to-etoken: token B not a SAST: $(cat "$H/etk.recs")"
grep -q "^SAST $SCM" "$H/etk.recs" && fail "to-etoken: CallManager still a SAST: $(cat "$H/etk.recs")"
[ "$(grep -c "^CCM+TFTP " "$H/etk.recs")" -eq 2 ] || fail "to-etoken: server records lost: $(cat "$H/etk.recs")"
run "$BIN" migrate status --state "$ST"
expect "to-etoken status" 0 "n1: " "n2: " "n3: "
[ "$(grep -c "(as the plan expects)" "$H/out")" -eq 3 ] ||
	fail "to-etoken status: not every node as the plan expects: $(cat "$H/out")"

stamp "to-etoken step by step done"
# ===== 2. the same plan, interrupted, then resumed: the same bytes =====
# The certificates are uploaded before it starts (the upload step is then
# seen done at once) and no-sbd is accepted from the start.
K=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["steps"]; print(len(s))' "$ST/plan.json" 2>/dev/null || echo 0)
[ "$K" = "$PH" ] || fail "to-etoken: $K steps in plan.json, the phones' step is $PH"
PUB=$((PH - 1))
for spec in migrate-after:1/KILL migrate-after:2/KILL migrate-before:$UP/KILL \
	migrate-after:$UP/KILL migrate-after:$((UP + 1))/KILL migrate-after:$CK/KILL \
	upload:n2/TERM commit:n2/TERM commit:n3/KILL migrate-published:$PUB/KILL \
	migrate-after:$PUB/KILL; do
	reset_nodes "$H/held.tlv"
	store_base
	upload "$F/sast-certs"
	d=i$(echo "$spec" | tr -c 'a-z0-9\n' '_')
	: >"$M/log"
	t_start=$(date +%s)
	# shellcheck disable=SC2046,SC2086
	drive "$H/$d" "$spec" $(etoken_args "$d") --allow-stranded no-sbd $ALLOW_SBD
	got="$(nodes) $(next_step "$H/$d")"
	[ "$got" = "$REF $((PH + 1))" ] || fail "to-etoken interrupted at $spec: $got, expected $REF $((PH + 1))"
	cmp -s "$H/$d/files/${ETK#"$F"/}" "$ETK" || fail "to-etoken interrupted at $spec: another eToken CTL"
	echo "$0: interrupted at $spec: $(($(date +%s) - t_start)) s" >&2
	case $spec in
	*/TERM) for i in 1 2 3; do no_tmp "$i" "to-etoken interrupted at $spec"; done ;;
	esac
done

stamp "to-etoken interrupted runs done"
# ===== 3. to-tokenless on CUCM: bridge, `utils ctl update CTLFile`, restarts =====
back_args() {
	echo to-tokenless -c "$H/cluster.conf" --state "$H/$1" --ctl "$ETK" \
		--sign-token "$T1" --new-cert "$C/pub.pem" --timestamp $((TS + 200))
}
# ends_tokenless WHAT: every node serves one CTL that verifies, signed
# by CallManager, naming no eToken.
ends_tokenless() {
	_m=$(h_md5 1)
	[ "$_m" != none ] && [ "$(nodes)" = "$_m $_m $_m" ] || { fail "$1: nodes serve $(nodes)"; return 0; }
	[ "$_m" != "$NEW" ] || fail "$1: the nodes still serve the eToken CTL"
	"$BIN" verify -q "$H/n1/tftp/CTLFile.tlv" || fail "$1: the tokenless CTL does not verify"
	recs "$H/n1/tftp/CTLFile.tlv" >"$H/tl.recs"
	grep -q "^SAST $SCM signer" "$H/tl.recs" || fail "$1: not signed by CallManager: $(cat "$H/tl.recs")"
	grep -q "^SAST \($SA\|$SB\)" "$H/tl.recs" && fail "$1: an eToken is left: $(cat "$H/tl.recs")"
	return 0
}
reset_nodes "$ETK"
store_base
: >"$M/log"
# shellcheck disable=SC2046
invoke - - migrate $(back_args back)
[ "$rc" -eq 20 ] || fail "to-tokenless: expected the phones' step after the bridge (20), exit $rc: $(cat "$H/err")"
BST=$H/back
BRIDGE=$BST/files/3/CTLFile.tlv
BM=$(md5 "$BRIDGE")
[ "$(nodes)" = "$BM $BM $BM" ] || fail "to-tokenless: the bridge is not on every node: $(nodes), expected $BM"
says "to-tokenless, the bridge" "cluster distribute"
recs "$BRIDGE" >"$H/bb.recs"
grep -q "^SAST $SA signer" "$H/bb.recs" || fail "to-tokenless bridge: not signed by token A: $(cat "$H/bb.recs")"
grep -q "^SAST $SB -" "$H/bb.recs" || fail "to-tokenless bridge: token B's record lost: $(cat "$H/bb.recs")"
grep -q "^SAST $SCM -" "$H/bb.recs" || fail "to-tokenless bridge: CallManager not a SAST: $(cat "$H/bb.recs")"
BPH=$(next_step "$BST")
invoke - - migrate resume --state "$BST" --confirm "$BPH"
[ "$rc" -eq 20 ] || fail "to-tokenless: expected the last phones' step (20), exit $rc: $(cat "$H/err")"
says "to-tokenless, update-ctl" "cluster update-ctl" "cluster restart"
grep -q "utils ctl update CTLFile" "$H/n1/commands" || fail "to-tokenless: no \`utils ctl update CTLFile\` on the publisher"
ends_tokenless "to-tokenless"
TL=$(h_md5 1)
says "to-tokenless, the phones" "$TL"
UPD=$((BPH + 1))
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["steps"][int(sys.argv[2]) - 1]; sys.exit("update-ctl" not in s.get("argv", []))' \
	"$BST/plan.json" "$UPD" || fail "to-tokenless: step $UPD is not \`cluster update-ctl\`"
for i in 1 2 3; do
	grep -q "Cisco CallManager" "$H/n$i/restarts" || fail "to-tokenless: node $i not restarted"
done
invoke - - migrate resume --state "$BST" --confirm "$(next_step "$BST")"
[ "$rc" -eq 0 ] || fail "to-tokenless, phones confirmed: exit $rc: $(cat "$H/err")"
ends_tokenless "to-tokenless, the end"
RCM=$(grep -c "Cisco CallManager" "$H/n3/restarts")
run "$BIN" migrate status --state "$BST"
expect "to-tokenless status" 0 "n1: " "n2: " "n3: "
[ "$(grep -c "(as the plan expects)" "$H/out")" -eq 3 ] ||
	fail "to-tokenless status: not every node as the plan expects: $(cat "$H/out")"

# Interrupted right after the update-ctl step (CUCM wrote the file, the
# plan has not seen it), and in the middle of the bridge's distribution.
for spec in migrate-after:$UPD/KILL commit:n2/TERM; do
	reset_nodes "$ETK"
	d=b$(echo "$spec" | tr -c 'a-z0-9\n' '_')
	# shellcheck disable=SC2046
	drive "$H/$d" "$spec" $(back_args "$d")
	ends_tokenless "to-tokenless interrupted at $spec"
	[ "$(next_step "$H/$d")" = "$(next_step "$BST")" ] || fail "to-tokenless interrupted at $spec: not done"
	cmp -s "$H/$d/files/3/CTLFile.tlv" "$BRIDGE" || fail "to-tokenless interrupted at $spec: another bridge"
	[ "$(grep -c "Cisco CallManager" "$H/n3/restarts")" -ge "$RCM" ] ||
		fail "to-tokenless interrupted at $spec: node 3 restarted less than in one run: $(cat "$H/n3/restarts")"
done
stamp "to-tokenless done"

finish
