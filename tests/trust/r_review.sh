#!/bin/sh
# r_review.sh - the defects an attacking review of the model found, each
# as the case that showed it (tests/trust/*.sh keep the seed scenarios):
# a stale --tvs (TVS.pem changed in a later publication), two "depends"
# with different causes, the summary of rejected and split verdicts, a
# CallManager group without the trusted TVS, a reset phone and the CTL
# still served, `build --from` of the wrong kind, a store file with junk
# after its certificate, and `check --json` failing before any verdict.
# shellcheck disable=SC2086 # option lists are words on purpose
. "$(dirname "$0")/lib.sh"

# d3: --tvs is today's TVS.pem; publication 2 regenerates CallManager.pem
# and TVS.pem together, and its ITL names only the new TVS.pem. TVS then
# presents that one, which the ITL of publication 1 does not name.
build_list "$T/d3/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs
build_list "$T/d3/ITL-1.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$T/d3/ITL-2.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs2
store "$T/d3/store" pub_cm2 pub_tvs2
judge "d3 stale --tvs" 13 "direct not-used first-file;stranded not-used first-file" \
	--itl "$T/d3/ITLFile.tlv" --trust-store "$T/d3/store" --tvs "$P/pub_tvs.pem" \
	"$T/d3/ITL-1.tlv" "$T/d3/ITL-2.tlv"
says "d3 reason" "the TVS records of $T/d3/ITL-2.tlv, which names none of the --tvs certificates: TVS.pem changed, so TVS presents its new certificate"
# The same two publications judged one at a time agree.
judge "d3 publication 2 alone" 13 "stranded not-used first-file" \
	--itl "$T/d3/ITL-1.tlv" --trust-store "$T/d3/store" "$T/d3/ITL-2.tlv"

# d4: two "depends" with different causes (TVS for the eToken CTL, TVS for
# an ITL signed by a renamed node). The world where TVS vouched for the
# CTL but not for the ITL leaves the phone needing TVS again at step 3;
# the old two-branch model called step 3 direct.
M=$T/d4
build_list "$M/CTL0.tlv" ctl etoken1 ccm-tftp pub_cm
build_list "$M/ITL0.tlv" itl sub_cm ccm-tftp pub_cm tvs pub_tvs
build_list "$M/CTL1.tlv" ctl etoken2 ccm-tftp pub_cm2
build_list "$M/ITL1.tlv" itl sub_ren_cm sast pub_cm tvs pub_tvs
build_list "$M/ITL2.tlv" itl pub_cm tvs pub_tvs
judge "d4 three steps" 13 "depends stranded first-file;depends not-used stranded;depends not-used stranded" \
	--ctl "$M/CTL0.tlv" --itl "$M/ITL0.tlv" "$M/CTL1.tlv" "$M/ITL1.tlv" "$M/ITL2.tlv"
says "d4 cases" "holding CTL $M/CTL1.tlv and ITL $M/ITL0.tlv, it takes it only if TVS vouches" \
	"holding CTL $M/CTL0.tlv and ITL $M/ITL0.tlv, it takes it (its signer is a CCM+TFTP of the held CTL $M/CTL0.tlv)" \
	"then hold one of: CTL $M/CTL1.tlv, ITL $M/ITL2.tlv | CTL $M/CTL1.tlv, ITL $M/ITL0.tlv | CTL $M/CTL0.tlv, ITL $M/ITL2.tlv"
# That world judged directly: depends, as the plan says.
judge "d4 the world itself" 13 "depends not-used stranded" \
	--ctl "$M/CTL1.tlv" --itl "$M/ITL0.tlv" "$M/ITL2.tlv"
python3 - "$T/json" <<'PY' || fail "d4 JSON holdings"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["steps"][0]["phones"]["sbd"]
assert p["outcomes"] == ["depends"] and len(p["may_hold"]) == 2, p
assert p["holds"] == p["may_hold"][0], p
PY

