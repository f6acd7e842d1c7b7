#!/bin/sh
# p11_enc.sh - encrypted configuration files with keys on tokens (SoftHSM2
# via libp11): decrypted with a phone key on a token (`--phone-key
# pkcs11:...`), and signed with `sgn encrypt --sign-token`. A token key
# that is not the one the file was wrapped for, a URI that names no key,
# and a wrong PIN are refused with no plaintext written.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"

cp "$DATA/pub.key" "$T/pub.key"
cp "$DATA/tvs.key" "$T/tvs.key"
chmod 600 "$T/pub.key" "$T/tvs.key"
printf '<device><fullConfig>true</fullConfig><sshPassword>x</sshPassword></device>\n' >"$T/SEP1.cnf.xml"
out=$T/plain.xml

# Token 1's RSA-1024 key stands in for a phone's LSC key on a token.
run "$BIN" sgn encrypt "$T/SEP1.cnf.xml" --phone-cert "$FX/SAST-ADN0054f509/cert.der" \
	--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem"
expect "encrypt for token 1" 0
export CTLSIGN_PIN=$PIN
run notty "$BIN" sgn decrypt "$T/SEP1.cnf.xml.enc.sgn" --phone-key "$T1" \
	--cert "$DATA/pub.pem" -o "$out"
expect "decrypt with token 1" 0
cmp -s "$out" "$T/SEP1.cnf.xml" || fail "decrypt with token 1: not the configuration"
rm -f "$out"
run notty "$BIN" sgn decrypt "$T/SEP1.cnf.xml.enc.sgn" --phone-key "$T1;object=nosuchkey" \
	--cert "$DATA/pub.pem" -o "$out"
expect "a URI naming no key" 4 1 "no private key"
[ ! -e "$out" ] || fail "a URI naming no key: plaintext written"
run notty "$BIN" sgn decrypt "$T/SEP1.cnf.xml.enc.sgn" --phone-key "$T2" \
	--cert "$DATA/pub.pem" -o "$out"
expect "another token's key" 1 1 "ENCKEY"
[ ! -e "$out" ] || fail "another token's key: plaintext written"
CTLSIGN_PIN=0000 run notty "$BIN" sgn decrypt "$T/SEP1.cnf.xml.enc.sgn" --phone-key "$T1" \
	--cert "$DATA/pub.pem" -o "$out"
expect "a wrong PIN" 4 1 "wrong PIN"
[ ! -e "$out" ] || fail "a wrong PIN: plaintext written"
no_tmp "$T" "token decrypt"

# Signed by token 2 (RSA 2048), for a phone key in a file.
openssl x509 -inform DER -in "$FX/SAST-ADN008580ef/cert.der" -out "$T/tok2.pem"
run notty "$BIN" sgn encrypt "$T/SEP1.cnf.xml" --phone-cert "$DATA/tvs.pem" \
	--sign-token "$T2" -o "$T/SEP2.cnf.xml.enc.sgn" --stub
expect "encrypt signed by token 2" 0
run "$BIN" sgn decrypt "$T/SEP2.cnf.xml.enc.sgn" --phone-key "$T/tvs.key" \
	--cert "$T/tok2.pem" -o "$out"
expect "decrypt what token 2 signed" 0
cmp -s "$out" "$T/SEP1.cnf.xml" || fail "token-signed: not the configuration"
run "$BIN" sgn verify "$T/SEP2.cnf.xml.sgn" --cert "$T/tok2.pem"
expect "the token-signed stub" 0
finish
