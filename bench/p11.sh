#!/bin/sh
# p11.sh - what signing a CTL through PKCS#11 costs in ctlsign, against
# the module's own signing measured the same way in the same run.
#   usage: bench/p11.sh BUILD_DIR      (BENCH_N=200 signatures by default)
#
# Both sides run N separate processes, because that is how each is used:
# every `ctlsign build` loads the module, finds the tokens, logs in, reads
# the cluster's certificates, builds, signs once, parses and verifies its
# own output and writes it atomically; every `pkcs11-tool --sign` loads the
# module, logs in and signs once (SHA1-RSA-PKCS, the CTL's mechanism) the
# same bytes (the CTL file) with the same key on the same SoftHSM2 token.
# The ratio is ctlsign's per-CTL time over pkcs11-tool's per-signature time.
# The runs are interleaved, so that a busy machine slows both sides alike.
# The baselines are each program starting and exiting without touching a
# token (ctlsign links OpenSSL, libp11, libssh, libcurl: its start is not
# free), so that the work itself can be compared without process start.
# (pkcs11-tool takes its PIN on the command line; a fixture PIN, so fine here.)
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
bin=$(cd "$1" && pwd)/ctlsign
[ -x "$bin" ] || { echo "$0: no ctlsign in $1" >&2; exit 2; }
command -v pkcs11-tool >/dev/null || { echo "$0: needs pkcs11-tool (opensc)" >&2; exit 2; }
n=${BENCH_N:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctlsign-p11bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$top/softhsm-fixtures/make-tokens.sh" "$tmp/fx" >/dev/null
. "$tmp/fx/env.sh"
export CTLSIGN_PIN=Cisco123
c=$tmp/fx/cluster
tok=SAST-ADN0054f509

now() { date +%s%N; }
ctl() {
	"$bin" build -q -o "$tmp/CTLFile.tlv" --timestamp 1425667513 \
		--sign-token "pkcs11:token=$tok" \
		--sast-token 'pkcs11:token=SAST-ADN008580ef' \
		--ccm-tftp "$c/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
		--capf "$c/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
		--ccm-tftp "$c/sub1.pem,dns=cucm-sub1,ip=10.48.47.156"
}
p11() {
	pkcs11-tool --module "$CTLSIGN_PKCS11_MODULE" --token-label "$tok" \
		--login --pin "$CTLSIGN_PIN" --id 01 --sign --mechanism SHA1-RSA-PKCS \
		-i "$tmp/CTLFile.tlv" -o "$tmp/sig" >/dev/null 2>&1
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

ctl # warm up, and the data pkcs11-tool signs
p11 || { echo "$0: pkcs11-tool --sign failed" >&2; exit 1; }
i=0 ctl_ns=0 p11_ns=0 ctl0_ns=0 p110_ns=0
while [ $i -lt "$n" ]; do
	t0=$(now); ctl; t1=$(now); p11; t2=$(now)
	"$bin" --version >/dev/null; t3=$(now)
	pkcs11-tool --help >/dev/null 2>&1 || true; t4=$(now)
	ctl_ns=$((ctl_ns + t1 - t0)) p11_ns=$((p11_ns + t2 - t1))
	ctl0_ns=$((ctl0_ns + t3 - t2)) p110_ns=$((p110_ns + t4 - t3))
	i=$((i + 1))
done
"$bin" verify "$tmp/CTLFile.tlv" >/dev/null

ctl_us=$((ctl_ns / 1000 / n))
p11_us=$((p11_ns / 1000 / n))
ctl0_us=$((ctl0_ns / 1000 / n))
p110_us=$((p110_ns / 1000 / n))
cat <<EOF
== ctlsign PKCS#11 signing (bench/p11.sh) ==
binary:             $bin
module:             $CTLSIGN_PKCS11_MODULE (token $tok, RSA 1024, SHA-1)
signatures:         $n each, one process per signature, interleaved
ctlsign build:      $ctl_us us per signed, self-verified CTL (2 tokens, 5 records)
pkcs11-tool --sign: $p11_us us per signature
ratio:              $(ratio $ctl_us $p11_us) (ctlsign / pkcs11-tool, whole processes)
overhead:           $((ctl_us - p11_us)) us per CTL
process start only: ctlsign $ctl0_us us, pkcs11-tool $p110_us us
without the start:  ctlsign $((ctl_us - ctl0_us)) us, pkcs11-tool $((p11_us - p110_us)) us, ratio $(ratio $((ctl_us - ctl0_us)) $((p11_us - p110_us)))
EOF
