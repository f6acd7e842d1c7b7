#!/bin/sh
# bench/run.sh [BUILD_DIR] - the trust-list engine benchmark (issue 2,
# requirement 8). Not a test: nothing here runs under ctest.
#
# Verifies a directory of 10,000 generated CTLSEP<MAC>.tlv files and
# builds+signs 1,000 CTLs, and sets files per second beside the ceiling
# measured in the same run on the same core: `openssl speed -elapsed`
# for one RSA verify / sign with the key size actually used plus SHA-1 of
# one file's bytes. Then peak RSS verifying 1,000 vs 10,000 files. Then
# bench/p11.sh and bench/cluster.sh, if present and executable.
#
# Without BUILD_DIR it configures and builds ./build-bench (RelWithDebInfo,
# no sanitizers). Knobs (environment): BENCH_VERIFY_FILES (10000),
# BENCH_BUILD_FILES (1000), BENCH_CLI_BUILDS (100), BENCH_ROUNDS (5),
# BENCH_SPEED_SECONDS (1), BENCH_CPU (the last CPU). docs/benchmarks.md
# explains every figure.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ge 1 ]; then
	build=$1
else
	build=$root/build-bench
	echo "building $build ..." >&2
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j2 >/dev/null
fi
build=$(cd "$build" && pwd)
bin=$build/ctlsign
eng=$build/bench/bench_engine
for f in "$bin" "$eng"; do
	[ -x "$f" ] || { echo "run.sh: $f not built" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "run.sh: needs the openssl command" >&2; exit 2; }

NV=${BENCH_VERIFY_FILES:-10000}
NB=${BENCH_BUILD_FILES:-1000}
NCLI=${BENCH_CLI_BUILDS:-100}
ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SPEED_SECONDS:-1}
NSMALL=$((NV / 10))

# One core, the same for the reference and for ctlsign: the machine is
# shared, so both are measured close together, in several rounds.
pin=
if command -v taskset >/dev/null; then
	cpu=${BENCH_CPU:-$(($(nproc) - 1))}
	pin="taskset -c $cpu"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ctlsign-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The example cluster of tests/data. git does not keep file modes, and
# the signer warns about a key others can read: copy the keys, mode 600.
data=$root/tests/data
for n in pub sub1 capf; do
	cp "$data/$n.pem" "$work/"
	cp "$data/$n.key" "$work/"
	chmod 600 "$work/$n.key"
done
# KEY CERT CAPF SUB1 for bench_engine; $cluster is split into words on
# purpose (the paths are mktemp's, without spaces).
cluster="$work/pub.key $work/pub.pem $work/capf.pem $work/sub1.pem"
bits=$(openssl pkey -in "$work/pub.key" -noout -text | sed -n '1s/[^0-9]*\([0-9][0-9]*\) bit.*/\1/p')

