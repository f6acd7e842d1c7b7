#!/bin/sh
# package-smoke.sh - the installed program (dpkg -i of the package
# scripts/package.sh builds) runs: version, man page, an engine command on
# the golden files, and the PKCS#11 guard found where it was installed (SoftHSM2 tokens).
#   usage: sh tests/package-smoke.sh /usr/bin/ctlsign TESTS_DATA_DIR
. "$(dirname "$0")/cli/lib.sh"

run "$BIN" --version
expect "--version" 0 0
grep -q '^ctlsign [0-9]' "$T/out" || fail "--version: $(cat "$T/out")"
[ -f /usr/share/man/man1/ctlsign.1.gz ] || fail "no man page installed"
run "$BIN" verify "$DATA/golden/CTLFile.tlv" "$DATA/golden/ITLFile.tlv"
expect "verify the golden files" 0 0
# The installed PKCS#11 guard is found (no module is loaded without it):
# the SoftHSM2 stand-ins for two eTokens are listed.
sh "$(dirname "$0")/../softhsm-fixtures/make-tokens.sh" "$T/fx" >/dev/null
. "$T/fx/env.sh"
run "$BIN" tokens list
expect "tokens list through the installed guard" 0 0
[ "$(grep -c '^token SAST-' "$T/out")" -eq 2 ] || fail "tokens list: $(cat "$T/out") $(cat "$T/err")"
finish
