#!/bin/sh
# (g) Tokenless to eToken CTL without uploading the eToken certificates.
# Seed 002 "토큰리스 솔루션에서 하드웨어 토큰으로", the paragraph after
# step 23: the change is possible *because* the certificates were uploaded
# to the trust store; without steps 8-10 TVS has nothing to vouch with.
# The old model gave (f)'s verdict here: it had no notion of the store.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf ccm-tftp sub_cm
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl etoken2 sast etoken1 ccm-tftp pub_cm capf capf ccm-tftp sub_cm
cp "$H/ITLFile.tlv" "$N/ITLFile.tlv"
store "$T/store" pub_cm pub_tvs sub_cm capf

# The CTL is refused; the unchanged ITL is still taken directly.
judge "(g) not uploaded" 13 "stranded stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(g) reasons" "TVS will not vouch: the signer is not in the trust store $T/store (upload it, e.g. as Phone-SAST-trust, first)" \
	"then hold: CTL $H/CTLFile.tlv, ITL $N/ITLFile.tlv"
# Only one token uploaded, and it is not the signer: still refused.
store "$T/one" pub_cm pub_tvs sub_cm capf etoken1
judge "(g) the other token uploaded" 13 "stranded stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/one" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
# Without a store check cannot tell (f) from (g), and says so.
judge "(g) no store" 12 "depends stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(g) no store" "depends on the cluster's trust store, which was not given"
finish
