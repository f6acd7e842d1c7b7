#!/bin/sh
# (d) Single-node cluster renamed, mixed mode with an eToken CTL.
# Seed 000/001 "호스트 이름 또는 도메인 이름 변경", "CTL 및 ITL이 모두
# 포함된 단일 노드 클러스터" (single node with CTL and ITL): run the CTL
# client again after the rename; the new CTL carries the new
# CallManager.pem and is trusted because the USB eTokens that sign it did
# not change; the new ITL is then trusted through the new CTL's CCM+TFTP.
# The old model judged each file against the held files only, so it
# called the ITL REJECTED; the download order makes it right.
# (The eToken keys here are key files: the trust model looks at who
# signed, not at how; tests/p11 signs with real PKCS#11 tokens.)
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl etoken1 sast etoken2 ccm-tftp pub_cm capf capf
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl etoken1 sast etoken2 ccm-tftp pub_ren_cm capf capf
build_list "$N/ITLFile.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs capf capf

# No trust store needed: nothing goes through TVS.
judge "(d) CTL then ITL" 0 "direct direct first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(d) reasons" "its signer is a SAST of the held CTL $H/CTLFile.tlv" \
	"its signer is a CCM+TFTP of the CTL $N/CTLFile.tlv taken at step 1" \
	"result: phones with Security By Default take every file"
# Variant the old model got wrong: it asked the same question only with the
# new CTL given as the held one. Both ways agree now.
judge "(d) re-run with the new CTL held" 0 "direct not-used direct" \
	--ctl "$N/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/ITLFile.tlv"
# Publishing the ITL without re-running the CTL client strands them, and
# a phone holding nothing too: it downloads the CTL still served (the
# held one) first, and the ITL must verify against its CCM+TFTP (FORMAT.md
# P2), so deleting the files by hand does not help either.
judge "(d) ITL without the new CTL" 13 "stranded not-used stranded" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" "$N/ITLFile.tlv"
says "(d) ITL without the new CTL" \
	"phones holding nothing: STRANDED: holds a CTL but no ITL, and takes an ITL only if a CCM+TFTP of the CTL $H/CTLFile.tlv still served (a phone holding nothing downloads it first) signed it, which its signer is not" \
	"deleting the files on the phone by hand does not help: a phone holding nothing is stranded too"
! grep -qF "delete the" "$T/out" || fail "(d) advises deleting files by hand: $(cat "$T/out")"
# Without --ctl (no CTL served) the reset phone takes the ITL first.
judge "(d) ITL-only cluster" 13 "stranded not-used first-file" \
	--itl "$H/ITLFile.tlv" "$N/ITLFile.tlv"
finish
