#!/bin/sh
# (a) CallManager.pem regenerated alone.
# Seed 000/001 "인증서 재생성/클러스터 재구축/인증서 만료" (certificate
# regeneration), steps 1-6: the phone cannot find the new CCM+TFTP in its
# ITL, asks TVS, whose certificate is still in its ITL; TVS finds the new
# CallManager.pem in its store and the phone loads the new files.
# Seed 002 "토큰리스 CTL 솔루션의 인증서 재생성" (regeneration under a
# tokenless CTL) and its "요구 사항" note: phones with Security By Default
# take the new CTL through TVS; Jabber, 7940/7960 and many TelePresence
# units do not, until the CTL is deleted by hand.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf ccm-tftp sub_cm
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl pub_cm2 ccm-tftp pub_cm2 capf capf ccm-tftp sub_cm
build_list "$N/ITLFile.tlv" itl pub_cm2 ccm-tftp pub_cm2 tvs pub_tvs capf capf
# The store after the regeneration: the node's certificates and the trust units.
store "$T/store" pub_cm2 pub_tvs sub_cm capf

# Mixed mode: the CTL first, taken through TVS; then the ITL, signed by the
# CCM+TFTP of the CTL just taken. Phones without SBD are stranded by the CTL.
judge "(a) mixed mode" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(a) reasons" "is trusted through the held ITL $H/ITLFile.tlv and the trust store $T/store holds the signer" \
	"a CCM+TFTP of the CTL $N/CTLFile.tlv taken at step 1" \
	"cannot ask TVS; delete the CTL on each phone by hand (a phone holding nothing takes it)" \
	"then hold: CTL $N/CTLFile.tlv, ITL $N/ITLFile.tlv"
# Given in the other order the phone still fetches the CTL first.
judge "(a) ITL named first" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	"$N/ITLFile.tlv" "$N/CTLFile.tlv"

# ITL-only cluster: the new ITL through TVS; phones without SBD load no ITL.
judge "(a) ITL only" 10 "tvs not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" "$N/ITLFile.tlv"

# Without the store the verdict says so instead of guessing; what the phone
# holds next hangs on it too.
judge "(a) no store" 12 "depends stranded first-file;depends not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(a) no store" "depends on the cluster's trust store, which was not given (--trust-store DIR)" \
	"it depends on what TVS said at earlier steps: holding CTL $N/CTLFile.tlv and ITL $H/ITLFile.tlv, it takes it (its signer is a CCM+TFTP of the CTL $N/CTLFile.tlv taken at step 1); holding CTL $H/CTLFile.tlv and ITL $H/ITLFile.tlv, it takes it only if TVS vouches" \
	"then hold one of: CTL $N/CTLFile.tlv, ITL $H/ITLFile.tlv | CTL $H/CTLFile.tlv, ITL $H/ITLFile.tlv" \
	"then hold one of: CTL $N/CTLFile.tlv, ITL $N/ITLFile.tlv | CTL $H/CTLFile.tlv, ITL $N/ITLFile.tlv | CTL $H/CTLFile.tlv, ITL $H/ITLFile.tlv"

# A store that lacks the new CallManager.pem: TVS's certificate database
# misses it, but the new CTL it serves names it, and TVS falls back to the
# cache it loads from CTLFile.tlv (R19, seed 002's TVS log): DEPENDS, not
# STRANDED (review C defect 6; it was stranded, exit 13, before).
store "$T/old-store" pub_cm pub_tvs sub_cm capf
judge "(a) store without the new certificate" 12 "depends stranded first-file;depends not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/old-store" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(a) store without" "the trust store $T/old-store does not hold the signer, but the CTL $N/CTLFile.tlv that the cluster serves names it"
# ITL only (no CTL served): nothing else can vouch: stranded.
judge "(a) ITL only, store without the new certificate" 13 "stranded not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/old-store" "$N/ITLFile.tlv"
says "(a) ITL only, store without" "TVS will not vouch: the signer is not in the trust store $T/old-store"
finish
