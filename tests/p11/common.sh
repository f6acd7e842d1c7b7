# common.sh - sourced by tests/p11/*.sh after tests/cli/lib.sh: SoftHSM2
# tokens shaped like SAST eTokens in this test's own directory (so tests
# run in parallel), the cluster's certificates, and helpers.
#   FIXTURE_ARGS="--extra" before sourcing adds the broken tokens.
: "${CTLSIGN_FIXTURES:?set by tests/p11.cmake}"
FX=$T/fx
sh "$CTLSIGN_FIXTURES" "$FX" ${FIXTURE_ARGS:-} >/dev/null
. "$FX/env.sh"
SOFTHSM=$CTLSIGN_PKCS11_MODULE
unset CTLSIGN_PIN CTLSIGN_KEY_PASSPHRASE
PIN=Cisco123
T1='pkcs11:token=SAST-ADN0054f509'
T2='pkcs11:token=SAST-ADN008580ef'
C=$FX/cluster

# tbuild OUT ARGS...: build a CTL of the fixture cluster with ARGS' tokens.
tbuild() {
	tb_out=$1
	shift
	"$BIN" build -o "$tb_out" --timestamp "$TS" "$@" \
		--ccm-tftp "$C/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
		--capf "$C/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
		--ccm-tftp "$C/sub1.pem,dns=cucm-sub1,ip=10.48.47.156"
}

# notty CMD...: run without a controlling terminal, so that nothing can
# ask for a PIN on /dev/tty (a test that needed one would fail).
notty() {
	setsid -w "$@" </dev/null
}

# sha1der FILE: SHA-1 of a DER certificate, lower-case hex.
sha1der() {
	openssl x509 -inform DER -in "$1" -noout -fingerprint -sha1 |
		sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# unchanged FILE WHAT: FILE still holds "old" (a failed build left it be).
unchanged() {
	[ "$(cat "$1")" = old ] || fail "$2: $1 was replaced"
	no_tmp "$(dirname "$1")" "$2"
}
