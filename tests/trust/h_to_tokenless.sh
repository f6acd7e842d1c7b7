#!/bin/sh
# (h) eToken CTL to tokenless, with and without a bridge CTL.
# Seed 002 "하드웨어 토큰에서 토큰리스 솔루션으로" (hardware tokens to
# tokenless): `utils ctl update CTLFile` re-signs the CTL with the
# publisher's CallManager certificate and drops the eToken records; phones
# with Security By Default verify that unknown signer through TVS (the
# "요구 사항" note), the others need their CTL deleted. A bridge CTL,
# still signed by an eToken but already naming the CallManager certificate
# as a SAST, lets every phone take the tokenless CTL directly.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl etoken2 sast etoken1 ccm-tftp pub_cm capf capf ccm-tftp sub_cm
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf ccm-tftp sub_cm
cp "$H/ITLFile.tlv" "$N/ITLFile.tlv"
store "$T/store" pub_cm pub_tvs sub_cm capf

judge "(h) without a bridge" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
# The bridge, then the tokenless CTL: two publications, every phone direct
# (a phone holding nothing takes each publication's CTL as its first file).
build_list "$N/CTL-bridge.tlv" ctl etoken2 sast etoken1 sast pub_cm ccm-tftp pub_cm capf capf ccm-tftp sub_cm
judge "(h) with a bridge" 0 "direct direct first-file;direct direct first-file" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/CTL-bridge.tlv" "$N/CTLFile.tlv"
says "(h) with a bridge" "its signer is a SAST of the CTL $N/CTL-bridge.tlv taken at step 1" \
	"result: phones without Security By Default take every file"
# Skipping the bridge for some phones is (h) without it.
finish
