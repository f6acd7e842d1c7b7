#!/bin/sh
# (g) Tokenless to eToken CTL without uploading the eToken certificates.
# Seed 002 "토큰리스 솔루션에서 하드웨어 토큰으로", the paragraph after
# step 23, says the change is possible *because* the certificates were
# uploaded; but the TVS log just below it shows the lookup missing TVS's
# certificate database ("CertificateDBCACHE::getCertificateInformation -
# Cannot find the certificate in the cache") and finding the eToken in the
# cache TVS loads from CTLFile.tlv ("CertificateCTLCache::
# getCertificateInformation - Found entry {rolecount : 1}", "{role : 0}");
# "토큰리스 CTL 솔루션의 인증서 재생성" step 4 shows that cache reloaded
# from the new CTLFile.tlv. So without the upload TVS may still vouch: the
# verdict is DEPENDS, naming that cache (R19; review C defect 6). It was
# STRANDED (exit 13) before that review.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf ccm-tftp sub_cm
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl etoken2 sast etoken1 ccm-tftp pub_cm capf capf ccm-tftp sub_cm
cp "$H/ITLFile.tlv" "$N/ITLFile.tlv"
store "$T/store" pub_cm pub_tvs sub_cm capf

# The CTL depends on TVS's CTL cache; the unchanged ITL is taken directly.
judge "(g) not uploaded" 12 "depends stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(g) reasons" "the trust store $T/store does not hold the signer, but the CTL $N/CTLFile.tlv that the cluster serves names it, and TVS also looks a certificate up in the cache it loads from CTLFile.tlv" \
	"upload the signer (e.g. as Phone-SAST-trust) to be sure" \
	"then hold one of: CTL $N/CTLFile.tlv, ITL $H/ITLFile.tlv | CTL $H/CTLFile.tlv, ITL $H/ITLFile.tlv"
! grep -qF "TVS will not vouch" "$T/out" || fail "(g): still called stranded: $(cat "$T/out")"
# Only one token uploaded, and it is not the signer: the same.
store "$T/one" pub_cm pub_tvs sub_cm capf etoken1
judge "(g) the other token uploaded" 12 "depends stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/one" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
# Without a store check cannot tell (f) from (g), and says so.
judge "(g) no store" 12 "depends stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(g) no store" "depends on the cluster's trust store, which was not given"
finish
