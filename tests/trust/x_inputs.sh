#!/bin/sh
# x_inputs.sh - the inputs around the model: the trust store directory
# (format and hostile contents), --tvs, new files that do not verify,
# `sgn verify --ctl/--itl`, and `build --from --held-itl --trust-store`,
# whose warning must be check's verdict word for word.
# shellcheck disable=SC2086 # $held is two options and their files, on purpose
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf ccm-tftp sub_cm
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl pub_cm2 ccm-tftp pub_cm2 capf capf ccm-tftp sub_cm
build_list "$N/ITLFile.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs capf capf
store "$T/store" pub_cm2 pub_tvs sub_cm capf
held="--ctl $H/CTLFile.tlv --itl $H/ITLFile.tlv"

# The store: one certificate per file, PEM or DER; a PEM file may hold
# several (a chain); names starting with '.' are ignored.
cat "$P/pub_cm2.pem" "$P/capf.pem" >"$T/chain.pem"
mkdir "$T/mixed"
cp "$T/chain.pem" "$T/mixed/chain.pem"
openssl x509 -in "$P/pub_tvs.pem" -outform DER -out "$T/mixed/tvs.der"
echo "not a certificate" >"$T/mixed/.notes"
judge "chain and DER store" 11 "tvs stranded first-file;direct not-used direct" \
	$held --trust-store "$T/mixed" "$N/CTLFile.tlv" "$N/ITLFile.tlv"

# Hostile stores: refused whole, one line naming the file, nothing judged.
store_refused() {
	what=$1 want=$2 text=$3
	run "$BIN" check $held --trust-store "$T/bad" "$N/CTLFile.tlv"
	expect "$what" "$want" 1 "--trust-store" "$text"
	[ ! -s "$T/out" ] || fail "$what: printed a verdict: $(cat "$T/out")"
	no_raw "$what"
}
run "$BIN" check $held --trust-store "$T/nonexistent" "$N/CTLFile.tlv"
expect "store that does not exist" 3 1 "$T/nonexistent: cannot open the trust store directory"
store "$T/bad" pub_cm2
echo "junk" >"$T/bad/readme.txt"
store_refused "a file that is not a certificate" 2 "$T/bad/readme.txt: not a PEM or DER certificate"
store "$T/bad" pub_cm2
head -c 300 "$P/pub_tvs.pem" >"$T/bad/cut.pem"
store_refused "a cut PEM file" 2 "$T/bad/cut.pem: not a PEM or DER certificate"
store "$T/bad" pub_cm2
mkdir "$T/bad/sub"
store_refused "a subdirectory" 3 "$T/bad/sub: a directory in the trust store directory"
store "$T/bad"
touch "$T/bad/.hidden"
store_refused "no certificate at all" 2 "$T/bad: the trust store directory holds no certificate"
store "$T/bad" pub_cm2
ln -s "$T/nowhere" "$T/bad/dangling.pem"
store_refused "a dangling link" 3 "$T/bad/dangling.pem:"
store "$T/bad" pub_cm2
bad=$(printf 'x\033]0;t\007\302\233y')
echo junk >"$T/bad/$bad.pem"
store_refused "a hostile file name" 2 'x\x1b]0;t\x07\xc2\x9by.pem: not a PEM or DER certificate'
store "$T/bad" pub_cm2
head -c 2000000 /dev/zero >"$T/bad/huge.pem"
store_refused "an oversized file" 2 "$T/bad/huge.pem"

# --tvs must be a certificate.
run "$BIN" check $held --tvs "$T/chain.pem.missing" "$N/CTLFile.tlv"
expect "--tvs missing" 3 1 "--tvs"
echo junk >"$T/junk.pem"
run "$BIN" check $held --tvs "$T/junk.pem" "$N/CTLFile.tlv"
expect "--tvs junk" 2 1 "--tvs: $T/junk.pem: not a PEM or DER certificate"

