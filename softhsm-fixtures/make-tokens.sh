#!/bin/sh
# make-tokens.sh - SoftHSM2 tokens shaped like the SAST USB eTokens of the
# Windows CTL client, in a private SOFTHSM2_CONF directory, in seconds.
#
#   usage: softhsm-fixtures/make-tokens.sh DIR [--extra]
#
# DIR/softhsm2.conf, DIR/tokens/    the SoftHSM store (nothing outside DIR)
# DIR/env.sh                        `. DIR/env.sh` sets SOFTHSM2_CONF and
#                                   CTLSIGN_PKCS11_MODULE for the tokens
# DIR/pin                           the user PIN (a pin-source= file)
# DIR/ca/                           a test manufacturing CA (not Cisco's)
# DIR/SAST-*/                       each token's key and certificate (DER)
# DIR/cluster/                      a two-node cluster: pub.pem (CallManager,
#                                   CCM+TFTP), capf.pem, sub1.pem
#
# Tokens (user PIN $FIXTURE_PIN, default Cisco123 as on new eTokens):
#   SAST-ADN0054f509  RSA 1024, serial 3C:F9:27:00:00:00:AF:A2:DA:45
#   SAST-ADN008580ef  RSA 2048, serial 83:E9:08:00:00:00:55:45:AF:31, and
#                     the CA's certificate (a second, non-SAST certificate)
# With --extra, broken tokens for the error tests:
#   NOCERT            a key and no certificate
#   NOKEY             a SAST certificate whose key is not on the token
#   SAST-TWIN (x2)    two tokens with the same label
#   SAST-ADN00ba5e01  certificate id 01, its key id 02 (found by public key)
#
# The subjects copy the CTL client's tokens, trailing blank included:
# CN=SAST-ADN0054f509 ,OU=IPCBU,O=Cisco Systems.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [--extra]" >&2; exit 2; }
dir=$1
extra=${2:-}
pin=${FIXTURE_PIN:-Cisco123}
so_pin=87654321
for m in /usr/lib/softhsm/libsofthsm2.so \
	/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
	/usr/local/lib/softhsm/libsofthsm2.so; do
	[ -r "$m" ] && { module=$m; break; }
done
[ -n "${module:-}" ] || { echo "$0: libsofthsm2.so not found (apt-get install softhsm2)" >&2; exit 3; }
command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null ||
	{ echo "$0: needs softhsm2-util and pkcs11-tool (softhsm2, opensc)" >&2; exit 3; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -rf "$dir/tokens"
mkdir -p "$dir/tokens" "$dir/ca" "$dir/cluster"
umask 077
cat >"$dir/softhsm2.conf" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
export SOFTHSM2_CONF="$dir/softhsm2.conf"
printf '%s\n' "$pin" >"$dir/pin"
cat >"$dir/env.sh" <<EOF
export SOFTHSM2_CONF='$dir/softhsm2.conf'
export CTLSIGN_PKCS11_MODULE='$module'
EOF

q() { "$@" >/dev/null 2>"$dir/last.err" || { cat "$dir/last.err" >&2; exit 1; }; }

# The manufacturing CA (stands in for "Cisco Manufacturing CA").
q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca/ca.key" \
	-out "$dir/ca/ca.pem" -days 7300 -sha256 -set_serial 1 \
	-subj "/CN=Test Manufacturing CA/O=ctlsign fixtures"

# newtoken LABEL: a fresh token; prints its slot number.
newtoken() {
	softhsm2-util --init-token --free --label "$1" --pin "$pin" \
		--so-pin "$so_pin" 2>"$dir/last.err" |
		sed -n 's/.*reassigned to slot \([0-9]*\).*/\1/p'
}

# mkcert NAME BITS SERIAL: DIR/NAME/key.pem, key.p8, cert.der issued by the CA.
mkcert() {
	d="$dir/$1"
	mkdir -p "$d"
	q openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$d/key.pem"
	q openssl pkcs8 -topk8 -nocrypt -in "$d/key.pem" -out "$d/key.p8"
	q openssl req -new -key "$d/key.pem" -out "$d/req.csr" \
		-subj "/CN=$1 /OU=IPCBU/O=Cisco Systems"
	q openssl x509 -req -in "$d/req.csr" -CA "$dir/ca/ca.pem" \
		-CAkey "$dir/ca/ca.key" -set_serial "0x$3" -days 7300 -sha1 \
		-outform DER -out "$d/cert.der"
}

# put SLOT NAME [key] [cert] [ID]: load NAME's key and/or certificate.
put() {
	slot=$1 name=$2 id=${5:-01}
	if [ "$3" = key ]; then
		q softhsm2-util --import "$dir/$name/key.p8" --slot "$slot" \
			--label "$name" --id "$id" --pin "$pin"
	fi
	if [ "$4" = cert ]; then
		q pkcs11-tool --module "$module" --slot "$slot" --login --pin "$pin" \
			--write-object "$dir/$name/cert.der" --type cert \
			--id "$id" --label "$name"
	fi
}

sast() { # LABEL BITS SERIAL
	mkcert "$1" "$2" "$3"
	s=$(newtoken "$1")
	[ -n "$s" ] || { cat "$dir/last.err" >&2; exit 1; }
	put "$s" "$1" key cert
}

sast SAST-ADN0054f509 1024 3CF927000000AFA2DA45
sast SAST-ADN008580ef 2048 83E9080000005545AF31
# Token 2 also carries the CA certificate: the SAST one must be chosen.
q openssl x509 -in "$dir/ca/ca.pem" -outform DER -out "$dir/ca/ca.der"
q pkcs11-tool --module "$module" --slot "$s" --login --pin "$pin" \
	--write-object "$dir/ca/ca.der" --type cert --id 02 \
	--label "Test Manufacturing CA"

if [ "$extra" = --extra ]; then
	mkcert NOCERT 1024 0A0B0C0D0E
	s=$(newtoken NOCERT)
	put "$s" NOCERT key nocert
	# The certificate under id 01, an unrelated key under id 02.
	mkcert NOKEY 1024 0102030405
	mkcert NOKEY-other 1024 0102030406
	s=$(newtoken NOKEY)
	put "$s" NOKEY nokey cert 01
	put "$s" NOKEY-other key nocert 02
	# The key under another id than its certificate: found by public key.
	mkcert SAST-ADN00ba5e01 1024 0BA5E010000000000001
	s=$(newtoken SAST-ADN00ba5e01)
	put "$s" SAST-ADN00ba5e01 nokey cert 01
	put "$s" SAST-ADN00ba5e01 key nocert 02
	mkcert SAST-TWIN 1024 0505050505
	s=$(newtoken SAST-TWIN)
	put "$s" SAST-TWIN key cert
	s=$(newtoken SAST-TWIN)
	put "$s" SAST-TWIN key cert
fi

# The cluster's server certificates (self-signed, as CUCM makes them).
server() { # NAME CN
	q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/cluster/$1.key" \
		-out "$dir/cluster/$1.pem" -days 1825 -sha256 \
		-subj "/CN=$2/OU=TAC/O=Cisco/L=Krakow/ST=Malopolska/C=PL"
}
server pub cucm-pub
server capf CAPF-e41e7d87
server sub1 cucm-sub1
rm -f "$dir/last.err"
