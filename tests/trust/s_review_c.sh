#!/bin/sh
# s_review_c.sh - the defects a second attacking review (review C) found,
# each as the case that showed it: a partly stale --tvs, a refused file
# that regrouped the publications, --old-cluster-tvs with another
# cluster's store, `build --itl --from` silent about reset phones without
# --held-ctl, DEPENDS where every holding takes the file, and the small
# ones (JSON held.itl_unknown, the note without --ctl/--itl, the summary
# of phones that load no ITL).
# shellcheck disable=SC2086 # option lists are words on purpose
. "$(dirname "$0")/lib.sh"

# c1: --tvs gives the publisher's TVS.pem of today (stale: the change
# regenerates it) and the subscriber's new one. The new ITL names the new
# ones only; the stale one must not make TVS "trusted": stranded. It was
# TAKES through TVS (exit 10) before.
D=$T/c1
build_list "$D/held/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs tvs sub_tvs
build_list "$D/new/ITLFile.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs2 tvs sub_ren_tvs
store "$D/store" pub_cm2 pub_tvs2 sub_ren_tvs
judge "c1 partly stale --tvs" 13 "stranded not-used first-file" \
	--itl "$D/held/ITLFile.tlv" --trust-store "$D/store" --tvs "$P/pub_tvs.pem" \
	--tvs "$P/sub_ren_tvs.pem" "$D/new/ITLFile.tlv"
says "c1 reason" "--tvs certificate 1 (SHA-1" "is dropped as stale: $D/new/ITLFile.tlv does not name it, so that TVS.pem changed"
# The stale one dropped, a current one the held ITL names still vouches.
build_list "$D/new2/ITLFile.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs2 tvs sub_tvs
store "$D/store2" pub_cm2 pub_tvs2 sub_tvs
judge "c1 stale and current --tvs" 10 "tvs not-used first-file" \
	--itl "$D/held/ITLFile.tlv" --trust-store "$D/store2" --tvs "$P/pub_tvs.pem" \
	--tvs "$P/sub_tvs.pem" "$D/new2/ITLFile.tlv"
says "c1 kept" "is trusted through the held ITL $D/held/ITLFile.tlv (TVS presents the --tvs certificates that $D/new2/ITLFile.tlv names among its TVS records; --tvs certificate 1 (SHA-1" \
	"is dropped as stale" "and the trust store $D/store2 holds the signer"

# c2: publication 1's CTL does not verify. It was left out, and its ITL
# was judged with publication 2's CTL, a download order that never
# happens (every phone "took" it). Now nothing is judged: exit 1.
D=$T/c2
build_list "$D/H/CTLFile.tlv" ctl etoken1 sast etoken1 ccm-tftp pub_cm
build_list "$D/H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs
build_list "$D/N1/CTLFile.tlv" ctl etoken1 sast etoken1 ccm-tftp pub_cm capf capf
build_list "$D/N1/ITLFile.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs
build_list "$D/N2/CTLFile.tlv" ctl etoken1 sast etoken1 ccm-tftp pub_ren_cm
build_list "$D/N2/ITLFile.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs capf capf
# With publication 1's CTL good, its ITL strands phones with SBD.
judge "c2 good CTL" 13 "direct direct first-file;stranded not-used stranded;direct direct first-file;direct not-used direct" \
	--ctl "$D/H/CTLFile.tlv" --itl "$D/H/ITLFile.tlv" "$D/N1/CTLFile.tlv" "$D/N1/ITLFile.tlv" \
	"$D/N2/CTLFile.tlv" "$D/N2/ITLFile.tlv"
python3 - "$D/N1/CTLFile.tlv" <<'PY'
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[-1] ^= 1; open(sys.argv[1], 'wb').write(b)
PY
run "$BIN" check --ctl "$D/H/CTLFile.tlv" --itl "$D/H/ITLFile.tlv" "$D/N1/CTLFile.tlv" \
	"$D/N1/ITLFile.tlv" "$D/N2/CTLFile.tlv" "$D/N2/ITLFile.tlv"
