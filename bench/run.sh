#!/bin/sh
# bench/run.sh [BUILD_DIR] - the trust-list engine and command benchmark
# (issue 2, requirement 8; issue 11). Not a test: nothing here runs under
# ctest, and every figure is set beside a reference measured in the same
# run.
#
# Verifies a directory of 10,000 generated CTLSEP<MAC>.tlv files and
# builds+signs 1,000 CTLs, and sets files per second beside the ceiling
# measured in the same run on the same core: `openssl speed -elapsed`
# for one RSA verify / sign with the key size actually used plus SHA-1 of
# one file's bytes. Then (issue 11): `verify` on every core; the cost per
# record of a 201-record CTL against a 51-record one; process start of
# `ctlsign verify FILE` against `openssl version`; `ctlsign show` against
# certutils' `tlvfile --parse` (its parse function, in one Python
# process); peak RSS verifying 100,000 vs 10,000 files. Then bench/p11.sh
# and bench/cluster.sh, if present and executable. The last block of this
# script's own sets every issue 11 row beside its goal.
#
# Without BUILD_DIR it configures and builds ./build-bench (RelWithDebInfo,
# no sanitizers). Knobs (environment): BENCH_VERIFY_FILES (10000),
# BENCH_BUILD_FILES (1000), BENCH_CLI_BUILDS (100), BENCH_ROUNDS (5),
# BENCH_SPEED_SECONDS (1), BENCH_CPU (the last CPU), BENCH_STARTS (200),
# BENCH_RSS_COPIES (10), BENCH_SHOW_FILES (1000), BENCH_RECORD_FILES
# (100), BENCH_PYTHON (the Python that runs certutils; default Debian's
# /usr/bin/python3 when it has python3-cryptography), BENCH_CERTUTILS
# (a directory holding certutils' tlvfile; without
# it that row is skipped), BENCH_PARTS ("p11 cluster": the scripts run
# after). docs/benchmarks.md explains every figure.
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
NSTART=${BENCH_STARTS:-200}
RSS_COPIES=${BENCH_RSS_COPIES:-10}
NSHOW=${BENCH_SHOW_FILES:-1000}
NREC=${BENCH_RECORD_FILES:-100}
PARTS=${BENCH_PARTS-p11 cluster}
ncpu=$(nproc)

# One core, the same for the reference and for ctlsign: the machine is
# shared, so both are measured close together, in several rounds.
pin=
if command -v taskset >/dev/null; then
	cpu=${BENCH_CPU:-$((ncpu - 1))}
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
verdict() { awk "BEGIN {print ($1 >= $2) ? \"met\" : \"MISSED\"}"; }
atmost() { awk "BEGIN {print ($1 <= $2) ? \"met\" : \"MISSED\"}"; }

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
# A big cluster's CTL, 51 and 201 records, each record with a certificate
# of its own (more than the old 64-entry key cache held): NREC copies each.
for n in 51 201; do
	mkdir "$work/rsrc$n" "$work/r$n"
	# shellcheck disable=SC2086
	"$eng" records "$work/rsrc$n/CTLFile.tlv" "$n" $cluster >/dev/null
	"$eng" link "$work/rsrc$n" "$work/r$n" "$NREC"
done
# The TFTP root RSS_COPIES times over: hard links, 100,000 names.
mkdir "$work/tftp-big"
"$eng" link "$work/tftp" "$work/tftp-big" "$RSS_COPIES"
nbig=$((NV * RSS_COPIES))

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

	# (a) the real user path: one process verifies the whole TFTP root,
	# on the reference's core (-j 1), then on every core (default -j).
	t0=$(ns)
	$pin "$bin" verify -q -j 1 "$work/tftp"
	t1=$(ns)
	cli_v=$(calc "$NV / (($t1 - $t0) / 1e9)")
	t0=$(ns)
	"$bin" verify -q "$work/tftp"
	t1=$(ns)
	cli_vall=$(calc "$NV / (($t1 - $t0) / 1e9)")
	# The cost per record of the 51- and the 201-record CTL, one core.
	t0=$(ns)
	$pin "$bin" verify -q -j 1 "$work/r51"
	t1=$(ns)
	$pin "$bin" verify -q -j 1 "$work/r201"
	t2=$(ns)
	rec51=$(calc "($t1 - $t0) / 1e3 / ($NREC * 51)" 3)
	rec201=$(calc "($t2 - $t1) / 1e3 / ($NREC * 201)" 3)

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
	# What the kernel charges any program to hand over the files' bytes.
	$pin "$eng" read "$work/tftp" >"$work/rd"

	printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' \
		"$sign_s" "$ver_s" "$sha_bps" \
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
		"$(val ref_sign_files_per_s "$work/ref")" \
		"$cli_vall" "$rec51" "$rec201" "$(val read_us_floor "$work/rd")" >>"$work/rounds"
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
cli_vall=$(best 16 max); rec51=$(best 17 min); rec201=$(best 18 min)
us_floor=$(best 19 min)
speed_v=$(calc "1 / (1 / $ver_s + $bytes / $sha_bps)")
speed_s=$(calc "1 / (1 / $sign_s + $bytes / $sha_bps)")
inproc_v=$(best 14 max); inproc_s=$(best 15 max)
# The ceiling is the higher of the two measurements of the same operations.
ceil_v=$(awk "BEGIN {print ($speed_v > $inproc_v) ? $speed_v : $inproc_v}")
ceil_s=$(awk "BEGIN {print ($speed_s > $inproc_s) ? $speed_s : $inproc_s}")
pct() { calc "100 * $1 / $2"; }
rat_cli_v=$(pct "$cli_v" "$ceil_v"); rat_eng_v=$(pct "$eng_v" "$ceil_v")
rat_vall=$(pct "$cli_vall" "$ceil_v")
# The ceiling with the kernel's share added: a bound for any program that
# reads the files through the kernel (run.sh's own reading costs more).
bound_v=$(calc "1 / (1 / $ceil_v + $us_floor / 1e6)")
rat_bound=$(pct "$bound_v" "$ceil_v")
rat_bound_all=$(pct "$ncpu * $bound_v" "$ceil_v")
of_bound() { calc "100 * $1 / ($2 * $bound_v)" 0; }
rat_cold=$(pct "$eng_cold" "$ceil_v"); rat_mem=$(pct "$eng_mem" "$ceil_v")
rat_b=$(pct "$eng_b" "$ceil_s"); rat_bchk=$(pct "$eng_bchk" "$ceil_s")
rat_rec=$(calc "$rec201 / $rec51" 2)
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

