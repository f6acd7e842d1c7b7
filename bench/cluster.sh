#!/bin/sh
# cluster.sh BUILD_DIR - benchmark of `ctlsign cluster distribute`: starts
# 20 simulated nodes on loopback with the test harness
# (tests/cluster/harness.sh: real sshd + tftpd-hpa each), then times the
# distribution of a CTL to 1, 5 and 20 of them with 8 workers, each run a
# real switch (two files alternate). Prints the best of RUNS wall times
# and wall(N)/wall(1); the target is <= 2 for 20 nodes. Needs root.
#   usage: bench/cluster.sh BUILD_DIR    (RUNS=5 by default)
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$1" && pwd)/ctlsign
DATA=$ROOT/tests/data
HSRC=$ROOT/tests/cluster
RUNS=${RUNS:-5}
if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/sbin/sshd ] || [ ! -x /usr/sbin/in.tftpd ]; then
	echo "bench/cluster.sh: skipped (needs root, sshd and tftpd-hpa)"
	exit 0
fi
. "$HSRC/harness.sh"
h_init 30
for i in $(seq 1 20); do h_node "$i"; done
h_known_hosts $(seq 1 20)
for n in 1 5 20; do h_conf "$H/c$n.conf" "$n"; done
cp "$DATA/pub.key" "$H/k"
chmod 600 "$H/k"
for t in 0 1; do
	"$BIN" build -q -o "$H/ctl$t.tlv" --timestamp $((1700000000 + t)) \
		--sign-key "$H/k" --sign-cert "$DATA/pub.pem" \
		--ccm-tftp "$DATA/pub.pem,dns=cucm-pub,ip=10.0.0.1" \
		--capf "$DATA/capf.pem,dns=cucm-pub,ip=10.0.0.1" \
		--ccm-tftp "$DATA/sub1.pem,dns=cucm-sub1,ip=10.0.0.2"
done

now() { date +%s.%N; }
flip=0
JOBS=8
best() {
	_best=""
	for _r in $(seq 1 "$RUNS"); do
		flip=$((1 - flip))
		_t0=$(now)
		"$BIN" cluster distribute -j "$JOBS" -c "$H/c$1.conf" "$H/ctl$flip.tlv" >/dev/null ||
			{ echo "bench/cluster.sh: distribution to $1 nodes failed" >&2; exit 1; }
		_t1=$(now)
		_best=$(awk -v a="$_t0" -v b="$_t1" -v best="$_best" \
			'BEGIN { w = b - a; if (best == "" || w < best) best = w; printf "%.3f", best }')
	done
	echo "$_best"
}
# Warm up: page cache, sshd re-exec.
"$BIN" cluster distribute -j 8 -c "$H/c20.conf" "$H/ctl0.tlv" >/dev/null
w1=$(best 1)
w5=$(best 5)
w20=$(best 20)
cpu() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
# children_cpu: CPU seconds (user + sys) of this shell's finished children.
# (`times` must run in this shell, not in a $(...) subshell.)
children_cpu() {
	awk 'NR == 2 { n = split($0, f, " "); s = 0
		for (i = 1; i <= n; i++) { split(f[i], p, "m"); s += p[1] * 60 + p[2] }
		printf "%.3f", s }' "$1"
}
c0=$(cpu)
times >"$H/t0"
JOBS=8 RUNS=1 best 20 >/dev/null
times >"$H/t1"
c1=$(cpu)
k0=$(children_cpu "$H/t0")
k1=$(children_cpu "$H/t1")
JOBS=1
w20s=$(best 20)
echo "=== cluster distribute benchmark (bench/cluster.sh) ==="
echo "binary: $BIN; 8 workers; best of $RUNS runs; each run switches every node"
printf 'nodes  wall(s)  wall(N)/wall(1)\n'
printf '%5d  %7.3f  %6.2f\n' 1 "$w1" 1
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%5d  %7.3f  %6.2f\n' 5 "$w5" "$(ratio "$w5" "$w1")"
printf '%5d  %7.3f  %6.2f\n' 20 "$w20" "$(ratio "$w20" "$w1")"
printf '%5d  %7.3f  %6.2f   (1 worker, for comparison)\n' 20 "$w20s" "$(ratio "$w20s" "$w1")"
echo "target: wall(20)/wall(1) <= 2"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); one 20-node run used" \
	"$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }') CPU-s" \
	"in all (the 20 sshd/tftpd servers run on these CPUs too), of which ctlsign itself" \
	"$(awk -v a="$k0" -v b="$k1" 'BEGIN { printf "%.2f", b - a }') CPU-s"
echo "=== end cluster benchmark ==="