expect "c2 refused CTL" 1 1 "$D/N1/CTLFile.tlv: REJECTED: does not verify"
says "c2 refused CTL" "result: $D/N1/CTLFile.tlv is REJECTED by every phone" "fix it first: the phones' download cannot be judged with a file they would reject"
! grep -q "TAKES\|take every" "$T/out" || fail "c2: verdicts given with a refused file: $(cat "$T/out")"

# c3: --old-cluster-tvs with the new cluster's store (B's certificates):
# the old cluster's TVS never reads that store. It was TAKES through TVS.
D=$T/c3
build_list "$D/H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf
build_list "$D/H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$D/N/CTLFile.tlv" ctl b_cm ccm-tftp b_cm capf b_capf
build_list "$D/N/ITLFile.tlv" itl b_cm ccm-tftp b_cm tvs b_tvs capf b_capf
store "$D/storeB" b_cm b_tvs b_capf
judge "c3 the new cluster's store" 12 "depends stranded first-file;depends not-used direct" \
	--ctl "$D/H/CTLFile.tlv" --itl "$D/H/ITLFile.tlv" --trust-store "$D/storeB" \
	--old-cluster-tvs "$P/pub_tvs.pem" "$D/N/CTLFile.tlv" "$D/N/ITLFile.tlv"
says "c3 reason" "but the trust store $D/storeB does not hold that TVS's certificate" \
	"is $D/storeB the store of the old cluster, the one the phones come from (--old-cluster-tvs)?"
# The old cluster's store with B's signer imported: TVS vouches (scenario i).
store "$D/storeA" pub_cm pub_tvs capf b_cm
judge "c3 the old cluster's store" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$D/H/CTLFile.tlv" --itl "$D/H/ITLFile.tlv" --trust-store "$D/storeA" \
	--old-cluster-tvs "$P/pub_tvs.pem" "$D/N/CTLFile.tlv" "$D/N/ITLFile.tlv"
# The same rule for the new ITL's TVS: a store without it is another's.
build_list "$D/I/ITLFile.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs
store "$D/other" pub_cm2 b_tvs
judge "c3 store without the TVS certificate" 12 "depends not-used first-file" \
	--itl "$D/H/ITLFile.tlv" --trust-store "$D/other" "$D/I/ITLFile.tlv"
says "c3 ITL" "is $D/other the store of the cluster whose TVS the phones ask?"

# c4: build --itl --from OLD without --held-ctl: the reset phone of a
# mixed-mode cluster was not mentioned at all.
D=$T/c4
mkdir -p "$D/N" "$D/N2"
build_list "$D/H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs tvs sub_tvs
store "$D/S" pub_ren_cm pub_ren_tvs sub_tvs
cp "$P/pub_ren_cm.key" "$D/k.key"
chmod 600 "$D/k.key"
run "$BIN" build --itl -o "$D/N/ITLFile.tlv" --timestamp "$TS" --from "$D/H/ITLFile.tlv" \
	--from-signer "$P/pub_cm.pem" --remove 1 --remove 2 --ccm-tftp "$P/pub_ren_cm.pem" \
	--sign-key "$D/k.key" --sign-cert "$P/pub_ren_cm.pem" --trust-store "$D/S"
[ "$rc" -eq 0 ] || fail "c4 build: exit $rc: $(cat "$T/err")"
grep -qF "$D/N/ITLFile.tlv: judged for phones that hold no CTL (no --held-ctl): if the cluster is in mixed mode" "$T/err" ||
	fail "c4: no warning about the CTL served: $(cat "$T/err")"
grep -qF "give --held-ctl CTL to judge it" "$T/err" || fail "c4: no advice: $(cat "$T/err")"
build_list "$D/H/CTLFile.tlv" ctl etoken1 sast etoken1 ccm-tftp pub_cm
run "$BIN" build --itl -o "$D/N2/ITLFile.tlv" --timestamp "$TS" --from "$D/H/ITLFile.tlv" \
	--from-signer "$P/pub_cm.pem" --remove 1 --remove 2 --ccm-tftp "$P/pub_ren_cm.pem" \
	--sign-key "$D/k.key" --sign-cert "$P/pub_ren_cm.pem" --trust-store "$D/S" --held-ctl "$D/H/CTLFile.tlv"
