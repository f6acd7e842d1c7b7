#!/bin/sh
# p11.sh - what signing a CTL through PKCS#11 costs in ctlsign, against
# the module's own signing measured the same way in the same run.
#   usage: bench/p11.sh BUILD_DIR      (BENCH_N=200 signatures by default)
#
# ctlsign builds with one token (--sign-token, --allow-single-token), as
# issue 11 measures it. Its output goes to TMPDIR (the durable atomic
# write: two fsyncs and a rename, which cost what the disk costs) and, in
# a second pair of interleaved runs, to a tmpfs (/dev/shm, when there is
# one), where the comparison is of the work. Both are printed.
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
# token.
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
out=$tmp
ctl() {
	"$bin" build -q -o "$out/CTLFile.tlv" --timestamp 1425667513 \
		--sign-token "pkcs11:token=$tok" --allow-single-token \
		--ccm-tftp "$c/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
		--capf "$c/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
		--ccm-tftp "$c/sub1.pem,dns=cucm-sub1,ip=10.48.47.156" 2>/dev/null
}
p11() {
	pkcs11-tool --module "$CTLSIGN_PKCS11_MODULE" --token-label "$tok" \
		--login --pin "$CTLSIGN_PIN" --id 01 --sign --mechanism SHA1-RSA-PKCS \
		-i "$tmp/CTLFile.tlv" -o "$out/sig" >/dev/null 2>&1
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

ctl # warm up, and the data pkcs11-tool signs
p11 || { echo "$0: pkcs11-tool --sign failed" >&2; exit 1; }
# pair DIR: interleaved runs writing to DIR; sets ctl_us and p11_us.
pair() {
	out=$1
	i=0 ctl_ns=0 p11_ns=0
	while [ $i -lt "$n" ]; do
		t0=$(now); ctl; t1=$(now); p11; t2=$(now)
		ctl_ns=$((ctl_ns + t1 - t0)) p11_ns=$((p11_ns + t2 - t1))
		i=$((i + 1))
	done
	ctl_us=$((ctl_ns / 1000 / n)) p11_us=$((p11_ns / 1000 / n))
}
pair "$tmp"
disk_ctl=$ctl_us disk_p11=$p11_us
shm=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	shm=$(mktemp -d /dev/shm/ctlsign-p11bench.XXXXXX)
	trap 'rm -rf "$tmp" "$shm"' EXIT
	pair "$shm"
fi
out=$tmp
i=0 ctl0_ns=0 p110_ns=0
while [ $i -lt "$n" ]; do
	t2=$(now)
	"$bin" --version >/dev/null; t3=$(now)
	pkcs11-tool --help >/dev/null 2>&1 || true; t4=$(now)
	ctl0_ns=$((ctl0_ns + t3 - t2)) p110_ns=$((p110_ns + t4 - t3))
	i=$((i + 1))
done
"$bin" verify "$tmp/CTLFile.tlv" >/dev/null
ctl0_us=$((ctl0_ns / 1000 / n))
p110_us=$((p110_ns / 1000 / n))
calls() { # calls CMD...: system calls of one run (strace -f -c), or "?"
	if command -v strace >/dev/null; then
		strace -f -c -o "$tmp/strace" "$@" >/dev/null 2>&1 &&
			awk '$NF == "total" {print $(NF - 2)}' "$tmp/strace"
	else
		echo "?"
	fi
}
sc_ctl=$(calls "$bin" build -q -o "$tmp/sc.tlv" --timestamp 1425667513 \
	--sign-token "pkcs11:token=$tok" --allow-single-token \
	--ccm-tftp "$c/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
	--capf "$c/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
	--ccm-tftp "$c/sub1.pem,dns=cucm-sub1,ip=10.48.47.156")
sc_p11=$(calls pkcs11-tool --module "$CTLSIGN_PKCS11_MODULE" --token-label "$tok" \
	--login --pin "$CTLSIGN_PIN" --id 01 --sign --mechanism SHA1-RSA-PKCS \
	-i "$tmp/CTLFile.tlv" -o "$tmp/sig")
cat <<EOF
== ctlsign PKCS#11 signing (bench/p11.sh) ==
binary:             $bin
module:             $CTLSIGN_PKCS11_MODULE (token $tok, RSA 1024, SHA-1)
signatures:         $n each, one process per signature, interleaved
ctlsign build:      one token, 4 records, self-verified, atomic write
output in TMPDIR:   ctlsign $disk_ctl us, pkcs11-tool $disk_p11 us: ratio $(ratio $disk_ctl $disk_p11) (ctlsign fsyncs twice and renames; pkcs11-tool does not)
EOF
if [ -n "$shm" ]; then
	echo "output on tmpfs:    ctlsign $ctl_us us, pkcs11-tool $p11_us us: ratio $(ratio $ctl_us $p11_us) (target <= 1.2)"
fi
cat <<EOF
system calls:       ctlsign $sc_ctl, pkcs11-tool $sc_p11 (strace -f -c, one run)
process start only: ctlsign $ctl0_us us, pkcs11-tool $p110_us us
EOF