# A new file that does not verify is reported, and then nothing is judged
# (R5, review C defect 2): leaving it out would regroup the other files
# into publications the phones never download (the ITL of its publication
# would be judged with the next one's CTL). Before that review the other
# files were judged as if the refused file had not been published; now
# the run stops at "fix it first", exit 1, no step.
cp "$N/CTLFile.tlv" "$T/CTL-tampered.tlv"
flip "$T/CTL-tampered.tlv" 346 1
run "$BIN" check $held --trust-store "$T/store" "$T/CTL-tampered.tlv" "$N/ITLFile.tlv"
expect "a tampered CTL among the new files" 1 1 "$T/CTL-tampered.tlv: REJECTED: does not verify"
grep -qF "result: $T/CTL-tampered.tlv is REJECTED by every phone" "$T/out" ||
	fail "the summary forgets the refused file: $(cat "$T/out")"
grep -qF "fix it first: the phones' download cannot be judged with a file they would reject" "$T/out" ||
	fail "a refused file does not stop the run: $(cat "$T/out")"
! grep -q "^step\|take every\|STRANDED\|DEPENDS" "$T/out" ||
	fail "verdicts were given with a refused file: $(cat "$T/out")"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "more than the one result line: $(cat "$T/out")"
set +e
"$BIN" check --json $held --trust-store "$T/store" "$T/CTL-tampered.tlv" "$N/ITLFile.tlv" >"$T/json" 2>/dev/null
jrc=$?
set -e
[ "$jrc" -eq 1 ] || fail "JSON of a refused file: exit $jrc"
python3 "$(dirname "$0")/../cli/json_validate.py" "$(dirname "$0")/../../docs/schema" \
	check "$T/json" || fail "JSON of a refused file: not a valid check document"
python3 - "$T/json" "$T/CTL-tampered.tlv" <<'PY' || fail "JSON of a refused file"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 1 and d["steps"] == [] and d["error"] is None, d
assert len(d["rejected"]) == 1, d
assert d["rejected"][0]["path"] == sys.argv[2] and "does not verify" in d["rejected"][0]["error"]["message"], d
assert d["held"]["ctl"].endswith("CTLFile.tlv") and d["trust_store"]["certificates"] == 4, d
PY
# Every new file refused: the same, with a result line (text had none).
run "$BIN" check $held "$T/CTL-tampered.tlv"
expect "the only new file refused" 1 1 "REJECTED: does not verify"
grep -qF "result: $T/CTL-tampered.tlv is REJECTED by every phone" "$T/out" ||
	fail "no result line when every new file is refused: $(cat "$T/out")"