[ "$rc" -eq 0 ] || fail "c4 build --held-ctl: exit $rc: $(cat "$T/err")"
! grep -qF "no --held-ctl" "$T/err" || fail "c4: warned about --held-ctl given: $(cat "$T/err")"
grep -qF "phones holding nothing: STRANDED" "$T/err" || fail "c4 --held-ctl: reset phone: $(cat "$T/err")"

# c5: every holding takes step 2 (one directly, one through TVS): it is
# taken through TVS, not DEPENDS; the cases stay in the reason.
D=$T/c5
build_list "$D/H/CTLFile.tlv" ctl etoken1 sast etoken1 ccm-tftp pub_cm
build_list "$D/H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs
build_list "$D/N1/CTLFile.tlv" ctl etoken2 sast etoken2 ccm-tftp pub_cm
build_list "$D/N2/CTLFile.tlv" ctl etoken2 sast etoken2 ccm-tftp pub_cm capf capf
build_list "$D/N2/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
store "$D/S" etoken2 pub_cm pub_tvs
judge "c5 every holding takes it" 12 "depends stranded first-file;tvs stranded first-file;direct not-used direct" \
	--ctl "$D/H/CTLFile.tlv" --itl "$D/H/ITLFile.tlv" --trust-store "$D/S" \
	"$D/N1/CTLFile.tlv" "$D/N2/CTLFile.tlv" "$D/N2/ITLFile.tlv"
says "c5 reason" "TAKES it through TVS: it takes it (through TVS in some) in every holding that what TVS said at earlier steps leaves it in: holding CTL $D/N1/CTLFile.tlv and ITL $D/H/ITLFile.tlv, it takes it"
python3 - "$T/json" <<'PY' || fail "c5 JSON: $(cat "$T/json")"
import json, sys
p = json.load(open(sys.argv[1]))["steps"][1]["phones"]["sbd"]
assert p["verdict"] == "tvs" and p["takes"] and sorted(p["outcomes"]) == ["direct", "tvs"], p
PY

# n1: --ctl alone: JSON held.itl_unknown is true (it was always false).
run "$BIN" check --json --ctl "$T/c5/H/CTLFile.tlv" "$T/c5/N1/CTLFile.tlv"
python3 - "$T/out" <<'PY' || fail "n1 held.itl_unknown: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["held"]["itl_unknown"] is True and d["held"]["itl"] is None, d
PY
run "$BIN" check --json --ctl "$T/c5/H/CTLFile.tlv" --itl "$T/c5/H/ITLFile.tlv" "$T/c5/N1/CTLFile.tlv"
python3 - "$T/out" <<'PY' || fail "n1 held.itl_unknown with --itl: $(cat "$T/out")"
import json, sys
assert json.load(open(sys.argv[1]))["held"]["itl_unknown"] is False
PY
# n2: neither --ctl nor --itl: a note that the phones hold nothing.
run "$BIN" check "$T/c5/N1/CTLFile.tlv"
[ "$rc" -eq 0 ] || fail "n2: exit $rc"
grep -qF "no --ctl and no --itl: the phones are taken to hold nothing" "$T/err" ||
	fail "n2: no note: $(cat "$T/err")"
run "$BIN" check --ctl "$T/c5/H/CTLFile.tlv" "$T/c5/N1/CTLFile.tlv"
! grep -qF "taken to hold nothing" "$T/err" || fail "n2: note with --ctl"
# n3: an ITL-only run: phones without SBD "are not affected".
run "$BIN" check --itl "$T/c5/H/ITLFile.tlv" "$T/c5/N2/ITLFile.tlv"
grep -qF "result: phones without Security By Default are not affected" "$T/out" ||
	fail "n3: $(cat "$T/out")"
! grep -qF "without Security By Default take every file" "$T/out" || fail "n3: says they take every file"
finish
