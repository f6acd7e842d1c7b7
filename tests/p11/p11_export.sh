#!/bin/sh
# p11_export.sh - `tokens list` and `tokens export` against SoftHSM2: every
# token and certificate listed, exports byte-identical to the DER object on
# the token (read back with OpenSC's pkcs11-tool), named after the CN, no
# PIN needed; failures write nothing.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"

run notty "$BIN" tokens list
expect "tokens list" 0 0
for want in "module $SOFTHSM: 2 tokens" "token SAST-ADN0054f509" \
	"token SAST-ADN008580ef" "serial  3C:F9:27:00:00:00:AF:A2:DA:45" \
	"serial  83:E9:08:00:00:00:55:45:AF:31" "PIN: ok" \
	"subject CN=SAST-ADN0054f509 ;OU=IPCBU;O=Cisco Systems" \
	"issuer  CN=Test Manufacturing CA;O=ctlsign fixtures" \
	"sha1    $(sha1der "$FX/SAST-ADN008580ef/cert.der")"; do
	grep -qF -- "$want" "$T/out" || fail "tokens list lacks '$want': $(cat "$T/out")"
done
[ "$(grep -c ': SAST eToken$' "$T/out")" -eq 2 ] || fail "tokens list: not 2 SAST certificates"
[ "$(grep -c ': not SAST$' "$T/out")" -eq 1 ] || fail "tokens list: the CA certificate on token 2 is not listed as not SAST"
run "$BIN" tokens list "$T2"
expect "tokens list URI" 0 0
grep -q "SAST-ADN0054f509" "$T/out" && fail "tokens list URI: shows the other token"
grep -q "1 token$" "$T/out" || fail "tokens list URI: $(head -n 1 "$T/out")"

# Export all, with no terminal and no PIN: certificates are public objects.
mkdir "$T/der"
run notty "$BIN" tokens export --out "$T/der"
expect "tokens export" 0 0
for tok in SAST-ADN0054f509 SAST-ADN008580ef; do
	[ -f "$T/der/$tok.cer" ] || { fail "export: no $tok.cer"; continue; }
	pkcs11-tool --module "$SOFTHSM" --token-label "$tok" --read-object \
		--type cert --id 01 -o "$T/ref-$tok.der" >/dev/null 2>&1 ||
		fail "pkcs11-tool cannot read $tok's certificate"
	cmp -s "$T/der/$tok.cer" "$T/ref-$tok.der" ||
		fail "export: $tok.cer differs from the DER on the token"
done
[ "$(ls "$T/der" | wc -l)" -eq 2 ] || fail "export wrote other files: $(ls "$T/der")"

# PEM, one token chosen by URI.
mkdir "$T/pem"
run "$BIN" tokens export -q --format pem --out "$T/pem" "$T2"
expect "export --format pem URI" 0 0
[ "$(ls "$T/pem")" = SAST-ADN008580ef.pem ] || fail "export pem: $(ls "$T/pem")"
openssl x509 -in "$T/pem/SAST-ADN008580ef.pem" -outform DER -out "$T/pem.der" 2>/dev/null
cmp -s "$T/pem.der" "$T/ref-SAST-ADN008580ef.der" || fail "export pem: not the token's certificate"

# A symlink where a file goes is refused by name, never followed nor
# replaced (tests/cli/export_atomic.sh has the multi-file cases).
mkdir "$T/ln"
echo victim >"$T/victim"
ln -s "$T/victim" "$T/ln/SAST-ADN008580ef.cer"
run "$BIN" tokens export -q --out "$T/ln" "$T2"
expect "export over a symlink" 3 1 \
	"ctlsign: $T/ln/SAST-ADN008580ef.cer: is a symbolic link; refusing to replace it"
[ "$(cat "$T/victim")" = victim ] || fail "export over a symlink: wrote through it"
[ -L "$T/ln/SAST-ADN008580ef.cer" ] || fail "export over a symlink: the link was replaced"
no_tmp "$T/ln" "export over a symlink"

# Failures: nothing written, the right exit status, one line.
mkdir "$T/none"
run "$BIN" tokens export --out "$T/none" 'pkcs11:token=SAST-ADN0000dead'
expect "export: no such token" 4 1 "no such token"
run "$BIN" tokens export --out "$T/missing-dir"
expect "export: no directory" 3 1
run "$BIN" tokens export --out "$T/none" --format txt
expect "export: bad format" 2
run "$BIN" tokens export "$T1"
expect "export: no --out" 2
run "$BIN" tokens list --module "$T/nothing.so"
expect "list: bad module" 4 1 "cannot load the PKCS#11 module"
run "$BIN" tokens list 'pkcs11:token=x?pin-value=1234'
expect "list: pin-value" 2 1 "PIN on the command line"
run "$BIN" tokens frobnicate
expect "tokens: unknown subcommand" 2
[ -z "$(ls "$T/none")" ] || fail "failed exports wrote $(ls "$T/none")"

finish