# Nanoseconds, for wall-clock timing of whole commands.
ns() { date +%s%N; }
# val KEY FILE: the value of a "KEY=value" line.
val() { sed -n "s/^$1=//p" "$2" | tail -n 1; }
calc() { awk "BEGIN {printf \"%.${2:-1}f\", $1}"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# --- the files -------------------------------------------------------------
# bench_engine gen signs every file (TIMESTAMP differs), so no two files
# are alike; file 0 must equal what `ctlsign build` writes for the same
# input, which ties the generated tree to the real command.
echo "generating $NV signed CTLs ..." >&2
mkdir "$work/tftp" "$work/tftp-small"
# shellcheck disable=SC2086
$pin "$eng" gen "$work/tftp" "$NV" $cluster
"$bin" build -q -o "$work/cli.tlv" --sign-key "$work/pub.key" --sign-cert "$work/pub.pem" \
	--ccm-tftp "$work/pub.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
	--capf "$work/capf.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
	--ccm-tftp "$work/sub1.pem,dns=cucm-1051-a-sub1,ip=10.48.47.156" \
	--timestamp 1425667513
cmp -s "$work/cli.tlv" "$work/tftp/CTLSEP001122000000.tlv" ||
	{ echo "run.sh: generated file differs from ctlsign build's" >&2; exit 1; }
first=$work/tftp/CTLSEP001122000000.tlv
bytes=$(wc -c <"$first")
(cd "$work/tftp" && ls | head -n "$NSMALL" | xargs cp -t "$work/tftp-small")

# --- rounds: reference, then ctlsign, on the same core ---------------------
: >"$work/rounds"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "round $r/$ROUNDS ..." >&2
	$pin openssl speed -mr -elapsed -seconds "$SECS" "rsa$bits" 2>/dev/null >"$work/rsa"
	$pin openssl speed -mr -elapsed -seconds "$SECS" -bytes "$bytes" -evp sha1 2>/dev/null >"$work/sha"
	# +F2:n:bits:signs_per_s:verifies_per_s   +F:n:sha1:bytes_per_s
	sign_s=$(awk -F: '/^\+F2:/ {print $4}' "$work/rsa")
	ver_s=$(awk -F: '/^\+F2:/ {print $5}' "$work/rsa")
	sha_bps=$(awk -F: '/^\+F:/ {print $4}' "$work/sha")
	[ -n "$sign_s" ] && [ -n "$ver_s" ] && [ -n "$sha_bps" ] ||
		{ echo "run.sh: cannot read openssl speed output" >&2; exit 1; }

	# (a) the real user path: one process verifies the whole TFTP root.
	t0=$(ns)
	$pin "$bin" verify -q "$work/tftp"
	t1=$(ns)
	cli_v=$(calc "$NV / (($t1 - $t0) / 1e9)")

	# (b) the engine per file, with the shared key cache and a cold one.
	$pin "$eng" verify "$work/tftp" shared >"$work/vs"
	$pin "$eng" verify "$work/tftp-small" cold >"$work/vc"
	# build+sign in one process: ctl_build, then as `ctlsign build` (+ self-check)
	# shellcheck disable=SC2086
	$pin "$eng" build "$NB" $cluster >"$work/b"
	# The same reference in-process (same key, same file bytes): a second
	# measurement of the ceiling, so that one disturbed `openssl speed`
	# cannot lower it and flatter ctlsign.
	$pin "$eng" ceiling "$first" "$work/pub.key" 20000 >"$work/ref"

	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$sign_s" "$ver_s" "$sha_bps" \
		"$cli_v" "$(val verify_files_per_s "$work/vs")" \
		"$(val verify_files_per_s "$work/vc")" \
		"$(val build_files_per_s "$work/b")" \
		"$(val buildchk_files_per_s "$work/b")" \
		"$(val verify_us_read "$work/vs")" \
		"$(val verify_us_parse "$work/vs")" \
		"$(val verify_us_verify "$work/vs")" \
		"$(val verify_us_verify "$work/vc")" \
		"$(val verify_mem_files_per_s "$work/vs")" \
		"$(val ref_verify_files_per_s "$work/ref")" \
		"$(val ref_sign_files_per_s "$work/ref")" >>"$work/rounds"
	r=$((r + 1))
done
# Best round of each figure: on a shared machine the fastest round is the
# least disturbed one, for the reference and for ctlsign alike. Rates take
# their maximum, times per file their minimum.
best() { awk -v c="$1" '{print $c}' "$work/rounds" | sort -g | { if [ "$2" = max ]; then tail -n 1; else head -n 1; fi; }; }
sign_s=$(best 1 max); ver_s=$(best 2 max); sha_bps=$(best 3 max)
cli_v=$(best 4 max); eng_v=$(best 5 max); eng_cold=$(best 6 max)
eng_b=$(best 7 max); eng_bchk=$(best 8 max); eng_mem=$(best 13 max)
us_r=$(best 9 min); us_p=$(best 10 min); us_v=$(best 11 min); us_vcold=$(best 12 min)
speed_v=$(calc "1 / (1 / $ver_s + $bytes / $sha_bps)")
speed_s=$(calc "1 / (1 / $sign_s + $bytes / $sha_bps)")
inproc_v=$(best 14 max); inproc_s=$(best 15 max)
# The ceiling is the higher of the two measurements of the same operations.
ceil_v=$(awk "BEGIN {print ($speed_v > $inproc_v) ? $speed_v : $inproc_v}")
ceil_s=$(awk "BEGIN {print ($speed_s > $inproc_s) ? $speed_s : $inproc_s}")
pct() { calc "100 * $1 / $2"; }
rat_cli_v=$(pct "$cli_v" "$ceil_v"); rat_eng_v=$(pct "$eng_v" "$ceil_v")
rat_cold=$(pct "$eng_cold" "$ceil_v"); rat_mem=$(pct "$eng_mem" "$ceil_v")
rat_b=$(pct "$eng_b" "$ceil_s"); rat_bchk=$(pct "$eng_bchk" "$ceil_s")
# The spread between rounds, to judge the noise: slowest/fastest engine verify.
spread=$(awk '{print $5}' "$work/rounds" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.0f%%", 100*lo/hi}')

# --- the real build command, one process per file (informational) ----------
t0=$(ns)
i=0
while [ "$i" -lt "$NCLI" ]; do
	$pin "$bin" build -q -o "$work/cli-build.tlv" --sign-key "$work/pub.key" \
		--sign-cert "$work/pub.pem" \
		--ccm-tftp "$work/pub.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
		--capf "$work/capf.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
		--ccm-tftp "$work/sub1.pem,dns=cucm-1051-a-sub1,ip=10.48.47.156" \
		--timestamp $((1425667513 + i))
	i=$((i + 1))
done
t1=$(ns)
cli_b=$(calc "$NCLI / (($t1 - $t0) / 1e9)")

# --- memory: peak RSS of one `ctlsign verify DIR`, 1/10 of the files vs all -
rss() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$work/rss" "$bin" verify -q "$1" && cat "$work/rss"
	else
		echo 0
	fi
}
rss_small=$(rss "$work/tftp-small")
rss_all=$(rss "$work/tftp")
rss_ratio=$(calc "$rss_all / ($rss_small > 0 ? $rss_small : 1)" 2)

verdict() { awk "BEGIN {print ($1 >= $2) ? \"met\" : \"MISSED\"}"; }
cat <<EOF

==== ctlsign trust-list engine benchmark ($(date -u +%Y-%m-%dT%H:%MZ)) ====
machine:   $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1); ${pin:-not pinned}
openssl:   $(openssl version)
files:     $NV distinct signed CTLs of $bytes bytes, RSA-$bits, SHA-1, 4 records
rounds:    $ROUNDS (best round of each figure; slowest engine round at $spread of its best)
load avg:  $load_before before, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') after (other work on the machine)

