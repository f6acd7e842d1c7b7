# etoken.sh - `ctlsign migrate to-etoken` on local TFTP roots with real
# SoftHSM2 tokens (softhsm-fixtures): with the CallManager key, a bridge
# CTL naming both tokens first, then the eToken CTL built from it with
# one token signing and the other's record kept; every publication
# judged; an interruption before and after every step, then resume,
# ends in the same bytes; without the key (no bridge, no TVS on a Linux
# TFTP server) the eToken CTL would strand phones: it is not published
# until --allow-stranded names each class.
#   usage: sh tests/migrate/etoken.sh CTLSIGN TESTS_DATA_DIR
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../p11/common.sh"
. "$(dirname "$0")/lib.sh"
TH=$(dirname "$BIN")/ctlsign-testhooks
[ -x "$TH" ] || { echo "skip: no ctlsign-testhooks beside $BIN"; exit 77; }
M=$T
export CTLSIGN_PIN=$PIN

cp "$C/pub.key" "$T/pub.key"
chmod 600 "$T/pub.key"
tbuild "$T/held.tlv" -q --sign-key "$T/pub.key" --sign-cert "$C/pub.pem"
OLD=$(md5sum <"$T/held.tlv" | cut -d' ' -f1)
md5() { md5sum <"$1" | cut -d' ' -f1; }

fresh() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/r1" "$T/$1/r2"
	cp "$T/held.tlv" "$T/$1/r1/CTLFile.tlv"
	cp "$T/held.tlv" "$T/$1/r2/CTLFile.tlv"
}
bridge_args() {
	echo to-etoken --tftp-root "$T/$1/r1" --tftp-root "$T/$1/r2" --state "$T/$1/st" \
		--ctl "$T/held.tlv" --sign-key "$T/pub.key" --sign-cert "$C/pub.pem" \
		--sign-token "$T1" --sast-token "$T2" --timestamp $((TS + 100))
}
ends() {
	echo "$(md5 "$T/$1/r1/CTLFile.tlv") $(md5 "$T/$1/r2/CTLFile.tlv")" \
		"$(md5 "$T/$1/st/files/3/CTLFile.tlv") $(md5 "$T/$1/st/files/7/CTLFile.tlv")" \
		"$(next_step "$T/$1/st")"
}
# recs FILE: "FUNCTION SUBJECT-CN" per record, as show prints them.
recs() {
	"$BIN" show --json "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["files"][0]["records"]:
    print(r["role_name"], r["cert_sha1"], "signer" if r["signed_file"] else "-")'
}

# --- dry run: the plan; nothing touched, no PIN asked, no login ---
fresh dry
# shellcheck disable=SC2046
run "$BIN" migrate $(bridge_args dry) --dry-run
expect "dry run" 0
for t in "step 10/10" "--sast $T/dry/st/files/sast-certs/SAST-ADN0054f509.cer" \
	"--sast $T/dry/st/files/sast-certs/SAST-ADN008580ef.cer" "--remove 1" \
	"--sign-token $T1"; do
	grep -qF -- "$t" "$T/out" || fail "dry run lacks '$t': $(cat "$T/out")"
done
[ ! -e "$T/dry/st" ] || fail "dry run: the state directory was made"
[ "$(md5 "$T/dry/r1/CTLFile.tlv")" = "$OLD" ] || fail "dry run: a root changed"

# --- the whole plan ---
fresh ref
# shellcheck disable=SC2046
drive "$T/ref/st" - $(bridge_args ref)
REF=$(ends ref)
F=$T/ref/st/files
[ "$(md5 "$T/ref/r1/CTLFile.tlv")" = "$(md5 "$F/7/CTLFile.tlv")" ] || fail "the roots do not serve the eToken CTL"
"$BIN" verify -q "$F/7/CTLFile.tlv" || fail "the eToken CTL does not verify"
SA=$(sha1der "$FX/SAST-ADN0054f509/cert.der")
SB=$(sha1der "$FX/SAST-ADN008580ef/cert.der")
SCM=$(openssl x509 -in "$C/pub.pem" -outform DER | sha1sum | cut -c1-40)
recs "$F/3/CTLFile.tlv" >"$T/bridge.recs"
recs "$F/7/CTLFile.tlv" >"$T/final.recs"
grep -q "^SAST $SCM signer" "$T/bridge.recs" ||
	fail "bridge: not signed by CallManager: $(cat "$T/bridge.recs")"
for s in "$SA" "$SB"; do
	grep -q "^SAST $s" "$T/bridge.recs" ||
		fail "bridge: token $s not a SAST: $(cat "$T/bridge.recs")"
