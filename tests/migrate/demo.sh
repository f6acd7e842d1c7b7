# demo.sh - the token half of scripts/demo.sh (softhsm-fixtures/demo-tokens.sh)
# runs to its end: the eToken CTL built and verified, and `migrate
# to-etoken` planned (--dry-run, with predicted verdicts) and carried out
# on a local TFTP root, which ends serving the eToken CTL.
#   usage: sh tests/migrate/demo.sh CTLSIGN TESTS_DATA_DIR
. "$(dirname "$0")/../cli/lib.sh"
DEMO=$(dirname "$0")/../../softhsm-fixtures/demo-tokens.sh
# A real token behind the default module would make the demo take the
# other path (list and export only): the test needs SoftHSM's.
if env -u CTLSIGN_PKCS11_MODULE "$BIN" tokens list 2>/dev/null | grep -q 'SAST eToken'; then
	echo "skip: a real SAST eToken is plugged in"
	exit 77
fi
run sh "$DEMO" "$BIN" "$T/out-demo"
expect "demo-tokens.sh" 0
for t in '$ ctlsign migrate to-etoken --tftp-root tftp --state migrate' \
	'predicted for migrate/files/7/CTLFile.tlv:' \
	'migrate to-etoken: done: every step is finished' \
	'(as the plan expects)'; do
	grep -qF -- "$t" "$T/out" || fail "demo output lacks '$t'"
done
cmp -s "$T/out-demo/tftp/CTLFile.tlv" "$T/out-demo/migrate/files/7/CTLFile.tlv" ||
	fail "the demo's TFTP root does not serve the eToken CTL"
"$BIN" verify -q "$T/out-demo/tftp/CTLFile.tlv" || fail "the demo's eToken CTL does not verify"
finish
