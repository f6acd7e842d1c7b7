#!/bin/sh
# input_messages.sh - an error names the piece that is wrong: a role
# option's mistyped attribute (not "FILE,dn=x: cannot open"), the reason
# a configuration cannot be opened; and a DER private key (PKCS#8,
# encrypted or not, or PKCS#1 RSA) signs as its PEM form does, byte for
# byte, under the same passphrase policy; a DER key that is not RSA is
# refused as one.
. "$(dirname "$0")/lib.sh"

cp "$DATA/pub.key" "$T/sign.key"
chmod 600 "$T/sign.key"
# b OUT [ROLE SPEC]...: a CTL signed by sign.key (nothing on stdin).
b() {
	out=$1
	shift
	run "$BIN" build -q -o "$out" --timestamp "$TS" --sign-key "$T/sign.key" \
		--sign-cert "$DATA/pub.pem" "$@" </dev/null
}

# Role specs: the wrong attribute is named, by itself.
b "$T/x.tlv" --ccm-tftp "$DATA/pub.pem,dn=x"
expect "dn=x" 2 1 "$DATA/pub.pem,dn=x: unknown attribute 'dn' (dns=NAME or ip=A.B.C.D)"
grep -q "cannot open" "$T/err" && fail "dn=x: blamed on the file: $(cat "$T/err")"
b "$T/x.tlv" --ccm-tftp "$DATA/pub.pem,ip=10.0.0.1,DNS=pub"
expect "DNS=pub" 2 1 "unknown attribute 'DNS'"
b "$T/x.tlv" --capf "$DATA/capf.pem,dns"
expect "dns without a value" 2 1 "$DATA/capf.pem,dns: attribute 'dns' without its value (dns=NAME)"
b "$T/x.tlv" --capf "$DATA/capf.pem,dns=pub,ip"
expect "ip without a value" 2 1 "attribute 'ip' without its value (ip=A.B.C.D)"
b "$T/x.tlv" --capf "$DATA/capf.pem,ip=10.0.0.300"
expect "a bad address" 2 1 "ip=10.0.0.300 is not an IPv4 address"
b "$T/x.tlv" --capf "$T/nosuch.pem,dns=pub"
expect "a missing file" 3 1 "$T/nosuch.pem: cannot open: No such file or directory"
[ ! -e "$T/x.tlv" ] || fail "a refused role spec wrote the output"
# A file whose own name holds ",word=" is still a file when it exists.
cp "$DATA/capf.pem" "$T/capf,v=2.pem"
cp "$DATA/tvs.pem" "$T/tvs,dns"
b "$T/x.tlv" --ccm-tftp "$DATA/pub.pem" --capf "$T/capf,v=2.pem,dns=pub" --tvs "$T/tvs,dns"
expect "files named with commas" 0 0
run "$BIN" show "$T/x.tlv"
grep -q "CAPF-e41e7d87" "$T/out" && grep -q "CN=CUCM8-Publisher" "$T/out" &&
	grep -q "^2  *DNSNAME  *4  *pub$" "$T/out" || fail "files named with commas: $(cat "$T/out")"
rm -f "$T/x.tlv"

# A configuration that cannot be opened: why.
run "$BIN" cluster status -c "$T/nosuch.conf"
expect "cluster -c nosuch.conf" 3 1 "$T/nosuch.conf: cannot open: No such file or directory"
run "$BIN" cluster status -c "$T"
expect "cluster -c DIR" 3 1 "$T: not a regular file"
if [ "$(id -u)" -ne 0 ]; then
	: >"$T/locked.conf"
	chmod 000 "$T/locked.conf"
	run "$BIN" cluster status -c "$T/locked.conf"
	expect "cluster -c unreadable" 3 1 "$T/locked.conf: cannot open: Permission denied"
fi