done
grep -q "^SAST $SA signer" "$T/final.recs" ||
	fail "eToken CTL: not signed by token A: $(cat "$T/final.recs")"
grep -q "^SAST $SB -" "$T/final.recs" ||
	fail "eToken CTL: token B not a SAST: $(cat "$T/final.recs")"
grep -q "^SAST $SCM" "$T/final.recs" &&
	fail "eToken CTL: still names CallManager as a SAST: $(cat "$T/final.recs")"
[ "$(grep -c "^CCM+TFTP " "$T/final.recs")" -eq 2 ] || fail "eToken CTL: server records lost: $(cat "$T/final.recs")"
grep -q "phones without Security By Default: TAKES it: its signer is a SAST of the CTL $F/3/CTLFile.tlv" "$M/log" ||
	fail "the eToken CTL was not judged as taken through the bridge"

# --- interrupted at every step boundary, then resume: the same bytes ---
for k in 1 2 3 4 5 6 7 8 9 10; do
	for point in before after; do
		[ "$k" = 10 ] && [ "$point" = after ] && continue
		fresh "i$k$point"
		: >"$M/log"
		# shellcheck disable=SC2046
		drive "$T/i$k$point/st" "migrate-$point:$k/KILL" $(bridge_args "i$k$point")
		got=$(ends "i$k$point")
		[ "$got" = "$REF" ] || fail "killed $point step $k: $got, expected $REF"
	done
done

# --- a wrong PIN at the eToken build: the step fails (4), nothing more is
# published or recorded; resumed with the right PIN, the same end ---
fresh pin
# shellcheck disable=SC2046
CTLSIGN_PIN=00000000
invoke - - migrate $(bridge_args pin)
[ "$rc" -eq 20 ] || fail "wrong PIN: expected the stop at the bridge's phones step, exit $rc"
invoke - - migrate resume --state "$T/pin/st" --confirm 6
[ "$rc" -eq 4 ] || fail "wrong PIN: exit $rc, expected 4: $(cat "$M/err")"
says "wrong PIN" "step 7 (" "stopped with exit status 4"
[ "$(next_step "$T/pin/st")" = 7 ] || fail "wrong PIN: the plan moved past the build"
[ ! -e "$T/pin/st/files/7/CTLFile.tlv" ] || fail "wrong PIN: an eToken CTL was written"
[ "$(md5 "$T/pin/r1/CTLFile.tlv")" = "$(md5 "$T/pin/st/files/3/CTLFile.tlv")" ] ||
	fail "wrong PIN: the roots changed"
grep -q '00000000' "$T/pin/st/plan.json" "$T/pin/st/state.json" && fail "wrong PIN: the PIN is in the state"
CTLSIGN_PIN=$PIN
invoke - - migrate resume --state "$T/pin/st"
[ "$rc" -eq 20 ] && [ "$(next_step "$T/pin/st")" = 10 ] ||
	fail "wrong PIN, then the right one: exit $rc at step $(next_step "$T/pin/st")"
[ "$(md5 "$T/pin/st/files/7/CTLFile.tlv")" = "$(md5 "$F/7/CTLFile.tlv")" ] ||
	fail "wrong PIN, then the right one: another eToken CTL than the uninterrupted run's"

# --- no bridge on a Linux TFTP server: phones would be stranded ---
fresh nob
# shellcheck disable=SC2046
run "$BIN" migrate to-etoken --tftp-root "$T/nob/r1" --state "$T/nob/st" --ctl "$T/held.tlv" \
	--from-signer "$C/pub.pem" --sign-token "$T1" --sast-token "$T2" --timestamp $((TS + 100))
expect "no bridge" 12
says "no bridge" "phones with Security By Default would perhaps not take" \
	"phones without Security By Default would not take" \
	"--allow-stranded no-sbd"
[ "$(md5 "$T/nob/r1/CTLFile.tlv")" = "$OLD" ] || fail "no bridge: the stranding CTL was published"
[ "$(next_step "$T/nob/st")" = 4 ] || fail "no bridge: the plan moved past the check"
run "$BIN" migrate resume --state "$T/nob/st" --allow-stranded no-sbd
expect "no bridge, one class accepted" 12
[ "$(md5 "$T/nob/r1/CTLFile.tlv")" = "$OLD" ] || fail "no bridge: published with one class left"
run "$BIN" migrate resume --state "$T/nob/st" --allow-stranded sbd
expect "no bridge, both accepted" 20
says "no bridge, both accepted" "(accepted: --allow-stranded no-sbd)" "(accepted: --allow-stranded sbd)"
[ "$(md5 "$T/nob/r1/CTLFile.tlv")" = "$(md5 "$T/nob/st/files/3/CTLFile.tlv")" ] ||
	fail "no bridge: not published once every class was accepted"

