#!/bin/sh
# make-fixtures.sh - regenerates the committed test PKI in this directory
# with the OpenSSL CLI. Keys are test-only. The certificates are sized to
# reproduce the "worked sizes" of shared/FORMAT.md to the byte (a 694-byte
# RSA-1024 publisher CallManager certificate, ...), by tuning the length of
# an nsComment extension. Run it only to change the fixtures: the golden
# files in this directory are built from them (tests/test_golden.c).
set -eu
cd "$(dirname "$0")"
# No default extensions: the sizes must not depend on the system openssl.cnf.
cnf=$(mktemp)
trap 'rm -f "$cnf"' EXIT
printf '[req]\ndistinguished_name=dn\n[dn]\n' >"$cnf"

# cert NAME BITS SUBJECT SERIAL TARGET_DER_SIZE [ISSUER_NAME]
# Self-signed unless ISSUER_NAME (a NAME made earlier) is given.
cert() {
	name=$1 bits=$2 subj=$3 serial=$4 target=$5 issuer=${6:-}
	[ -f "$name.key" ] || openssl genpkey -algorithm RSA \
		-pkeyopt rsa_keygen_bits:"$bits" -out "$name.key" 2>/dev/null
	chmod 600 "$name.key"
	pad=8
	i=0
	while :; do
		comment=$(printf '%*s' "$pad" '' | tr ' ' x)
		if [ -z "$issuer" ]; then
			openssl req -config "$cnf" -x509 -new -key "$name.key" -subj "$subj" \
				-set_serial "$serial" -days 3650 -sha256 \
				-addext "nsComment=$comment" -outform DER \
				-out "$name.der" 2>/dev/null
		else
			openssl req -config "$cnf" -new -key "$name.key" -subj "$subj" \
				-out "$name.csr" 2>/dev/null
			printf 'nsComment=%s\nbasicConstraints=CA:FALSE\n' \
				"$comment" >"$name.ext"
			openssl x509 -req -in "$name.csr" -CA "$issuer.pem" \
				-CAkey "$issuer.key" -set_serial "$serial" \
				-days 3650 -sha256 -extfile "$name.ext" \
				-outform DER -out "$name.der" 2>/dev/null
			rm -f "$name.csr" "$name.ext"
		fi
		size=$(wc -c <"$name.der")
		[ -z "$target" ] && break
		[ "$size" -eq "$target" ] && break
		pad=$((pad + target - size))
		[ "$pad" -lt 1 ] && pad=1
		i=$((i + 1))
		[ "$i" -lt 8 ] || { echo "cannot size $name to $target" >&2; exit 1; }
	done
	openssl x509 -inform DER -in "$name.der" -out "$name.pem"
	rm -f "$name.der"
}

# The two-node CUCM 10.5 cluster of seed 002 (FORMAT.md "Worked sizes").
cert pub 1024 "/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=cucm-1051-a-pub" \
	0x70CAF64E090751B9DF22F49F754FC5BB 694
cert sub1 1024 "/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=cucm-1051-a-sub1" \
	0x5C2A1B0E7D3F4A69B1C8D2E3F4051627 696
cert capf 1024 "/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=CAPF-e41e7d87" \
	0x3E5A9C1D2B4F6071 688
# An ITL TVS certificate (FORMAT.md: RSA-2048 self-signed, record 743).
cert tvs 2048 "/C=US/ST=North Carolina/L=RTP/O=Cisco/OU=TAC/CN=CUCM8-Publisher.bbbburns.lab" \
	0x2E3E1A7BDAA64D84 ""
# CUCM 12+ signs the tokenless CTL with ITLRecovery (RSA-2048).
cert itlrecovery 2048 "/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=ITLRECOVERY_cucm-1051-a-pub" \
	0x1A2B3C4D5E6F7081 ""
# Key sizes at the edges: 4096 works, 3072 has no SIGNATUREMODULUS code.
cert big4096 4096 "/C=PL/O=Cisco/OU=TAC/CN=cucm-big" 0x0102030405060708 ""
cert odd3072 3072 "/C=PL/O=Cisco/OU=TAC/CN=cucm-odd" 0x0807060504030201 ""
# A non-RSA key: phones cannot verify it, the signer must refuse it.
[ -f ec.key ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
openssl req -config "$cnf" -x509 -new -key ec.key -subj "/CN=cucm-ec" -set_serial 7 -days 3650 -out ec.pem
echo "fixtures ready in $(pwd)"
