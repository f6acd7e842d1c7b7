#!/bin/sh
# (b) CallManager.pem and TVS.pem regenerated together.
# Seed 000/001 "인증서 재생성/클러스터 재구축/인증서 만료", step 2 and its
# 참고 (note): the TVS certificate in the phone's old ITL must still match;
# regenerate CallManager.pem and TVS.pem at once and the phones cannot
# download the new files until their ITL is deleted by hand. The same holds
# for the CTL (FORMAT.md, "TVS itself must be trusted through the TVS entry
# of the phone's ITL"): the TVS the phone would ask presents a certificate
# its ITL does not hold. The old model called the CTL "only through TVS".
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl pub_cm2 ccm-tftp pub_cm2 capf capf
build_list "$N/ITLFile.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs2 capf capf
store "$T/store" pub_cm2 pub_tvs2 capf

judge "(b) CTL and ITL" 13 "stranded stranded first-file;stranded not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(b) reasons" "TVS cannot vouch: the certificate TVS presents after the change ($N/ITLFile.tlv) is not among the TVS records of the held ITL $H/ITLFile.tlv (TVS.pem changed too)"
# The store does not matter: TVS is not trusted, whatever it would say.
judge "(b) no store" 13 "stranded stranded first-file;stranded not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
# The CTL alone, with the new TVS certificate named: the same verdict.
judge "(b) CTL with --tvs" 13 "stranded stranded first-file" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	--tvs "$P/pub_tvs2.pem" "$N/CTLFile.tlv"
says "(b) --tvs" "the certificate TVS presents after the change (--tvs) is not among"
# The CTL alone, with nothing that says which certificate TVS presents:
# not "through TVS", but plainly unknown.
judge "(b) CTL alone" 12 "depends stranded first-file" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" "$N/CTLFile.tlv"
says "(b) CTL alone" "the certificate TVS presents after the change is not known (judge the new CTL with the new ITL, or give check --tvs CERT)"
# ITL-only cluster: stranded (the "don't regenerate both at once" trap).
judge "(b) ITL only" 13 "stranded not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" "$N/ITLFile.tlv"
# Regenerating one at a time works: TVS.pem first (the ITL is still signed
# by the old CallManager.pem), then CallManager.pem, judged in one run as
# two publications. (A phone holding nothing when the second is published
# takes ITLFile.tlv as its first file: no CTL is served.)
build_list "$N/ITL1.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs2 capf capf
judge "(b) one at a time" 10 "direct not-used first-file;tvs not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" "$N/ITL1.tlv" "$N/ITLFile.tlv"
finish