# A .sgn is not a trust list.
printf '<device/>' >"$T/SEP001122334455.cnf.xml"
cp "$P/pub_cm.key" "$T/pub.key"
chmod 600 "$T/pub.key"
"$BIN" sgn sign "$T/SEP001122334455.cnf.xml" --sign-key "$T/pub.key" --sign-cert "$P/pub_cm.pem" >/dev/null
run "$BIN" check $held "$T/SEP001122334455.cnf.xml.sgn"
[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "check of a .sgn: exit $rc"
! grep -q "^step\|take every" "$T/out" || fail "check of a .sgn printed a verdict: $(cat "$T/out")"

# sgn verify with the phones' files: which TFTP certificate verifies it.
S=$T/SEP001122334455.cnf.xml.sgn
run "$BIN" sgn verify "$S" --ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv"
[ "$rc" -eq 0 ] || fail "sgn verify against the held files: exit $rc: $(cat "$T/err")"
grep -qF "phones without Security By Default (CTL $H/CTLFile.tlv): TAKE it: verified by the CCM+TFTP record 2 of the CTL $H/CTLFile.tlv (CN=cucm-1051-a-pub;" "$T/out" ||
	fail "sgn verify does not name the CTL record: $(cat "$T/out")"
grep -qF "phones with Security By Default (CTL $H/CTLFile.tlv, ITL $H/ITLFile.tlv): TAKE it: verified by the CCM+TFTP record 2 of the CTL" "$T/out" ||
	fail "sgn verify, phones with SBD: $(cat "$T/out")"
run "$BIN" sgn verify "$S" --itl "$H/ITLFile.tlv" --extract "$T/x.xml"
[ "$rc" -eq 0 ] || fail "sgn verify against the ITL: exit $rc: $(cat "$T/err")"
grep -qF "of the ITL $H/ITLFile.tlv" "$T/out" || fail "sgn verify: not the ITL: $(cat "$T/out")"
cmp -s "$T/x.xml" "$T/SEP001122334455.cnf.xml" || fail "sgn verify --extract with --itl"
# Signed by the regenerated key: nothing the phones hold verifies it.
cp "$P/pub_cm2.key" "$T/pub2.key"
chmod 600 "$T/pub2.key"
"$BIN" sgn sign "$T/SEP001122334455.cnf.xml" -o "$T/SEP2.cnf.xml.sgn" --sign-key "$T/pub2.key" \
	--sign-cert "$P/pub_cm2.pem" >/dev/null
run "$BIN" sgn verify "$T/SEP2.cnf.xml.sgn" --ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --extract "$T/y.xml"
expect "sgn by an unknown key" 1 1 "REJECTED by phones without Security By Default (no CCM+TFTP or TFTP record of $H/CTLFile.tlv verifies it), and phones with Security By Default (no CCM+TFTP or TFTP record of $H/CTLFile.tlv and no CCM+TFTP record of $H/ITLFile.tlv verifies it: only through TVS)"
[ ! -e "$T/y.xml" ] || fail "sgn verify extracted a file no held certificate verifies"
run "$BIN" sgn verify "$T/SEP2.cnf.xml.sgn" --itl "$H/ITLFile.tlv" --cert "$P/pub_cm2.pem"
[ "$rc" -eq 1 ] || fail "sgn verify, good signature, unknown signer: exit $rc"
grep -qF "signature good under --cert $P/pub_cm2.pem" "$T/out" || fail "sgn verify --cert: $(cat "$T/out")"
grep -qF "phones with Security By Default (CTL none, ITL $H/ITLFile.tlv): REJECT it" "$T/out" ||
	fail "sgn verify --cert, class: $(cat "$T/out")"
# Review C nit: with --itl alone only a CCM+TFTP record of the ITL counts
# (R21), and the line says so (it said "CCM+TFTP or TFTP certificate").
grep -qF "REJECT it: no CCM+TFTP record of $H/ITLFile.tlv verifies it" "$T/out" ||
	fail "sgn verify --itl alone: wording: $(cat "$T/out")"
! grep -qF "TFTP certificate" "$T/out" "$T/err" || fail "sgn verify --itl alone names a TFTP certificate"
grep -qF "phones without Security By Default: not judged (no --ctl" "$T/out" ||
	fail "sgn verify --itl: no-SBD line: $(cat "$T/out")"
run "$BIN" sgn verify "$T/SEP2.cnf.xml.sgn" --itl "$H/ITLFile.tlv" --cert "$P/capf.pem"
expect "sgn verify --cert of another signer" 1 2 "REJECTED under --cert $P/capf.pem"
# d2: signed by a key only the ITL names: phones with SBD take it, phones
# without SBD (the CTL only) reject it, and the exit says so.
build_list "$T/ITL-cm2.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs
run "$BIN" sgn verify "$T/SEP2.cnf.xml.sgn" --ctl "$H/CTLFile.tlv" --itl "$T/ITL-cm2.tlv"
expect "sgn verify, only the ITL's CCM+TFTP" 1 1 "REJECTED by phones without Security By Default (no CCM+TFTP or TFTP record of $H/CTLFile.tlv verifies it)"
grep -qF "phones with Security By Default (CTL $H/CTLFile.tlv, ITL $T/ITL-cm2.tlv): TAKE it: verified by the CCM+TFTP record 2 of the ITL $T/ITL-cm2.tlv" "$T/out" ||
	fail "sgn verify, SBD line: $(cat "$T/out")"
grep -qF "phones without Security By Default (CTL $H/CTLFile.tlv): REJECT it" "$T/out" ||
	fail "sgn verify, no-SBD line: $(cat "$T/out")"
run "$BIN" sgn verify "$T/SEP2.cnf.xml.sgn" --ctl "$H/CTLFile.tlv"
expect "sgn verify, the CTL alone" 1 1 "and possibly phones with Security By Default (their ITL was not given)"
# n7: --cert is checked even when a held record verifies the file.
run "$BIN" sgn verify "$S" --ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --cert "$P/capf.pem"
expect "sgn verify: held record good, --cert wrong" 1 1 "REJECTED under --cert $P/capf.pem"
grep -qF "TAKE it" "$T/out" || fail "sgn verify --cert: the held record is not reported: $(cat "$T/out")"
run "$BIN" sgn verify "$S" --ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --cert "$P/pub_cm.pem"
[ "$rc" -eq 0 ] || fail "sgn verify, held record and --cert good: exit $rc: $(cat "$T/err")"
grep -qF "signature good under --cert $P/pub_cm.pem" "$T/out" || fail "sgn verify --cert not reported: $(cat "$T/out")"
run "$BIN" sgn verify "$S" --ctl "$H/ITLFile.tlv"
expect "sgn verify with an ITL as --ctl" 2 1 "given as the phones' CTL (--ctl), but its FILENAME makes it an ITL"
run "$BIN" sgn verify "$S" --ctl "$T/CTL-tampered.tlv"
expect "sgn verify with a tampered held CTL" 1 1 "the file the phones hold does not verify"
run "$BIN" sgn verify "$S"
expect "sgn verify with nothing to verify against" 2 2 "--cert, or --ctl/--itl"

# build --from: the warning is check's verdict, word for word.
cp "$P/pub_cm2.key" "$T/sign.key"
chmod 600 "$T/sign.key"
rm -f "$N/CTLFile.tlv"
run "$BIN" build -q -o "$N/CTLFile.tlv" --timestamp "$TS" --from "$H/CTLFile.tlv" \
	--from-signer "$P/pub_cm.pem" --held-itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	--sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem" --remove 1 --remove 2 --ccm-tftp "$P/pub_cm2.pem"
[ "$rc" -eq 0 ] || fail "build --from --held-itl: exit $rc: $(cat "$T/err")"
sed -n 's/^ctlsign: warning: //p' "$T/err" >"$T/warned"
run "$BIN" check $held --trust-store "$T/store" "$N/CTLFile.tlv"
sed -n "s|^  phones|$N/CTLFile.tlv: phones|p" "$T/out" | grep -v ": TAKES it:\|(first file)\|not affected" >"$T/checked"
[ -s "$T/checked" ] || fail "check gave no verdict to compare"
cmp -s "$T/warned" "$T/checked" || fail "build's warning is not check's verdict: $(cat "$T/warned") / $(cat "$T/checked")"
# A CTL built alone: TVS's certificate after the change is not known.
grep -qF "phones with Security By Default: DEPENDS: its signer is not a SAST of the held CTL $H/CTLFile.tlv; the trust store $T/store holds the signer; the held ITL $H/ITLFile.tlv names TVS, but the certificate TVS presents after the change is not known" "$T/warned" ||
	fail "build warning: $(cat "$T/warned")"
grep -qF "phones without Security By Default: STRANDED" "$T/warned" || fail "build warning: $(cat "$T/warned")"
# --tvs-cert is check's --tvs (--tvs is the TVS role): with it the warning is
# check's verdict with --tvs, and the file is the one built without it.
run "$BIN" build -q -o "$T/CTL4.tlv" --timestamp "$TS" --from "$H/CTLFile.tlv" \
	--from-signer "$P/pub_cm.pem" --held-itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	--tvs-cert "$P/pub_tvs.pem" --sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem" \
	--remove 1 --remove 2 --ccm-tftp "$P/pub_cm2.pem"
[ "$rc" -eq 0 ] || fail "build --from --tvs-cert: exit $rc: $(cat "$T/err")"
cmp -s "$T/CTL4.tlv" "$N/CTLFile.tlv" || fail "--tvs-cert changed the file built"
sed -n 's/^ctlsign: warning: //p' "$T/err" >"$T/warned"
run "$BIN" check $held --trust-store "$T/store" --tvs "$P/pub_tvs.pem" "$T/CTL4.tlv"
sed -n "s|^  phones|$T/CTL4.tlv: phones|p" "$T/out" | grep -v ": TAKES it:\|(first file)\|not affected" >"$T/checked"
[ -s "$T/checked" ] || fail "check --tvs gave no verdict to compare"
cmp -s "$T/warned" "$T/checked" || fail "build --tvs-cert's warning is not check's verdict: $(cat "$T/warned") / $(cat "$T/checked")"
grep -qF "phones with Security By Default: TAKES it through TVS" "$T/warned" ||
	fail "build --tvs-cert warning: $(cat "$T/warned")"
run "$BIN" build -o "$T/CTL3.tlv" --timestamp "$TS" --from "$H/CTLFile.tlv" --tvs-cert "$T/nothere.pem" \
	--from-signer "$P/pub_cm.pem" --sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem"
expect "--tvs-cert that cannot be read" 3 1 "--tvs-cert: $T/nothere.pem"
# Without --held-itl it says what it does not know, as check does.
run "$BIN" build -q -o "$T/CTL2.tlv" --timestamp "$TS" --from "$H/CTLFile.tlv" \
	--from-signer "$P/pub_cm.pem" --sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem"
grep -qF "DEPENDS: its signer is not a SAST of the held CTL $H/CTLFile.tlv; whether the phone trusts TVS depends on the ITL it holds, which was not given" "$T/err" ||
	fail "build without --held-itl: $(cat "$T/err")"
# Misuse and a held file that does not verify: refused, nothing written.
run "$BIN" build -o "$T/CTL3.tlv" --timestamp "$TS" --held-itl "$H/ITLFile.tlv" \
	--sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem" --ccm-tftp "$P/pub_cm2.pem"
expect "--held-itl without --from" 2 2 "need --from"
run "$BIN" build -o "$T/CTL3.tlv" --timestamp "$TS" --from "$H/CTLFile.tlv" --held-ctl "$H/CTLFile.tlv" \
	--from-signer "$P/pub_cm.pem" --sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem"
expect "--held-ctl for a CTL" 2 2 "--held-ctl: the phones' other file"
cp "$H/ITLFile.tlv" "$T/ITL-tampered.tlv"
flip "$T/ITL-tampered.tlv" 346 1
run "$BIN" build -o "$T/CTL3.tlv" --timestamp "$TS" --from "$H/CTLFile.tlv" --held-itl "$T/ITL-tampered.tlv" \
	--from-signer "$P/pub_cm.pem" --sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem"
expect "--held-itl that does not verify" 1 1 "the file the phones hold does not verify"
run "$BIN" build -o "$T/CTL3.tlv" --timestamp "$TS" --from "$H/CTLFile.tlv" --trust-store "$T/bad" \
	--from-signer "$P/pub_cm.pem" --sign-key "$T/sign.key" --sign-cert "$P/pub_cm2.pem"
expect "build with a bad store" 2 1 "--trust-store"
[ ! -e "$T/CTL3.tlv" ] || fail "a refused build wrote its output"
no_tmp "$T" "refused builds"
finish
