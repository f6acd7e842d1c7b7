#!/bin/sh
# (i) A phone moved to another cluster.
# Seed 000/001 "클러스터 간에 전화 이동" (moving phones between clusters):
# the new cluster's files must match the signature in the phone's CTL, its
# ITL, or the current TVS service; the referenced procedure (bulk
# certificate export/import) puts the new cluster's signer into the old
# cluster's trust store, so the old cluster's TVS, which the phone trusts
# through its ITL, vouches for it. "백업 및 복원" (backup and restore): a
# cluster rebuilt with new keys is another cluster to the phone.
. "$(dirname "$0")/lib.sh"
H=$T/held N=$T/new
build_list "$H/CTLFile.tlv" ctl pub_cm ccm-tftp pub_cm capf capf
build_list "$H/ITLFile.tlv" itl pub_cm ccm-tftp pub_cm tvs pub_tvs capf capf
build_list "$N/CTLFile.tlv" ctl b_cm ccm-tftp b_cm capf b_capf
build_list "$N/ITLFile.tlv" itl b_cm ccm-tftp b_cm tvs b_tvs capf b_capf
# The old cluster's store, after the bulk import of cluster B's certificates.
store "$T/imported" pub_cm pub_tvs capf b_cm
store "$T/plain" pub_cm pub_tvs capf

# The phone asks the old cluster's TVS (--old-cluster-tvs): B's signer imported.
judge "(i) imported, old TVS" 11 "tvs stranded first-file;direct not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/imported" \
	--old-cluster-tvs "$P/pub_tvs.pem" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(i) imported, old TVS" "is trusted through the held ITL $H/ITLFile.tlv and the trust store $T/imported holds the signer"
# Plain --tvs is the TVS of the phones' own cluster after the change: the
# new ITL names none of it, so TVS.pem is taken to have changed and the
# new ITL's TVS is used, which the held ITL does not name.
judge "(i) --tvs, not --old-cluster-tvs" 13 "stranded stranded first-file;stranded not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/imported" \
	--tvs "$P/pub_tvs.pem" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
says "(i) --tvs" "(the TVS records of $N/ITLFile.tlv, which names none of the --tvs certificates: TVS.pem changed, so TVS presents its new certificate) is not among the TVS records of the held ITL"
run "$BIN" check --itl "$H/ITLFile.tlv" --tvs "$P/pub_tvs.pem" --old-cluster-tvs "$P/pub_tvs.pem" "$N/ITLFile.tlv"
expect "(i) both TVS options" 2 2 "--tvs and --old-cluster-tvs exclude each other"
# Not imported: stranded.
judge "(i) not imported" 13 "stranded stranded first-file;stranded not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/plain" \
	--old-cluster-tvs "$P/pub_tvs.pem" "$N/CTLFile.tlv" "$N/ITLFile.tlv"
# Without --tvs the TVS is the new cluster's (its ITL's TVS record), which
# the old ITL does not name: stranded whatever the store says.
judge "(i) new cluster's TVS" 13 "stranded stranded first-file;stranded not-used direct" \
	--ctl "$H/CTLFile.tlv" --itl "$H/ITLFile.tlv" --trust-store "$T/imported" \
	"$N/CTLFile.tlv" "$N/ITLFile.tlv"
# ITL only (non-secure clusters): the same, one file.
judge "(i) ITL only, imported" 10 "tvs not-used first-file" \
	--itl "$H/ITLFile.tlv" --trust-store "$T/imported" --old-cluster-tvs "$P/pub_tvs.pem" "$N/ITLFile.tlv"
judge "(i) ITL only, no store" 12 "depends not-used first-file" \
	--itl "$H/ITLFile.tlv" --old-cluster-tvs "$P/pub_tvs.pem" "$N/ITLFile.tlv"
finish
