#!/bin/sh
# p11_errors.sh - every way a token build can go wrong is one clear line,
# the documented exit status (4 token/PIN, 2 usage), and no output: the
# old CTLFile.tlv stays as it was.
. "$(dirname "$0")/../cli/lib.sh"
FIXTURE_ARGS=--extra
. "$(dirname "$0")/common.sh"

out=$T/CTLFile.tlv
echo old >"$out"
export CTLSIGN_PIN=$PIN

# tfail WHAT RC TEXT ARGS...: the build fails as said and writes nothing.
tfail() {
	what=$1 want=$2 text=$3
	shift 3
	run tbuild "$out" "$@"
	expect "$what" "$want" 1 "$text"
	unchanged "$out" "$what"
}

CTLSIGN_PIN=00000000 tfail "wrong PIN" 4 "token SAST-ADN0054f509: wrong PIN" \
	--sign-token "$T1" --sast-token "$T2"
grep -q 00000000 "$T/err" && fail "wrong PIN: the PIN appears in the message"
tfail "missing token" 4 "no such token" \
	--sign-token 'pkcs11:token=SAST-ADN0000dead' --sast-token "$T2"
tfail "missing second token" 4 "pkcs11:token=SAST-ADN0000dead: no such token" \
	--sign-token "$T1" --sast-token 'pkcs11:token=SAST-ADN0000dead'
tfail "token without a certificate" 4 "token NOCERT: holds no certificate" \
	--sign-token 'pkcs11:token=NOCERT' --sast-token "$T2"
tfail "certificate without its key" 4 "token NOKEY: no private key matches certificate" \
	--sign-token 'pkcs11:token=NOKEY' --sast-token "$T2"
tfail "two tokens, one label" 4 "2 tokens match (same label?); name one with serial=" \
	--sign-token 'pkcs11:token=SAST-TWIN' --sast-token "$T2"
tfail "object= matches nothing" 4 "no certificate matches the URI" \
	--sign-token "$T1;object=nope" --sast-token "$T2"
tfail "one token" 2 "at least two SAST tokens" --sign-token "$T1"
tfail "the same token twice" 2 "name the same token" \
	--sign-token "$T1" --sast-token "$T1;object=SAST-ADN0054f509"
tfail "pin-value" 2 "PIN on the command line" \
	--sign-token "$T1?pin-value=$PIN" --sast-token "$T2"
grep -q "$PIN" "$T/err" && fail "pin-value: the PIN appears in the message: $(cat "$T/err")"
tfail "pin= (a mistyped pin-value=)" 2 "unknown query attribute 'pin'" \
	--sign-token "$T1?pin=$PIN" --sast-token "$T2"
grep -q "$PIN" "$T/err" && fail "pin=: the PIN appears in the message: $(cat "$T/err")"
tfail "no such module" 4 "cannot load the PKCS#11 module" \
	--module "$T/nothing.so" --sign-token "$T1" --sast-token "$T2"
tfail "modules disagree" 2 "disagree" \
	--module "$SOFTHSM" --sign-token "$T1?module-path=/usr/lib/other.so" --sast-token "$T2"
tfail "missing pin-source" 3 "pin-source" \
	--sign-token "$T1?pin-source=$T/no-pin-file" --sast-token "$T2"
# pin-source files that are not PIN files: refused at once, no PIN tried.
# A FIFO with no writer must not hang the build (timeout: 124 if it does).
mkfifo "$T/pin-fifo"
run timeout 10 "$BIN" build -o "$out" --timestamp "$TS" \
	--sign-token "$T1?pin-source=$T/pin-fifo" --sast-token "$T2" --ccm-tftp "$C/pub.pem"
expect "pin-source FIFO" 3 1 "pin-fifo: not a regular file"
unchanged "$out" "pin-source FIFO"
tfail "pin-source /dev/zero" 3 "/dev/zero: not a regular file" \
	--sign-token "$T1?pin-source=/dev/zero" --sast-token "$T2"
(umask 077; head -c 2000000 /dev/zero | tr '\0' 1 >"$T/pin-huge")
tfail "pin-source huge" 2 "larger than 1024 bytes" \
	--sign-token "$T1?pin-source=$T/pin-huge" --sast-token "$T2"
