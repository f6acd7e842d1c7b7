#!/bin/sh
# demo.sh - installs what it needs, builds ctlsign, and runs the main job
# on the built-in example data (tests/data: the two-node CUCM cluster of
# the seed notes): build and sign a tokenless CTLFile.tlv, show it as
# `show ctl` would, verify it, build the ITL, sign and verify a .sgn
# config file. Results land in demo-out/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh demo
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCTLSIGN_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$top/build/ctlsign
out=$top/demo-out
data=$top/tests/data
mkdir -p "$out"
# The example keys, kept private as real ones must be (git does not keep modes).
for k in pub itlrecovery; do
	install -m 600 "$data/$k.key" "$out/$k.key"
done
cd "$out"
run() { printf '\n$ %s\n' "$*" | sed "s|$bin|ctlsign|; s|$data/||g"; "$@"; }

run "$bin" build -o CTLFile.tlv --sign-key pub.key --sign-cert "$data/pub.pem" \
	--ccm-tftp "$data/pub.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
	--capf "$data/capf.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
	--ccm-tftp "$data/sub1.pem,dns=cucm-1051-a-sub1,ip=10.48.47.156"
run "$bin" show CTLFile.tlv
run "$bin" verify CTLFile.tlv
run "$bin" build --itl -o ITLFile.tlv --sign-key pub.key --sign-cert "$data/pub.pem" \
	--ccm-tftp "$data/pub.pem" --tvs "$data/tvs.pem" --capf "$data/capf.pem"
run "$bin" verify CTLFile.tlv ITLFile.tlv
printf '<device><fullConfig>true</fullConfig></device>\n' >SEP001122334455.cnf.xml
run "$bin" sgn sign SEP001122334455.cnf.xml --sign-key pub.key --sign-cert "$data/pub.pem"
run "$bin" sgn verify SEP001122334455.cnf.xml.sgn --cert "$data/pub.pem"
# Moving the signer to ITLRecovery (as CUCM 12+ does) without stranding a
# phone: first publish a CTL, still signed by the old key, that names the
# new signer as a SAST; once every phone has it, sign with the new key.
run "$bin" build -o CTLFile.tlv --from CTLFile.tlv \
	--sast "$data/itlrecovery.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
	--sign-key pub.key --sign-cert "$data/pub.pem"
run "$bin" build -o CTLFile-next.tlv --from CTLFile.tlv --from-signer "$data/pub.pem" \
	--sign-key itlrecovery.key --sign-cert "$data/itlrecovery.pem" --digest sha256
run "$bin" verify CTLFile.tlv CTLFile-next.tlv
if [ -x "$top/softhsm-fixtures/demo-tokens.sh" ]; then
	"$top/softhsm-fixtures/demo-tokens.sh" "$bin" "$out"
fi
printf '\ndemo output is in %s\n' "$out"
