#!/bin/sh
# p11_proxy.sh - with no module named (no --module, no CTLSIGN_PKCS11_MODULE,
# no module-path=), ctlsign uses p11-kit's proxy, which loads every module
# the system registers: SoftHSM2 registers itself in
# /usr/share/p11-kit/modules/softhsm2.module, so the fixture tokens (found
# through SOFTHSM2_CONF) are listed and sign through the proxy, as a SafeNet
# eToken registered with p11-kit would, and through the URIs its
# `tokens list` prints.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"
unset CTLSIGN_PKCS11_MODULE

proxy=$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null || true)
[ -n "$proxy" ] && [ -e "$proxy" ] ||
	fail "p11-kit's proxy module is not installed (scripts/deps.sh installs p11-kit-modules)"
grep -rqs libsofthsm2 /usr/share/p11-kit/modules/ /etc/pkcs11/modules/ ||
	fail "SoftHSM2 is not registered with p11-kit"

run notty "$BIN" tokens list
expect "tokens list through the proxy" 0 0
grep -qF "module $proxy: " "$T/out" || fail "tokens list: not the proxy: $(head -n 1 "$T/out")"
for tok in SAST-ADN0054f509 SAST-ADN008580ef; do
	grep -q "^token $tok$" "$T/out" || fail "tokens list through the proxy lacks $tok: $(cat "$T/out")"
done

run env CTLSIGN_PIN=$PIN "$BIN" build -q -o "$T/CTL.tlv" --timestamp "$TS" \
	--sign-token "$T1" --sast-token "$T2" --ccm-tftp "$C/pub.pem"
expect "build through the proxy" 0 0
run "$BIN" verify "$T/CTL.tlv"
expect "verify the proxy-signed CTL" 0 0

# The URIs the proxy's listing prints sign the same CTL (p11_uri.sh has
# the awkward labels).
run notty "$BIN" tokens list
u1=$(sed -n '/^token SAST-ADN0054f509$/,/^token /s/^    uri     //p' "$T/out" | head -n 1)
u2=$(sed -n '/^token SAST-ADN008580ef$/,/^token /s/^  uri //p' "$T/out" | head -n 1)
case $u1 in pkcs11:*";token=SAST-ADN0054f509;id=%01;object=SAST-ADN0054f509;type=cert") ;;
*) fail "proxy: certificate URI '$u1'" ;; esac
run env CTLSIGN_PIN=$PIN "$BIN" build -q -o "$T/CTL-uri.tlv" --timestamp "$TS" \
	--sign-token "$u1" --sast-token "$u2" --ccm-tftp "$C/pub.pem"
expect "build through the proxy with the printed URIs" 0 0
cmp -s "$T/CTL.tlv" "$T/CTL-uri.tlv" || fail "proxy: the printed URIs sign another CTL"
finish
