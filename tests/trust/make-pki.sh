#!/bin/sh
# make-pki.sh DIR - the certificates of the phone-trust scenarios
# (tests/trust/*.sh), made with the OpenSSL CLI into DIR, as
# tests/data/make-fixtures.sh makes the engine's. Keys are test-only and
# RSA-1024 (the size of the seed cluster's CallManager.pem), which keeps
# the run short. Names follow the seed notes:
#   cluster A (seed 002's two nodes):
#     pub_cm, pub_tvs      CallManager.pem and TVS.pem of cucm-1051-a-pub
#     pub_cm2, pub_tvs2    the same host after the certificates are regenerated
#     pub_ren_cm, pub_ren_tvs  after the host is renamed (cucm-1051-a-pub2)
#     sub_cm, sub_tvs, sub_ren_cm, sub_ren_tvs  the subscriber, before/after rename
#     capf                 CAPF
#     etoken1, etoken2     SAST eTokens, issued by cisco_ca (Cisco Manufacturing CA)
#   cluster B (seed 000 "moving phones between clusters"): b_cm, b_tvs, b_capf
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
cd "$1"
cnf=$(mktemp)
trap 'rm -f "$cnf"' EXIT
printf '[req]\ndistinguished_name=dn\n[dn]\n' >"$cnf"
A="/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC"
n=0

# cert NAME SUBJECT [ISSUER]: a key and a certificate, self-signed unless ISSUER.
cert() {
	n=$((n + 1))
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1.key" 2>/dev/null
	chmod 600 "$1.key"
	if [ $# -eq 2 ]; then
		openssl req -config "$cnf" -x509 -new -key "$1.key" -subj "$2" \
			-set_serial "$((0x5e000 + n))" -days 3650 -sha256 -out "$1.pem" 2>/dev/null
	else
		openssl req -config "$cnf" -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
		openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
			-set_serial "$((0x5e000 + n))" -days 3650 -sha256 -out "$1.pem" 2>/dev/null
		rm -f "$1.csr"
	fi
}

cert pub_cm "$A/CN=cucm-1051-a-pub"
cert pub_tvs "$A/CN=cucm-1051-a-pub"
cert pub_cm2 "$A/CN=cucm-1051-a-pub"
cert pub_tvs2 "$A/CN=cucm-1051-a-pub"
cert pub_ren_cm "$A/CN=cucm-1051-a-pub2"
cert pub_ren_tvs "$A/CN=cucm-1051-a-pub2"
cert sub_cm "$A/CN=cucm-1051-a-sub1"
cert sub_tvs "$A/CN=cucm-1051-a-sub1"
cert sub_ren_cm "$A/CN=cucm-1051-a-sub2"
cert sub_ren_tvs "$A/CN=cucm-1051-a-sub2"
cert capf "$A/CN=CAPF-e41e7d87"
cert cisco_ca "/O=Cisco Systems/CN=Cisco Manufacturing CA"
cert etoken1 "/O=Cisco Systems/OU=IPCBU/CN=SAST-ADN0054f509 " cisco_ca
cert etoken2 "/O=Cisco Systems/OU=IPCBU/CN=SAST-ADN008580ef " cisco_ca
B="/C=US/ST=North Carolina/L=RTP/O=Cisco/OU=TAC"
cert b_cm "$B/CN=CUCM8-Publisher.bbbburns.lab"
cert b_tvs "$B/CN=CUCM8-Publisher.bbbburns.lab"
cert b_capf "$B/CN=CAPF-9c4cba7d"
echo "phone-trust PKI ready in $(pwd)"
