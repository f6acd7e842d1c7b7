#!/bin/sh
# (e) Multi-node cluster renamed: one node at a time, or all at once.
# Seed 000/001 "호스트 이름 또는 도메인 이름 변경", "ITL만 있는 다중 노드
# 클러스터" (several nodes, ITL only): with several TVS servers in the
# phone's CallManager group, another TVS vouches for a renamed node's new
# certificate; rename every node at once and no TVS the phone can reach
# presents a certificate it knows. "CTL과 ITL이 모두 포함된 다중 노드
# 클러스터" (CTL and ITL): TVS vouches, or the CTL client can update the
# phones.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
# The phone's CallManager group holds both nodes: two TVS records.
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs tvs sub_tvs capf capf
# The publisher renamed first; then the subscriber.
build_list "$N/ITL-pub.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs tvs sub_tvs capf capf
build_list "$N/ITL-both.tlv" itl pub_ren_cm ccm-tftp pub_ren_cm tvs pub_ren_tvs tvs sub_ren_tvs capf capf
store "$T/store" pub_ren_cm pub_ren_tvs sub_ren_cm sub_ren_tvs sub_cm sub_tvs capf

# Without --tvs: the new ITL names both TVS servers, but a phone asks only
# those of its CallManager group (seed 000/001), and only the
# subscriber's is trusted, so it depends on the group; the second step
# depends on what happened at the first.
judge "(e) one at a time" 12 "depends not-used first-file;depends not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" "$N/ITL-pub.tlv" "$N/ITL-both.tlv"
says "(e) one at a time" "of the TVS servers ($N/ITL-pub.tlv) only CN=cucm-1051-a-sub1;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL is trusted through the held ITL $H/ITLFile.tlv, so TVS can vouch only for a phone whose CallManager group includes that node (a phone whose group has only CN=cucm-1051-a-pub2"
# Phones whose group includes the subscriber (--tvs its TVS.pem) take it.
judge "(e) one at a time, group with the subscriber" 10 "tvs not-used first-file;direct not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" --tvs "$P/sub_tvs.pem" "$N/ITL-pub.tlv" "$N/ITL-both.tlv"
says "(e) group with the subscriber" "TVS CN=cucm-1051-a-sub1;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL is trusted through the held ITL $H/ITLFile.tlv"
# Phones whose group has only the renamed publisher are stranded.
judge "(e) one at a time, group with the publisher only" 13 "stranded not-used first-file;stranded not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" --tvs "$P/pub_ren_tvs.pem" "$N/ITL-pub.tlv" "$N/ITL-both.tlv"
judge "(e) all at once" 13 "stranded not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/store" "$N/ITL-both.tlv"
says "(e) all at once" "the certificates TVS presents after the change ($N/ITL-both.tlv) are not among the TVS records"
# A phone whose CallManager group has one server: the extra TVS is no help.
build_list "$H/ITL-one.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
judge "(e) one TVS in the group" 13 "stranded not-used first-file" \
	--itl "$H/ITL-one.tlv" --trust-store "$T/store" "$N/ITL-pub.tlv"
# Mixed mode with CTL and ITL: the new CTL (tokenless, signed by the renamed
# publisher) goes through TVS, the ITL through the CTL just taken.
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm ccm-tftp sub_cm capf capf
build_list "$N/CTLFile.tlv" ctl pub_ren_cm ccm-tftp pub_ren_cm ccm-tftp sub_cm capf capf
judge "(e) mixed mode, one at a time" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/store" --tvs "$P/sub_tvs.pem" \
	"$N/CTLFile.tlv" "$N/ITL-pub.tlv"
finish
