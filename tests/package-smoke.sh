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
# ctlsign cluster runs the installed ctlsign-cluster (not found: exit 6).
run "$BIN" cluster --help
expect "cluster --help through the installed ctlsign-cluster" 0 0
grep -q "usage: ctlsign cluster" "$T/out" || fail "cluster --help: $(head -n 2 "$T/out")"
# The example configuration is installed and is one the program reads: a
# node it cannot reach is exit 5, not a configuration error (exit 2).
ex=$(ls /usr/share/doc/ctlsign/examples/cluster.conf* 2>/dev/null | head -n 1)
if [ -z "$ex" ]; then
	fail "no example cluster.conf installed"
else
	mkdir "$T/conf"
	case $ex in *.gz) gzip -dc "$ex" ;; *) cat "$ex" ;; esac |
		sed 's/^host = .*/host = 127.0.0.1/; s/^port = .*//' >"$T/conf/cluster.conf"
	chmod 600 "$T/conf/cluster.conf"
	: >"$T/conf/known_hosts"
	chmod 600 "$T/conf/known_hosts"
	run env HOME="$T" "$BIN" cluster status -c "$T/conf/cluster.conf" -j 1
	[ "$rc" -ne 2 ] || fail "the example cluster.conf is refused: $(cat "$T/err")"
fi
[ -f /usr/share/bash-completion/completions/ctlsign ] || fail "no bash completion installed"

# The installed PKCS#11 guard is found (no module is loaded without it):
# the SoftHSM2 stand-ins for two eTokens are listed.
sh "$(dirname "$0")/../softhsm-fixtures/make-tokens.sh" "$T/fx" >/dev/null
. "$T/fx/env.sh"
run "$BIN" tokens list
expect "tokens list through the installed guard" 0 0
[ "$(grep -c '^token SAST-' "$T/out")" -eq 2 ] || fail "tokens list: $(cat "$T/out") $(cat "$T/err")"
finish