printf '%s\n' "$PIN" >"$T/pin-644"
chmod 644 "$T/pin-644"
tfail "pin-source readable by all" 2 "other users can read or change it" \
	--sign-token "$T1?pin-source=$T/pin-644" --sast-token "$T2"
tfail "pin-source on another host" 2 "only local files" \
	--sign-token "$T1?pin-source=file://otherhost$T/pin-644" --sast-token "$T2"
(umask 077; printf '%s\r\n' "$PIN" >"$T/pin-crlf"; printf '00000000\n' >"$T/pin-wrong")
run tbuild "$T/crlf.tlv" --sign-token "$T1?pin-source=file://localhost$T/pin-crlf" --sast-token "$T2"
expect "pin-source with CRLF" 0 0
tfail "pin-source, wrong PIN" 4 "token SAST-ADN0054f509: wrong PIN" \
	--sign-token "$T1?pin-source=$T/pin-wrong" --sast-token "$T2"
grep -q 00000000 "$T/err" && fail "pin-source, wrong PIN: the PIN appears in the message"
unset CTLSIGN_PIN
set +e
(notty "$BIN" build -o "$out" --sign-token "$T1" --sast-token "$T2" \
	--ccm-tftp "$C/pub.pem") >"$T/out" 2>"$T/err"
rc=$?
set -e
expect "no PIN and no terminal" 2 1 "no terminal to ask for the secret; set CTLSIGN_PIN"
unchanged "$out" "no PIN and no terminal"
export CTLSIGN_PIN=$PIN

# Only SAST certificates are exported: NOKEY's (CN=NOKEY) is not one.
mkdir "$T/exp"
run "$BIN" tokens export --out "$T/exp" 'pkcs11:token=NOKEY'
expect "export a non-SAST certificate" 4 1 "no SAST certificate"
run "$BIN" tokens export --out "$T/exp"
expect "export two certificates to one name" 4 1 "SAST-TWIN.cer"
[ -z "$(ls "$T/exp")" ] || fail "failed exports wrote $(ls "$T/exp")"
run "$BIN" tokens export -q --out "$T/exp" "$T1" 'pkcs11:token=NOKEY' 'pkcs11:token=NOCERT'
expect "export SAST only" 0 0
[ "$(ls "$T/exp")" = SAST-ADN0054f509.cer ] || fail "export SAST only: $(ls "$T/exp")"

# The twins can be told apart by serial=.
serial=$("$BIN" tokens list 'pkcs11:token=SAST-TWIN' | sed -n 's/^  serial \([0-9a-f]*\),.*/\1/p' | head -n 1)
[ -n "$serial" ] || fail "no serial for SAST-TWIN in tokens list"
run tbuild "$T/twin.tlv" --sign-token "pkcs11:token=SAST-TWIN;serial=$serial" --sast-token "$T2"
expect "twin chosen by serial" 0 0
serial2=$("$BIN" tokens list 'pkcs11:token=SAST-TWIN' | sed -n 's/^  serial \([0-9a-f]*\),.*/\1/p' | tail -n 1)
[ "$serial" != "$serial2" ] || fail "the twins have one serial"
tfail "one certificate on two tokens" 2 "hold the same certificate" \
	--sign-token "pkcs11:token=SAST-TWIN;serial=$serial" \
	--sast-token "pkcs11:token=SAST-TWIN;serial=$serial2"

# A key whose CKA_ID differs from its certificate's is found by public key.
run tbuild "$T/bykey.tlv" --sign-token 'pkcs11:token=SAST-ADN00ba5e01' --sast-token "$T2"
expect "key found by public key" 0 0
run "$BIN" verify "$T/bykey.tlv"
expect "key found by public key: verify" 0

# One token only when asked, with a warning that says why.
run tbuild "$T/single.tlv" --sign-token "$T1" --allow-single-token
expect "--allow-single-token" 0 1 "single SAST token" "deleted on every phone by hand"
run "$BIN" verify "$T/single.tlv"
expect "single-token CTL verifies" 0

finish