reference (openssl speed -elapsed, same core, interleaved with the rounds)
  rsa$bits verify          $(calc "$ver_s" 0) /s   sign $(calc "$sign_s" 0) /s
  sha1 at $bytes bytes      $(calc "$sha_bps / 1e6" 0) MB/s
  from openssl speed       verify $speed_v files/s, build+sign $speed_s files/s   (1 / (t_rsa + bytes/sha1_rate))
  in-process, same ops     verify $inproc_v files/s, build+sign $inproc_s files/s   (bench_engine ceiling)
  ceiling (the higher)     verify $(calc "$ceil_v") files/s, build+sign $(calc "$ceil_s") files/s

verify ($NV files, one core)                    files/s    % of ceiling  target 70%
  ctlsign verify -q DIR (one process)         $(printf '%9s' "$cli_v")    $(printf '%5s' "$rat_cli_v")%        $(verdict "$rat_cli_v" 70)
  engine, shared key cache                    $(printf '%9s' "$eng_v")    $(printf '%5s' "$rat_eng_v")%        $(verdict "$rat_eng_v" 70)
  engine, shared cache, without file reads    $(printf '%9s' "$eng_mem")    $(printf '%5s' "$rat_mem")%        $(verdict "$rat_mem" 70)
  engine, cold cache (every cert parsed)      $(printf '%9s' "$eng_cold")    $(printf '%5s' "$rat_cold")%        ($NSMALL files)
  engine per file: read $us_r us, parse $us_p us, verify $us_v us (cold cache: verify $us_vcold us)

build+sign ($NB files, one core)                files/s    % of ceiling  target 80%
  engine ctl_build (build + sign)             $(printf '%9s' "$eng_b")    $(printf '%5s' "$rat_b")%        $(verdict "$rat_b" 80)
  engine as ctlsign build (+ self-check)      $(printf '%9s' "$eng_bchk")    $(printf '%5s' "$rat_bchk")%        $(verdict "$rat_bchk" 80)
  ctlsign build, one process per file ($NCLI) $(printf '%9s' "$cli_b")    (process start, key load, fsync)

memory (peak RSS of ctlsign verify -q DIR)
  $NSMALL files $rss_small KB, $NV files $rss_all KB, ratio $rss_ratio (flat = 1.00)
==== end ====
EOF

# --- the other parts: token signing and cluster distribution --------------
for part in p11 cluster; do
	s=$root/bench/$part.sh
	if [ -x "$s" ]; then
		echo
		"$s" "$build" || echo "run.sh: bench/$part.sh failed (status $?)" >&2
	fi
done
