#!/bin/sh
# export_atomic.sh - `tokens export` of several certificates (SoftHSM2
# tokens of softhsm-fixtures) is all or nothing: when the second file
# cannot be written, the first is not written either, or is put back as
# it was; no temporary file is left; a symbolic link is refused by name.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../p11/common.sh"

# The order the files are written in: the export's own report.
mkdir "$T/ref"
run notty "$BIN" tokens export --out "$T/ref"
expect "export" 0 0
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "export: not 2 files: $(cat "$T/out")"
first=$(basename "$(sed -n 1p "$T/out")")
second=$(basename "$(sed -n 2p "$T/out")")

# The second target is a directory: refused before anything is written.
mkdir "$T/new" "$T/new/$second"
run notty "$BIN" tokens export --out "$T/new"
expect "second target a directory (new first file)" 3 1 \
	"ctlsign: $T/new/$second: is a directory; refusing to replace it"
[ ! -e "$T/new/$first" ] || fail "second target a directory: $first was written"
no_tmp "$T/new" "second target a directory"

# The same with an old first file: it keeps its bytes, mode and time.
mkdir "$T/old" "$T/old/$second"
echo old >"$T/old/$first"
chmod 640 "$T/old/$first"
touch -d @1000000000 "$T/old/$first"
was=$(stat -c '%a %Y %i' "$T/old/$first")
run notty "$BIN" tokens export --out "$T/old"
expect "second target a directory (old first file)" 3 1 "$second: is a directory"
[ "$(cat "$T/old/$first")" = old ] || fail "second target a directory: $first was replaced"
[ "$(stat -c '%a %Y %i' "$T/old/$first")" = "$was" ] ||
	fail "second target a directory: $first changed: $(stat -c '%a %Y %i' "$T/old/$first")"
no_tmp "$T/old" "second target a directory (old first file)"

# The second target is a symbolic link: refused by name, nothing written.
rmdir "$T/old/$second"
echo victim >"$T/victim"
ln -s "$T/victim" "$T/old/$second"
run notty "$BIN" tokens export --out "$T/old"
expect "second target a symlink" 3 1 \
	"ctlsign: $T/old/$second: is a symbolic link; refusing to replace it"
[ "$(cat "$T/old/$first")" = old ] || fail "second target a symlink: $first was replaced"
[ "$(cat "$T/victim")" = victim ] || fail "second target a symlink: wrote through it"
[ -L "$T/old/$second" ] || fail "second target a symlink: the link is gone"
no_tmp "$T/old" "second target a symlink"
rm "$T/old/$second"

# A rename that fails part way: every temporary file is written (the test
# build ctlsign-testhooks holds the export there), then the second target becomes a
# non-empty directory; the first file, already renamed into place, must
# be put back as it was.
echo old2 >"$T/old/$second"
rm -f "$T/pause"
CTLSIGN_TEST_PAUSE=write:$second CTLSIGN_TEST_PAUSE_FILE=$T/pause \
	notty "$(dirname "$BIN")/ctlsign-testhooks" tokens export --out "$T/old" \
	>"$T/out" 2>"$T/err" &
pid=$!
k=0
while [ ! -e "$T/pause" ] && kill -0 "$pid" 2>/dev/null && [ $k -lt 300 ]; do
	sleep 0.1
	k=$((k + 1))
done
if [ -e "$T/pause" ]; then
	[ "$(find "$T/old" -name '*.tmp.*' | wc -l)" -ge 2 ] ||
		fail "paused export: not every temporary file is there: $(ls -a "$T/old")"
	rm "$T/old/$second"
	mkdir "$T/old/$second"
	touch "$T/old/$second/x"
	rm "$T/pause"
else
	fail "paused export: never reached the pause: $(cat "$T/err")"
fi
set +e
wait "$pid"
rc=$?
set -e
expect "rename of the second file fails" 3 1 "$T/old/$second: cannot replace"
[ "$(cat "$T/old/$first")" = old ] || fail "rename fails part way: $first was not put back"
[ "$(stat -c '%a %Y %i' "$T/old/$first")" = "$was" ] ||
	fail "rename fails part way: $first is not the old file: $(stat -c '%a %Y %i' "$T/old/$first")"
[ -f "$T/old/$second/x" ] || fail "rename fails part way: the directory changed"
no_tmp "$T/old" "rename fails part way"
[ "$(ls "$T/old" | sort)" = "$(printf '%s\n' "$first" "$second" | sort)" ] ||
	fail "rename fails part way: stray files: $(ls -a "$T/old")"

# And when nothing is in the way, both are replaced; the mode is kept.
rm -r "${T:?}/old/$second"
run notty "$BIN" tokens export -q --out "$T/old"
expect "export over old files" 0 0
cmp -s "$T/old/$first" "$T/ref/$first" || fail "export over old files: $first not replaced"
cmp -s "$T/old/$second" "$T/ref/$second" || fail "export over old files: $second not written"
[ "$(stat -c %a "$T/old/$first")" = 640 ] || fail "export over old files: $first lost mode 640"
[ "$(stat -c %a "$T/old/$second")" = 644 ] || fail "export over old files: new $second is not 0644"
no_tmp "$T/old" "export over old files"

finish
