#!/bin/sh
# (f) Tokenless to eToken CTL, the eToken certificates uploaded first as
# Phone-SAST-trust.
# Seed 002 "토큰리스 솔루션에서 하드웨어 토큰으로" (tokenless back to
# hardware tokens), steps 8-10 (upload each eToken certificate as
# Phone-SAST-trust) and the paragraph after step 23: the change works
# because the phones verify the unknown eToken signer with TVS, which finds
# it in the cluster's trust store. The "요구 사항" note: devices without
# Security By Default do not take it.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf ccm-tftp sub_cm
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl etoken2 sast etoken1 ccm-tftp pub_cm capf capf ccm-tftp sub_cm
# The ITL does not change; TFTP serves it with the new CTL.
cp "$H/ITLFile.tlv" "$N/ITLFile.tlv"
# The trust store after steps 8-10: the node's certificates and the tokens.
store "$T/store" pub_cm pub_tvs sub_cm capf etoken1 etoken2

judge "(f) uploaded" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(f) reasons" "its signer is not a SAST of the held CTL $H/CTLFile.tlv" \
	"the trust store $T/store holds the signer" \
	"result: phones without Security By Default are STRANDED at step 1"
# The CTL alone, naming the TVS certificate with --tvs: the same verdict.
judge "(f) CTL with --tvs" 11 "tvs stranded first-file" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	--tvs "$P/pub_tvs.pem" "$N/CTLFile.tlv"
# A store given as DER files reads the same.
mkdir "$T/der"
for c in pub_cm pub_tvs sub_cm capf etoken1 etoken2; do
	openssl x509 -in "$P/$c.pem" -outform DER -out "$T/der/$c.cer"
done
judge "(f) DER store" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/der" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
finish
