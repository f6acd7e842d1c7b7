#!/bin/sh
# sgn_selfcheck.sh - `sgn sign` and `build` write only what verifies
# (issue 11: one engine call, ctl_build_write, builds, verifies the
# result as a phone would, then writes). A key file whose private half
# is damaged while its public half still matches the certificate (so the
# key/certificate check passes) signs garbage: the file is refused with
# exit 1 and one line, and no output file appears; an old one stays as it
# was; no temporary file is left.
. "$(dirname "$0")/lib.sh"

cp "$DATA/pub.key" "$T/good.key"
chmod 600 "$T/good.key"
# The damaged key: d, dp and dq (INTEGERs 4, 7 and 8 of RSAPrivateKey)
# each with one bit flipped in the middle; n and e untouched.
openssl rsa -in "$DATA/pub.key" -traditional -outform DER -out "$T/bad.der" 2>/dev/null ||
	fail "openssl cannot write the key as DER"
for i in 4 7 8; do
	line=$(openssl asn1parse -inform DER -in "$T/bad.der" | grep 'prim: INTEGER' | sed -n "${i}p")
	off=${line%%:*}
	hl=$(echo "$line" | sed 's/.*hl= *\([0-9]*\).*/\1/')
	l=$(echo "$line" | sed 's/.* l= *\([0-9]*\).*/\1/')
	flip "$T/bad.der" $((off + hl + l / 2)) 1
done
(umask 077; openssl rsa -inform DER -in "$T/bad.der" -traditional -out "$T/bad.key" 2>/dev/null) ||
	fail "openssl cannot read the damaged key back"
# The test means something only if the damage is to the private half
# (openssl rsa -check exits 0 either way; its verdict is on stdout).
openssl rsa -in "$T/bad.key" -check -noout 2>/dev/null | grep -q "RSA key ok" &&
	fail "the damaged key still checks as a good key"
[ "$(openssl rsa -in "$T/bad.key" -pubout 2>/dev/null)" = \
  "$(openssl x509 -in "$DATA/pub.pem" -noout -pubkey)" ] ||
	fail "the damaged key's public half no longer matches pub.pem"

mkdir "$T/out.d"
echo "<config/>" >"$T/SEPAABBCCDDEEFF.cnf.xml"

# The good key: written, and it verifies (the control).
run "$BIN" sgn sign "$T/SEPAABBCCDDEEFF.cnf.xml" --sign-key "$T/good.key" \
	--sign-cert "$DATA/pub.pem" -o "$T/out.d/good.sgn" --timestamp "$TS"
expect "sgn sign, good key" 0 0
run "$BIN" sgn verify "$T/out.d/good.sgn" --cert "$DATA/pub.pem"
expect "sgn verify, good key" 0 0

# The damaged key, no file there: none written.
run "$BIN" sgn sign "$T/SEPAABBCCDDEEFF.cnf.xml" --sign-key "$T/bad.key" \
	--sign-cert "$DATA/pub.pem" -o "$T/out.d/bad.sgn" --timestamp "$TS"
expect "sgn sign, damaged key" 1 1 \
	"ctlsign: self-check of the new file failed; nothing written:" \
	"signature does not verify"
[ ! -e "$T/out.d/bad.sgn" ] || fail "sgn sign, damaged key: wrote $T/out.d/bad.sgn"
# The default name (FILE.sgn) too.
run "$BIN" sgn sign "$T/SEPAABBCCDDEEFF.cnf.xml" --sign-key "$T/bad.key" \
	--sign-cert "$DATA/pub.pem" --timestamp "$TS"
expect "sgn sign, damaged key, default name" 1 1 "self-check of the new file failed"
[ ! -e "$T/SEPAABBCCDDEEFF.cnf.xml.sgn" ] ||
	fail "sgn sign, damaged key: wrote $T/SEPAABBCCDDEEFF.cnf.xml.sgn"

# The damaged key over an old file: the old file stays.
echo old >"$T/out.d/old.sgn"
run "$BIN" sgn sign "$T/SEPAABBCCDDEEFF.cnf.xml" --sign-key "$T/bad.key" \
	--sign-cert "$DATA/pub.pem" -o "$T/out.d/old.sgn" --timestamp "$TS"
expect "sgn sign, damaged key, old file" 1 1 "self-check of the new file failed"
[ "$(cat "$T/out.d/old.sgn")" = old ] || fail "sgn sign, damaged key: the old file changed"

# build takes the same engine call.
echo old >"$T/out.d/CTLFile.tlv"
run "$BIN" build -q -o "$T/out.d/CTLFile.tlv" --timestamp "$TS" \
	--sign-key "$T/bad.key" --sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem"
expect "build, damaged key" 1 1 "self-check of the new file failed; nothing written:"
[ "$(cat "$T/out.d/CTLFile.tlv")" = old ] || fail "build, damaged key: the old file changed"

no_tmp "$T/out.d" "damaged key"
[ "$(ls "$T/out.d" | sort | tr '\n' ' ')" = "CTLFile.tlv good.sgn old.sgn " ] ||
	fail "stray files: $(ls "$T/out.d")"
finish