# DER keys: the same bytes as with the PEM key (PKCS#1 v1.5 signatures
# are deterministic), no passphrase asked for a key without one.
b "$T/pem.tlv" --ccm-tftp "$DATA/pub.pem"
expect "PEM key" 0 0
openssl pkcs8 -topk8 -nocrypt -in "$DATA/pub.key" -outform DER -out "$T/p8.der"
openssl rsa -in "$DATA/pub.key" -outform DER -traditional -out "$T/p1.der" 2>/dev/null
openssl pkcs8 -topk8 -in "$DATA/pub.key" -outform DER -out "$T/p8e.der" -passout pass:der-secret
openssl pkcs8 -topk8 -in "$DATA/pub.key" -outform DER -out "$T/p8e3.der" \
	-v1 PBE-SHA1-3DES -passout pass:der-secret
for k in p8 p1; do
	cp "$T/$k.der" "$T/sign.key"
	b "$T/$k.tlv" --ccm-tftp "$DATA/pub.pem"
	expect "DER key $k" 0 0
	cmp -s "$T/pem.tlv" "$T/$k.tlv" || fail "DER key $k: not the PEM key's bytes"
done
for k in p8e p8e3; do
	cp "$T/$k.der" "$T/sign.key"
	CTLSIGN_KEY_PASSPHRASE=der-secret b "$T/$k.tlv" --ccm-tftp "$DATA/pub.pem"
	expect "encrypted DER key $k" 0 0
	cmp -s "$T/pem.tlv" "$T/$k.tlv" || fail "encrypted DER key $k: not the PEM key's bytes"
	CTLSIGN_KEY_PASSPHRASE=wrong b "$T/w.tlv" --ccm-tftp "$DATA/pub.pem"
	expect "encrypted DER key $k, wrong passphrase" 2 1 "sign.key: cannot decrypt the key (wrong passphrase?)"
	# No terminal and no variable: asked, and refused, never guessed.
	env -u CTLSIGN_KEY_PASSPHRASE setsid -w sh -c \
		'"$0" build -q -o "$1/w.tlv" --timestamp 1 --sign-key "$1/sign.key" --sign-cert "$2/pub.pem" --ccm-tftp "$2/pub.pem" </dev/null' \
		"$BIN" "$T" "$DATA" >"$T/out" 2>"$T/err" && rc=0 || rc=$?
	expect "encrypted DER key $k, no passphrase" 2 1 "set CTLSIGN_KEY_PASSPHRASE"
	[ ! -e "$T/w.tlv" ] || fail "encrypted DER key $k: a file written with a wrong passphrase"
done
# Not RSA: refused by name. Not a key: says what it wanted.
openssl ec -in "$DATA/ec.key" -outform DER -out "$T/sec1.der" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$DATA/ec.key" -outform DER -out "$T/ec8.der"
for k in sec1 ec8; do
	cp "$T/$k.der" "$T/sign.key"
	b "$T/x.tlv" --ccm-tftp "$DATA/pub.pem"
	expect "DER EC key $k" 2 1 "sign.key: not an RSA key: phones verify RSA signatures only"
done
openssl x509 -in "$DATA/pub.pem" -outform DER -out "$T/sign.key"
b "$T/x.tlv" --ccm-tftp "$DATA/pub.pem"
expect "a DER certificate as the key" 2 1 \
	"sign.key: not a private key: neither PEM nor DER (PKCS#8, encrypted or not, or PKCS#1 RSA)"
# A DER key with a byte after it, or cut short, is not a key.
cat "$T/p1.der" >"$T/sign.key"
printf '\0' >>"$T/sign.key"
b "$T/x.tlv" --ccm-tftp "$DATA/pub.pem"
expect "a DER key with a trailing byte" 2 1 "sign.key: not a private key"
head -c 300 "$T/p8.der" >"$T/sign.key"
b "$T/x.tlv" --ccm-tftp "$DATA/pub.pem"
expect "a cut DER key" 2 1 "sign.key: not a private key"
[ ! -e "$T/x.tlv" ] || fail "a refused key wrote the output"
finish
