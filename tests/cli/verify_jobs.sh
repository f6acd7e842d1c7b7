#!/bin/sh
# verify_jobs.sh - `ctlsign verify -j N` (issue 11): the same lines on
# stdout and stderr, in the same order, and the same exit status whatever
# the number of threads, across batches (more than 1,024 files) and with
# every kind of failure mixed in; -j takes 1..256 and nothing else.
. "$(dirname "$0")/lib.sh"

good=$T/good.tlv
mkctl "$good"
cp "$good" "$T/sig.tlv"
flip "$T/sig.tlv" 250 1 # inside SIGNATURE
head -c 3000 "$good" >"$T/cut.tlv"

# A TFTP root of 1,100 files (hard links: cheap), failures among them.
d=$T/tftp
mkdir "$d" "$d/sub.tlv"
i=0
while [ $i -lt 1100 ]; do
	ln "$good" "$d/CTLSEP$(printf '%06d' $i).tlv"
	i=$((i + 1))
done
cp "$T/sig.tlv" "$d/CTLSEP000500.tlv.bad.tlv"
cp "$T/cut.tlv" "$d/CTLSEP001050x.tlv"
ln -s "$T/nowhere" "$d/CTLSEP000007-dangling.tlv"
mkdir "$T/empty"

# same WHAT ARGS...: -j 1, -j 2 and -j 4 print the same and exit the same.
same() {
	what=$1
	shift
	run "$BIN" verify -j 1 "$@"
	rc1=$rc
	cp "$T/out" "$T/out1"
	cp "$T/err" "$T/err1"
	for j in 2 4; do
		run "$BIN" verify -j $j "$@"
		[ "$rc" -eq "$rc1" ] || fail "$what: -j $j exit $rc, -j 1 exit $rc1"
		cmp -s "$T/out" "$T/out1" ||
			fail "$what: -j $j stdout differs: $(diff "$T/out1" "$T/out" | head -n 5)"
		cmp -s "$T/err" "$T/err1" ||
			fail "$what: -j $j stderr differs: $(diff "$T/err1" "$T/err" | head -n 5)"
	done
}

same "a directory of 1,100 files with failures" "$d"
[ "$rc1" -eq 3 ] || fail "directory: exit $rc1, expected 3 (a dangling link)"
grep -qF "1100 valid, 1 invalid, 1 malformed, 1 unreadable, 1 skipped" "$T/out1" ||
	fail "directory summary: $(tail -n 1 "$T/out1")"
# Input order: the directory's names sorted, as one thread lists them.
grep ': OK' "$T/out1" | sed 's/: OK.*//' >"$T/order"
sort "$T/order" | cmp -s - "$T/order" || fail "directory: lines not in name order"
[ "$(head -n 1 "$T/order")" = "$d/CTLSEP000000.tlv" ] ||
	fail "directory: first line $(head -n 1 "$T/order")"
same "files and directories mixed" "$T/cut.tlv" "$good" "$d" "$T/sig.tlv" "$T/empty" "$good"
[ "$rc1" -eq 3 ] || fail "mixed: exit $rc1, expected 3"
head -n 1 "$T/err1" | grep -qF "$T/cut.tlv: record 3" ||
	fail "mixed: the first failure is not the first argument's: $(head -n 1 "$T/err1")"
grep -qF "$T/empty: no trust list (*.tlv) to verify" "$T/err1" ||
	fail "mixed: the empty directory is not reported: $(cat "$T/err1")"
same "quiet" -q "$good" "$T/sig.tlv" "$good"
[ "$rc1" -eq 1 ] || fail "quiet: exit $rc1, expected 1"
[ ! -s "$T/out1" ] || fail "quiet printed: $(cat "$T/out1")"
same "one file" "$good"
[ "$rc1" -eq 0 ] || fail "one file: exit $rc1"

# Many small directories: each is held open until its entries are
# verified, so their entries share batches; under a low descriptor limit
# fewer are held at once, and every file is still read.
mkdir "$T/many"
i=0
while [ "$i" -lt 150 ]; do
	mkdir "$T/many/d$i"
	cp "$good" "$T/many/d$i/a.tlv"
	i=$((i + 1))
done
same "150 directories" -q "$T"/many/d*
[ "$rc1" -eq 0 ] || fail "150 directories: exit $rc1: $(head -n 3 "$T/err1")"
for lim in 64 16 10; do
	(ulimit -n "$lim" && exec "$BIN" verify -j 4 "$T"/many/d*) >"$T/out" 2>"$T/err" ||
		fail "150 directories, ulimit -n $lim: exit $?: $(head -n 3 "$T/err")"
	tail -n 1 "$T/out" | grep -qx "150 valid, 0 invalid, 0 malformed, 0 unreadable, 0 skipped" ||
		fail "150 directories, ulimit -n $lim: $(tail -n 1 "$T/out")"
done

# The default (every CPU this process may use) prints the same.
run "$BIN" verify -j 1 "$d"
cp "$T/out" "$T/outd1"
run "$BIN" verify "$d"
cmp -s "$T/out" "$T/outd1" || fail "default -j differs from -j 1"

for bad in 0 257 x 2x -1 ''; do
	run "$BIN" verify -j "$bad" "$good"
	expect "-j '$bad'" 2 2 "-j wants a number of threads, 1..256"
done
run "$BIN" verify --jobs=3 "$good"
expect "--jobs=3" 0 0

finish