# d5 (b): a split verdict whose cases are "stranded" and "takes it" is
# labelled DEPENDS, and the summary gives the cases, not "only if TVS".
V=$T/d5
build_list "$V/CTL0.tlv" ctl etoken1 ccm-tftp pub_cm
build_list "$V/CTL1.tlv" ctl etoken2 ccm-tftp pub_cm2
build_list "$V/ITL1.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs
store "$V/store" etoken2
judge "d5 split verdict" 13 "depends stranded first-file;depends not-used stranded" \
	--ctl "$V/CTL0.tlv" --trust-store "$V/store" "$V/CTL1.tlv" "$V/ITL1.tlv"
says "d5 labels" "phones with Security By Default: DEPENDS: it depends on what TVS said at earlier steps: holding CTL $V/CTL1.tlv and ITL (not given), it is stranded" \
	"result: phones with Security By Default: it DEPENDS: step 1 takes it only if TVS vouches; step 2 by what TVS said earlier: takes it or STRANDED"
! grep -q "ONLY IF\|take every file" "$T/out" || fail "d5: optimistic wording: $(cat "$T/out")"

# d6: two TVS servers, the publisher renamed. A phone asks only the TVS
# of its CallManager group: only the subscriber's is trusted.
build_list "$T/d6/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs tvs sub_tvs capf capf
build_list "$T/d6/new/ITLFile.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs tvs sub_tvs capf capf
store "$T/d6/store" pub_ren_cm pub_ren_tvs sub_cm sub_tvs capf
judge "d6 no --tvs" 12 "depends not-used first-file" \
	--itl "$T/d6/ITLFile.tlv" --trust-store "$T/d6/store" "$T/d6/new/ITLFile.tlv"
says "d6 names the node" "only CN=cucm-1051-a-sub1;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL is trusted" \
	"a phone whose group has only CN=cucm-1051-a-pub2;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL is stranded"
judge "d6 group: the publisher" 13 "stranded not-used first-file" \
	--itl "$T/d6/ITLFile.tlv" --trust-store "$T/d6/store" --tvs "$P/pub_ren_tvs.pem" "$T/d6/new/ITLFile.tlv"
judge "d6 group: both" 10 "tvs not-used first-file" \
	--itl "$T/d6/ITLFile.tlv" --trust-store "$T/d6/store" --tvs "$P/pub_ren_tvs.pem" --tvs "$P/sub_tvs.pem" \
	"$T/d6/new/ITLFile.tlv"
# Every TVS the new ITL names is trusted: no CallManager group matters.
build_list "$T/d6/ITL-same.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_tvs tvs sub_tvs
judge "d6 every TVS trusted" 10 "tvs not-used first-file" \
	--itl "$T/d6/ITLFile.tlv" --trust-store "$T/d6/store" "$T/d6/ITL-same.tlv"

# d1: a phone holding nothing starts each publication from the CTL the
# TFTP server serves then: this publication's, else the last one
# published, else the held one; the ITL must verify against it (P2).
D=$T/d1
build_list "$D/CTL0.tlv" ctl etoken1 sast etoken2 ccm-tftp pub_cm
build_list "$D/ITL0.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs
build_list "$D/CTL1.tlv" ctl etoken1 sast etoken2 ccm-tftp pub_ren_cm
build_list "$D/ITL-A.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs
build_list "$D/ITL-B.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs capf capf
judge "d1 second publication: the first one's CTL is served" 0 \
	"direct direct first-file;direct not-used direct;direct not-used direct" \
	--ctl "$D/CTL0.tlv" --itl "$D/ITL0.tlv" "$D/CTL1.tlv" "$D/ITL-A.tlv" "$D/ITL-B.tlv"
says "d1 served" "its signer is a CCM+TFTP of the CTL $D/CTL1.tlv still served (a phone holding nothing downloads it first)"
judge "d1 the held CTL is served" 13 "stranded not-used stranded" \
	--ctl "$D/CTL0.tlv" --itl "$D/ITL0.tlv" "$D/ITL-B.tlv"
! grep -qF "delete the" "$T/out" || fail "d1: advises deleting files where it does not help: $(cat "$T/out")"
# Where a reset phone does take the file, deleting by hand is the advice.
judge "d1 deleting helps" 13 "stranded not-used first-file" --itl "$D/ITL0.tlv" "$D/ITL-B.tlv"
says "d1 advice" "delete the ITL (and CTL) on each phone by hand (a phone holding nothing takes it)"

