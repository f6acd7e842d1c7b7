#!/bin/sh
# make-golden.sh CTLSIGN - rebuilds the golden files in golden/ with the
# given ctlsign binary from the fixture certificates of this directory.
# RSA PKCS#1 v1.5 signatures are deterministic, so with a fixed key and
# TIMESTAMP the output is fixed: tests/test_build.c compares to these.
# Run it only when the layout is meant to change, and review the diff.
set -eu
bin=$(realpath "$1")
cd "$(dirname "$0")"
export SOURCE_DATE_EPOCH=1425667513 # Fri Mar 06 19:45:13 CET 2015 (seed 002)
"$bin" build -q -o golden/CTLFile.tlv --sign-key pub.key --sign-cert pub.pem \
	--ccm-tftp pub.pem,dns=cucm-1051-a-pub,ip=10.48.47.155 \
	--capf capf.pem,dns=cucm-1051-a-pub,ip=10.48.47.155 \
	--ccm-tftp sub1.pem,dns=cucm-1051-a-sub1,ip=10.48.47.156
"$bin" build -q --itl -o golden/ITLFile.tlv --sign-key pub.key --sign-cert pub.pem \
	--ccm-tftp pub.pem --tvs tvs.pem --capf capf.pem
printf '<device><fullConfig>true</fullConfig></device>\n' >golden/SEP001122334455.cnf.xml
"$bin" sgn sign golden/SEP001122334455.cnf.xml --sign-key pub.key --sign-cert pub.pem >/dev/null
echo "golden files rebuilt"
