#!/bin/sh
# p11_sign.sh - CTLs signed by a SAST eToken through PKCS#11 (SoftHSM2 via
# libp11): verified by the engine, both tokens present as SAST records in
# the CTL client's layout, repeatable byte for byte, and a tampered file
# rejected.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"

# Token 1 (RSA 1024) signs; token 2 is the second SAST.
export CTLSIGN_PIN=$PIN
run tbuild "$T/CTL1.tlv" --sign-token "$T1" --sast-token "$T2"
expect "sign with token 1" 0 0
grep -q "signed by record 1 (token SAST-ADN0054f509)" "$T/out" ||
	fail "sign with token 1: $(cat "$T/out")"
run "$BIN" verify "$T/CTL1.tlv"
expect "verify token-1 CTL" 0
grep -q "OK, signed by record 1" "$T/out" || fail "verify: $(cat "$T/out")"
"$BIN" show "$T/CTL1.tlv" >"$T/show1"
# Records 1 and 2: the two tokens, SAST, empty DNS name, no SIGNATURE (8).
sed -n '/CTL Record #:1$/,/CTL Record #:3$/p' "$T/show1" >"$T/tok"
[ "$(grep -c 'System Administrator Security Token' "$T/tok")" -eq 2 ] ||
	fail "records 1-2 are not both SAST: $(cat "$T/tok")"
[ "$(grep -c '^2 *DNSNAME *1 ' "$T/tok")" -eq 2 ] || fail "token records: DNS name not empty"
grep -q '^8 *SIGNATURE' "$T/tok" && fail "token records carry a SIGNATURE element"
[ "$(grep -c "^10 *IPADDRESS *4 *0.0.0.0" "$T/tok")" -eq 2 ] || fail "token records: no IPADDRESS element"
grep -q "$(sha1der "$FX/SAST-ADN0054f509/cert.der") (SHA1)" "$T/tok" || fail "token 1 certificate not in the CTL"
grep -q "$(sha1der "$FX/SAST-ADN008580ef/cert.der") (SHA1)" "$T/tok" || fail "token 2 certificate not in the CTL"
grep -q "SIGNERNAME .*CN=SAST-ADN0054f509 ;OU=IPCBU;O=Cisco Systems" "$T/show1" || fail "header signer is not token 1"
grep -q "SERIALNUMBER .*3C:F9:27:00:00:00:AF:A2:DA:45" "$T/show1" || fail "header serial is not token 1's"
[ "$(grep -c 'This etoken was used to sign' "$T/show1")" -eq 1 ] || fail "not exactly one signer"
# The server records keep the server layout (with a SIGNATURE element).
[ "$(grep -c '^8 *SIGNATURE' "$T/show1")" -eq 3 ] || fail "server records lost their SIGNATURE element"

# RSA PKCS#1 v1.5 is deterministic: the same build is the same file.
run tbuild "$T/CTL1b.tlv" --sign-token "$T1" --sast-token "$T2"
expect "rebuild" 0 0
cmp -s "$T/CTL1.tlv" "$T/CTL1b.tlv" || fail "two builds with the same inputs differ"

# Token 2 (RSA 2048) signs, PIN from a pin-source= file, no terminal.
unset CTLSIGN_PIN
run notty "$BIN" build -q -o "$T/CTL2.tlv" --timestamp "$TS" --digest sha256 \
	--sign-token "$T2?pin-source=$FX/pin" --sast-token "$T1" \
	--ccm-tftp "$C/pub.pem,dns=cucm-pub,ip=10.48.47.155"
expect "sign with token 2, pin-source" 0 0
run "$BIN" verify "$T/CTL2.tlv"
expect "verify token-2 CTL" 0
"$BIN" show "$T/CTL2.tlv" >"$T/show2"
grep -q "SIGNATUREMODULUS .*256 bytes" "$T/show2" || fail "token 2 CTL: not a 2048-bit signature"
grep -q "DIGESTALGORITHM .*SHA-256" "$T/show2" || fail "token 2 CTL: digest not SHA-256"

# No PIN in the environment: asked on the terminal (a pty made by
# script(1)), without echo: the transcript must not show it.
if command -v script >/dev/null; then
	# Type only once the prompt is up: the prompt flushes earlier input.
	(i=0; while ! grep -q "PIN for token" "$T/transcript" 2>/dev/null &&
		[ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	 printf '%s\n' "$PIN") | script -qec "'$BIN' build -q -o '$T/CTLtty.tlv' \
		--timestamp $TS --sign-token '$T1' --sast-token '$T2' \
		--ccm-tftp '$C/pub.pem'" /dev/null >"$T/transcript" 2>&1 ||
		fail "PIN prompt: build failed: $(cat "$T/transcript")"
	grep -q "PIN for token SAST-ADN0054f509: " "$T/transcript" ||
		fail "PIN prompt: no prompt: $(cat "$T/transcript")"
	grep -qF "$PIN" "$T/transcript" && fail "PIN prompt: the PIN was echoed"
	[ -s "$T/CTLtty.tlv" ] || fail "PIN prompt: no CTL written"
else
	echo "note: script(1) missing; terminal prompt not tested"
fi

# The same through module-path= in the URI instead of the environment.
run env -u CTLSIGN_PKCS11_MODULE CTLSIGN_PIN=$PIN "$BIN" build -q -o "$T/CTL3.tlv" \
	--timestamp "$TS" --sign-token "$T1?module-path=$SOFTHSM" \
	--sast-token "$T2?module-path=$SOFTHSM" --ccm-tftp "$C/pub.pem"
expect "module-path= in the URI" 0 0

# A changed byte in a record: the signature no longer verifies.
cp "$T/CTL1.tlv" "$T/bad.tlv"
flip "$T/bad.tlv" $(($(wc -c <"$T/bad.tlv") - 1)) 1 # the last IP address
run "$BIN" verify "$T/bad.tlv"
expect "tampered token CTL" 1

finish