# --- memory: peak RSS of one `ctlsign verify DIR`, 10x the files vs 1x ----
rss() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$work/rss" "$bin" verify -q "$1" && cat "$work/rss"
	else
		echo 0
	fi
}
rss_all=$(rss "$work/tftp")
rss_big=$(rss "$work/tftp-big")
rss_ratio=$(calc "$rss_big / ($rss_all > 0 ? $rss_all : 1)" 2)

# --- process start: `ctlsign verify FILE` vs `openssl version` --------------
# Interleaved, same core. Both load libcrypto; ctlsign also parses three
# certificates and verifies one signature.
st_c=0 st_o=0 i=0
while [ "$i" -lt "$NSTART" ]; do
	t0=$(ns)
	$pin "$bin" verify -q "$first"
	t1=$(ns)
	$pin openssl version >/dev/null
	t2=$(ns)
	st_c=$((st_c + t1 - t0)) st_o=$((st_o + t2 - t1))
	i=$((i + 1))
done
start_c=$((st_c / 1000 / NSTART)) start_o=$((st_o / 1000 / NSTART))
rat_start=$(calc "$start_c / $start_o" 2)
libs_c=$(ldd "$bin" 2>/dev/null | wc -l)
libs_o=$(ldd "$(command -v openssl)" 2>/dev/null | wc -l)
libs_cl=$(ldd "$build/ctlsign-cluster" 2>/dev/null | wc -l)

# --- show: ctlsign (one process, NSHOW files) vs certutils' tlvfile --------
(cd "$work/tftp" && ls | head -n "$NSHOW" | sed "s|^|$work/tftp/|") >"$work/showlist"
show_us=
r=1
while [ "$r" -le "$ROUNDS" ]; do
	t0=$(ns)
	# shellcheck disable=SC2046
	$pin "$bin" show $(cat "$work/showlist") >/dev/null
	t1=$(ns)
	us=$(calc "($t1 - $t0) / 1e3 / $NSHOW" 2)
	show_us=$(awk -v a="$us" -v b="${show_us:-$us}" 'BEGIN {print (a < b) ? a : b}')
	r=$((r + 1))
done
tlv_us= rat_show= tlv_proc_us= rat_show_proc=
tlvfile=${BENCH_CERTUTILS:+$BENCH_CERTUTILS/tlvfile}
# The Python that runs certutils: BENCH_PYTHON, else Debian's own
# (/usr/bin/python3 with the python3-cryptography package, as a Debian 12
# administrator installs certutils' one dependency), else python3 on PATH.
py=${BENCH_PYTHON:-}
if [ -z "$py" ]; then
	py=python3
	/usr/bin/python3 -c 'import cryptography' 2>/dev/null && py=/usr/bin/python3
