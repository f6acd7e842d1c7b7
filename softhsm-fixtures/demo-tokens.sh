#!/bin/sh
# demo-tokens.sh - the token half of the demo (scripts/demo.sh runs it):
# the tokenless-to-eToken migration of seed 002 with two SoftHSM2 tokens
# shaped like SAST eTokens, when no real token is plugged in (with one,
# it lists the real tokens and exports their certificates, no PIN asked).
#   usage: softhsm-fixtures/demo-tokens.sh CTLSIGN OUTDIR
# List the tokens, export their certificates for Phone-SAST-trust, build a
# CTL naming both tokens signed by the first, show and verify it; then the
# same migration as a plan: `ctlsign migrate to-etoken --dry-run`, and the
# plan carried out on a local TFTP root (tests/migrate/demo.sh runs this).
set -eu
[ $# -eq 2 ] || { echo "usage: $0 CTLSIGN OUTDIR" >&2; exit 2; }
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
mkdir -p "$out/sast-certs"
out=$(cd "$out" && pwd)

# A real SAST eToken behind the default module (p11-kit's proxy or
# SafeNet's): show it and export its certificate, which needs no PIN, and
# say how to sign with it; the demo never spends a real token's PIN.
if real=$(env -u CTLSIGN_PKCS11_MODULE "$bin" tokens list 2>/dev/null) &&
	printf '%s\n' "$real" | grep -q 'SAST eToken'; then
	printf '\n# eTokens plugged in (the default PKCS#11 module)\n$ ctlsign tokens list\n%s\n' "$real"
	printf '\n$ ctlsign tokens export --out sast-certs\n'
	env -u CTLSIGN_PKCS11_MODULE "$bin" tokens export --out "$out/sast-certs"
	printf '\nTo sign a CTL with them (the PIN is asked without echo):\n'
	printf '  ctlsign build -o CTLFile.tlv --sign-token pkcs11:token=LABEL1 --sast-token pkcs11:token=LABEL2 --ccm-tftp ... --capf ...\n'
	exit 0
fi
fx=$out/softhsm
"$here/make-tokens.sh" "$fx" >/dev/null
. "$fx/env.sh"
cd "$out"
run() { printf '\n$ %s\n' "$*" | sed "s|$bin|ctlsign|; s|$fx/||g"; "$@"; }

printf '\n# eTokens (SoftHSM2 stand-ins, PKCS#11 module %s)\n' "$CTLSIGN_PKCS11_MODULE"
run "$bin" tokens list
run "$bin" tokens export --out sast-certs
# The PIN comes from the token's pin-source= file here; interactively it is
# asked without echo, in CI it can come from CTLSIGN_PIN.
run "$bin" build -o CTLFile-etoken.tlv \
	--sign-token "pkcs11:token=SAST-ADN0054f509?pin-source=$fx/pin" \
	--sast-token 'pkcs11:token=SAST-ADN008580ef' \
	--ccm-tftp "$fx/cluster/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
	--capf "$fx/cluster/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
	--ccm-tftp "$fx/cluster/sub1.pem,dns=cucm-sub1,ip=10.48.47.156"
run "$bin" show CTLFile-etoken.tlv
run "$bin" verify CTLFile-etoken.tlv

# The same migration as a plan (ctlsign migrate, docs/migrations.md), on a
# local TFTP root that serves the tokenless CTL today: the plan first
# (--dry-run: the steps, who does each, check's predicted verdicts), then
# carried out, with a bridge CTL first since the CallManager key is here.
# The person's steps (the phones) are confirmed with --confirm.
rm -rf "$out/migrate" "$out/tftp"
mkdir -p "$out/tftp"
install -m 600 "$fx/cluster/pub.key" "$out/pub.key"
"$bin" build -q -o "$out/tftp/CTLFile.tlv" --sign-key "$out/pub.key" \
	--sign-cert "$fx/cluster/pub.pem" \
	--ccm-tftp "$fx/cluster/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
	--capf "$fx/cluster/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
	--ccm-tftp "$fx/cluster/sub1.pem,dns=cucm-sub1,ip=10.48.47.156"
cp "$out/tftp/CTLFile.tlv" "$out/CTLFile-tokenless.tlv"
set -- to-etoken --tftp-root tftp --state migrate --ctl CTLFile-tokenless.tlv \
	--sign-key pub.key --sign-cert "$fx/cluster/pub.pem" \
	--sign-token "pkcs11:token=SAST-ADN0054f509?pin-source=$fx/pin" \
	--sast-token 'pkcs11:token=SAST-ADN008580ef'
run "$bin" migrate "$@" --dry-run
rc=0
run "$bin" migrate "$@" || rc=$?
while [ "$rc" -eq 20 ]; do
	# The person's step: here, "every phone holds the new CTL".
	next=$(sed -n 's/^ *"next": \([0-9][0-9]*\),*$/\1/p' migrate/state.json)
	rc=0
	run "$bin" migrate resume --state migrate --confirm "$next" || rc=$?
done
[ "$rc" -eq 0 ] || exit "$rc"
run "$bin" migrate status --state migrate
run "$bin" show tftp/CTLFile.tlv
