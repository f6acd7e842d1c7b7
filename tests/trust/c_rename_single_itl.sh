#!/bin/sh
# (c) Single-node cluster renamed, ITL only.
# Seed 000/001 "호스트 이름 또는 도메인 이름 변경" (host or domain name
# change), "ITL만 있는 단일 노드 클러스터" (single node, ITL only): the
# rename regenerates CallManager.pem and TVS.pem at once; the phones can
# verify neither the new ITL nor TVS: "Trust List Verification Failed",
# and the only fix is deleting the ITL on every phone by hand.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/ITLFile.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs capf capf
store "$T/store" pub_ren_cm pub_ren_tvs capf

judge "(c) ITL only" 13 "stranded not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" "$N/ITLFile.tlv"
says "(c) reasons" "its signer is not a SAST record of the held ITL $H/ITLFile.tlv" \
	"TVS cannot vouch" "then hold: CTL none, ITL $H/ITLFile.tlv"
judge "(c) no store" 13 "stranded not-used first-file" --itl "$H/ITLFile.tlv" "$N/ITLFile.tlv"
# With the Rollback parameter first (seed: "Rollback Enterprise 매개 변수"),
# phones hold an ITL that no longer constrains them; that file layout is
# not modelled (docs/phone-trust.md): here the phone holding nothing stands
# for it.
finish