# --- to-tokenless: back from the eToken CTL, through a bridge signed by one token ---
tbuild "$T/etk.tlv" -q --sign-token "$T1" --sast-token "$T2"
fresh2() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/r1"
	cp "$T/etk.tlv" "$T/$1/r1/CTLFile.tlv"
}
back_args() {
	echo to-tokenless --tftp-root "$T/$1/r1" --state "$T/$1/st" --ctl "$T/etk.tlv" \
		--sign-token "$T1" --new-key "$T/pub.key" --new-cert "$C/pub.pem" \
		--timestamp $((TS + 200))
}
fresh2 back
# shellcheck disable=SC2046
drive "$T/back/st" - $(back_args back)
BF=$T/back/st/files
BACK="$(md5 "$T/back/r1/CTLFile.tlv") $(next_step "$T/back/st")"
[ "$(md5 "$T/back/r1/CTLFile.tlv")" = "$(md5 "$BF/7/CTLFile.tlv")" ] ||
	fail "to-tokenless: the root does not serve the tokenless CTL"
recs "$BF/3/CTLFile.tlv" >"$T/bb.recs"
recs "$BF/7/CTLFile.tlv" >"$T/tl.recs"
grep -q "^SAST $SA signer" "$T/bb.recs" || fail "to-tokenless bridge: not signed by token A: $(cat "$T/bb.recs")"
grep -q "^SAST $SB -" "$T/bb.recs" || fail "to-tokenless bridge: token B's record lost: $(cat "$T/bb.recs")"
grep -q "^SAST $SCM -" "$T/bb.recs" || fail "to-tokenless bridge: CallManager not a SAST: $(cat "$T/bb.recs")"
grep -q "^SAST $SCM signer" "$T/tl.recs" || fail "to-tokenless: not signed by CallManager: $(cat "$T/tl.recs")"
grep -q "^SAST \($SA\|$SB\)" "$T/tl.recs" && fail "to-tokenless: an eToken is left: $(cat "$T/tl.recs")"
[ "$(grep -c "^CCM+TFTP " "$T/tl.recs")" -eq 2 ] || fail "to-tokenless: server records lost: $(cat "$T/tl.recs")"
grep -q "phones without Security By Default: TAKES it: its signer is a SAST of the CTL $BF/3/CTLFile.tlv" "$M/log" ||
	fail "to-tokenless: the tokenless CTL was not judged as taken through the bridge"
for spec in migrate-after:2/KILL migrate-before:3/KILL migrate-after:3/KILL migrate-published:5/KILL \
	migrate-after:6/KILL migrate-after:7/KILL write:CTLFile.tlv/TERM migrate-before:9/KILL; do
	d=b$(echo "$spec" | tr -c 'a-z0-9\n' '_')
	fresh2 "$d"
	# shellcheck disable=SC2046
	drive "$T/$d/st" "$spec" $(back_args "$d")
	got="$(md5 "$T/$d/r1/CTLFile.tlv") $(next_step "$T/$d/st")"
	[ "$got" = "$BACK" ] || fail "to-tokenless interrupted at $spec: $got, expected $BACK"
done
# The token in hand must be a SAST of the held CTL's signer, or --from-signer given.
fresh2 wrong
run "$BIN" migrate to-tokenless --tftp-root "$T/wrong/r1" --state "$T/wrong/st" --ctl "$T/etk.tlv" \
	--sign-token "$T2" --new-key "$T/pub.key" --new-cert "$C/pub.pem"
expect "to-tokenless, token B" 1 1 "not by the --sign-token token"
run "$BIN" migrate to-tokenless --tftp-root "$T/wrong/r1" --state "$T/wrong/st" --ctl "$T/etk.tlv" \
	--sign-token "$T2" --from-signer "$FX/SAST-ADN0054f509/cert.der" \
	--new-key "$T/pub.key" --new-cert "$C/pub.pem" --dry-run
expect "to-tokenless, token B with --from-signer" 0
grep -q "predicted for $T/wrong/st/files/7/CTLFile.tlv" "$T/out" || fail "to-tokenless dry run: no prediction: $(cat "$T/out")"

# --- refused before anything: a token that is not there ---
fresh gone
run "$BIN" migrate to-etoken --tftp-root "$T/gone/r1" --state "$T/gone/st" --ctl "$T/held.tlv" \
	--sign-key "$T/pub.key" --sign-cert "$C/pub.pem" \
	--sign-token "$T1" --sast-token 'pkcs11:token=SAST-ADN0000dead'
expect "absent token" 4 1 "SAST-ADN0000dead"
[ ! -e "$T/gone/st/plan.json" ] || fail "absent token: a plan was written"

finish