# d7: build --from OLD of the other kind is refused, nothing written.
cp "$P/pub_cm.key" "$T/k.key"
chmod 600 "$T/k.key"
run "$BIN" build -o "$T/CTLnew.tlv" --timestamp "$TS" --from "$D/ITL0.tlv" \
	--sign-key "$T/k.key" --sign-cert "$P/pub_cm.pem"
expect "d7 CTL from an ITL" 2 1 "--from $D/ITL0.tlv: its FILENAME makes it an ITL, but a CTL is being built (give --itl to build an ITL)"
[ ! -e "$T/CTLnew.tlv" ] || fail "d7: a CTL was built from an ITL"
run "$BIN" build --itl -o "$T/ITLnew.tlv" --timestamp "$TS" --from "$D/CTL0.tlv" \
	--sign-key "$T/k.key" --sign-cert "$P/pub_cm.pem"
expect "d7 ITL from a CTL" 2 1 "--from $D/CTL0.tlv: its FILENAME makes it a CTL, but an ITL (--itl) is being built"
[ ! -e "$T/ITLnew.tlv" ] || fail "d7: an ITL was built from a CTL"

# n2: a store file with a certificate then junk, or a second one cut.
mkdir -p "$T/n2"
{ cat "$P/pub_cm.pem"; echo "junk"; } >"$T/n2/junk.pem"
run "$BIN" check --itl "$D/ITL0.tlv" --trust-store "$T/n2" "$D/ITL-B.tlv"
expect "n2 junk after a certificate" 2 1 "$T/n2/junk.pem: not a PEM or DER certificate: something other than a certificate after certificate 1"
{ cat "$P/pub_cm.pem"; head -c 300 "$P/pub_tvs.pem"; } >"$T/n2/junk.pem"
run "$BIN" check --itl "$D/ITL0.tlv" --trust-store "$T/n2" "$D/ITL-B.tlv"
expect "n2 a cut second certificate" 2 1 "$T/n2/junk.pem: not a PEM or DER certificate: certificate 2 is cut"
{ cat "$P/pub_cm.pem"; printf '\n\n'; cat "$P/pub_tvs.pem"; } >"$T/n2/junk.pem"
judge "n2 two certificates and blank lines" 13 "stranded not-used first-file" \
	--itl "$D/ITL0.tlv" --trust-store "$T/n2" "$D/ITL-B.tlv"

# n3: check --json prints one JSON object even when it fails before any
# verdict, with the same exit status.
for args in "--itl $T/missing.tlv $D/ITL-B.tlv" "--itl $D/ITL0.tlv" \
	"--itl $D/ITL0.tlv --tvs $P/pub_tvs.pem --old-cluster-tvs $P/pub_tvs.pem $D/ITL-B.tlv" \
	"--itl $D/ITL0.tlv --trust-store $T/n2/junk.pem $D/ITL-B.tlv"; do
	set +e
	"$BIN" check --json $args >"$T/json" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" -ne 0 ] || fail "n3 $args: exit 0"
	python3 "$(dirname "$0")/../cli/json_validate.py" "$(dirname "$0")/../../docs/schema" \
		check "$T/json" || fail "n3 $args: not a valid check document"
	python3 - "$T/json" "$rc" <<'PY' || fail "n3 $args: no JSON error object: $(cat "$T/json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 1 and d["error"]["code"] == int(sys.argv[2]), d
PY
done

# n4: at most 8 --tvs, said in the message.
run "$BIN" check --itl "$D/ITL0.tlv" --tvs "$P/pub_tvs.pem" --tvs "$P/pub_tvs.pem" --tvs "$P/pub_tvs.pem" \
	--tvs "$P/pub_tvs.pem" --tvs "$P/pub_tvs.pem" --tvs "$P/pub_tvs.pem" --tvs "$P/pub_tvs.pem" \
	--tvs "$P/pub_tvs.pem" --tvs "$P/pub_tvs.pem" "$D/ITL-B.tlv"
expect "n4 nine --tvs" 2 2 "at most 8 --tvs or --old-cluster-tvs certificates"
finish