fi
pyver=
if [ -n "$tlvfile" ] && [ -r "$tlvfile" ] && command -v "$py" >/dev/null &&
	pyver=$("$py" -c 'import cryptography, platform; print("Python", platform.python_version(), "cryptography", cryptography.__version__)' 2>/dev/null); then
	# Its parse function in one Python process, the module loaded once:
	# Python's own start is left out, as ctlsign's is spread over NSHOW files.
	tlv_us=$($pin "$py" - "$tlvfile" "$work/showlist" "$ROUNDS" <<'PY'
import importlib.machinery, importlib.util, os, sys, time
loader = importlib.machinery.SourceFileLoader("tlvfile", sys.argv[1])
spec = importlib.util.spec_from_loader("tlvfile", loader)
mod = importlib.util.module_from_spec(spec)
loader.exec_module(mod)
files = open(sys.argv[2]).read().split()
out, sys.stdout = sys.stdout, open(os.devnull, "w")
best = None
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    for f in files:
        mod.parse_tlv_file(f)
    t = (time.perf_counter() - t0) / len(files) * 1e6
    best = t if best is None or t < best else best
sys.stdout = out
print("%.2f" % best)
PY
	) || tlv_us=
	[ -z "$tlv_us" ] || rat_show=$(calc "$tlv_us / $show_us" 1)
	# As the tool is used on a directory: one process per file (20 files).
	head -n 20 "$work/showlist" >"$work/show20"
	t0=$(ns)
	while read -r f; do
		$pin "$py" "$tlvfile" --parse "$f" >/dev/null
	done <"$work/show20"
	t1=$(ns)
	tlv_proc_us=$(calc "($t1 - $t0) / 1e3 / 20" 0)
	rat_show_proc=$(calc "$tlv_proc_us / $show_us" 0)
fi
if [ -n "$rat_show" ]; then
	show_note="ctlsign $rat_show times faster (target >= 20: $(verdict "$rat_show" 20))"
	show_proc="  certutils tlvfile --parse, a process each $(printf '%9s' "$tlv_proc_us")    ctlsign $rat_show_proc times faster"
else
	show_note="(skipped: BENCH_CERTUTILS=DIR holding certutils' tlvfile; python3-cryptography)"
	show_proc=
fi

cat <<EOF

==== ctlsign trust-list engine benchmark ($(date -u +%Y-%m-%dT%H:%MZ)) ====
machine:   $ncpu CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1); ${pin:-not pinned}
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
  ceiling + file read      verify $bound_v files/s = $rat_bound% of the ceiling per core, $rat_bound_all% on $ncpu
                           (openat + read + close: $us_floor us per file, bench_engine read;
                           no verifier reading the files through the kernel passes it)

verify ($NV files)                              files/s    % of ceiling  target
  ctlsign verify -q -j 1 DIR, one core        $(printf '%9s' "$cli_v")    $(printf '%5s' "$rat_cli_v")%        80%: $(verdict "$rat_cli_v" 80)   ($(of_bound "$cli_v" 1)% of ceiling + file read)
  ctlsign verify -q DIR, $ncpu cores (default -j) $(printf '%9s' "$cli_vall")    $(printf '%5s' "$rat_vall")%        $((75 * ncpu))%: $(verdict "$rat_vall" $((75 * ncpu)))  ($(of_bound "$cli_vall" "$ncpu")% of it on $ncpu cores)
  engine, shared key cache                    $(printf '%9s' "$eng_v")    $(printf '%5s' "$rat_eng_v")%
  engine, shared cache, without file reads    $(printf '%9s' "$eng_mem")    $(printf '%5s' "$rat_mem")%        70%: $(verdict "$rat_mem" 70)
  engine, cold cache (every cert parsed)      $(printf '%9s' "$eng_cold")    $(printf '%5s' "$rat_cold")%        ($NSMALL files)
  engine per file: read $us_r us, parse $us_p us, verify $us_v us (cold cache: verify $us_vcold us)

build+sign ($NB files, one core)                files/s    % of ceiling  target
  engine ctl_build (build + sign)             $(printf '%9s' "$eng_b")    $(printf '%5s' "$rat_b")%        90%: $(verdict "$rat_b" 90)
  engine as ctlsign build (+ self-check)      $(printf '%9s' "$eng_bchk")    $(printf '%5s' "$rat_bchk")%
  ctlsign build, one process per file ($NCLI) $(printf '%9s' "$cli_b")    (process start, key load, fsync)

per record (ctlsign verify -q -j 1, $NREC files of each, one core)
  51 records $rec51 us, 201 records $rec201 us per record: ratio $rat_rec (target <= 1.5: $(atmost "$rat_rec" 1.5))

process start (mean of $NSTART, interleaved, same core)
  ctlsign verify FILE $start_c us, openssl version $start_o us: ratio $rat_start (target <= 1.2: $(atmost "$rat_start" 1.2))
  shared libraries (ldd): ctlsign $libs_c, openssl $libs_o, ctlsign-cluster $libs_cl

show ($NSHOW files, one core)                   us per file
  ctlsign show FILE... (one process)          $(printf '%9s' "$show_us")
  certutils tlvfile --parse (parse_tlv_file)  $(printf '%9s' "${tlv_us:--}")    $show_note
  certutils ran under: ${pyver:-(not run)} ($py)
$show_proc

memory (peak RSS of ctlsign verify -q DIR, default -j)
  $NV files $rss_all KB, $nbig files $rss_big KB, ratio $rss_ratio (target <= 1.10: $(atmost "$rss_ratio" 1.10))
==== end ====
EOF

# --- the other parts: token signing and cluster distribution --------------
for part in $PARTS; do
	s=$root/bench/$part.sh
	if [ -x "$s" ]; then
		echo
		"$s" "$build" || echo "run.sh: bench/$part.sh failed (status $?)" >&2
	fi
done
