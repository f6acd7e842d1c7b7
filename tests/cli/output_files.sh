#!/bin/sh
# output_files.sh - what every output file guarantees (build -o, sgn sign):
# a signal during the write leaves no NAME.tmp.XXXXXX and the old file;
# a replaced file keeps its mode and (as root) its owner and group; a new
# file is 0644; a symbolic link, a directory or a FIFO as the target is
# refused by name and left as it was.
. "$(dirname "$0")/lib.sh"

mkdir "$T/site"
out=$T/site/CTLFile.tlv
mkctl "$out"
before=$(sum "$out")
sign="--sign-key $T/sign.key --sign-cert $DATA/pub.pem"

# build OUT: a build of a different file than mkctl's (so a replaced
# file can be told from the old one).
build() {
	run "$BIN" build -q -o "$1" --timestamp 1500000000 $sign \
		--ccm-tftp "$DATA/pub.pem"
}

# A signal while the temporary file is written and not yet renamed (the
# test build ctlsign-testhooks holds the write there when told
# CTLSIGN_TEST_PAUSE=write:NAME, see docs/ctlsign.1): the process dies of
# that signal, the temporary file is gone, the old file is untouched.
# env --default-signal: a background job of a script starts with SIGINT
# ignored, and an ignored signal stays so.
HBIN=$(dirname "$BIN")/ctlsign-testhooks
[ -x "$HBIN" ] || fail "no test build $HBIN"
for sig in TERM INT HUP USR1 ALRM; do
	rm -f "$T/pause"
	CTLSIGN_TEST_PAUSE=write:CTLFile.tlv CTLSIGN_TEST_PAUSE_FILE=$T/pause \
		env --default-signal=INT "$HBIN" build -q -o "$out" \
		--timestamp 1500000000 $sign --ccm-tftp "$DATA/pub.pem" \
		>"$T/out" 2>"$T/err" &
	pid=$!
	k=0
	while [ ! -e "$T/pause" ] && kill -0 "$pid" 2>/dev/null &&
		[ $k -lt 300 ]; do
		sleep 0.1
		k=$((k + 1))
	done
	if [ ! -e "$T/pause" ]; then
		fail "SIG$sig: the write never reached the pause"
		wait "$pid" || true
		continue
	fi
	[ -n "$(find "$T/site" -name 'CTLFile.tlv.tmp.*')" ] ||
		fail "SIG$sig: no temporary file while paused (the test proves nothing)"
	# The private key (unencrypted: no passphrase asked) is held: no core.
	grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" ||
		fail "SIG$sig: a key is held and a core dump is possible: $(grep core "/proc/$pid/limits")"
	kill -s "$sig" "$pid" || fail "SIG$sig: the build was already gone"
	set +e
	wait "$pid"
	rc=$?
	set -e
	case $sig in TERM) num=15 ;; INT) num=2 ;; HUP) num=1 ;; USR1) num=10 ;; ALRM) num=14 ;; esac
	want=$((128 + num))
	[ "$rc" -eq "$want" ] || fail "SIG$sig: exit $rc, expected $want (killed by the signal): $(cat "$T/err")"
	no_tmp "$T/site" "SIG$sig during the write"
	[ "$(sum "$out")" = "$before" ] || fail "SIG$sig: the previous file changed"
	[ "$(ls "$T/site")" = CTLFile.tlv ] || fail "SIG$sig: stray files: $(ls "$T/site")"
done
rm -f "$T/pause"

# A directory everyone may write, without the sticky bit: another user
# could swap the temporary file before the rename. Refused; sticky is fine.
mkdir "$T/ww"
chmod 777 "$T/ww"
run "$BIN" build -q -o "$T/ww/CTLFile.tlv" --timestamp 1500000000 $sign --ccm-tftp "$DATA/pub.pem"
expect "a world-writable directory" 3 1 "$T/ww/CTLFile.tlv: its directory $T/ww is writable by everyone without the sticky bit (mode 0777)"
[ -z "$(ls "$T/ww")" ] || fail "a world-writable directory: files written: $(ls "$T/ww")"
chmod 1777 "$T/ww"
run "$BIN" build -q -o "$T/ww/CTLFile.tlv" --timestamp 1500000000 $sign --ccm-tftp "$DATA/pub.pem"
expect "a sticky world-writable directory" 0

# A file-size limit (SIGXFSZ) is a failed write, not a death that leaves
# the temporary file: exit 3 naming the file, the old file untouched.
set +e
(ulimit -f 1; exec "$BIN" build -q -o "$out" --timestamp 1500000000 $sign \
	--ccm-tftp "$DATA/pub.pem" >"$T/out" 2>"$T/err")
rc=$?
set -e
expect "a file-size limit" 3 1 "$out"
no_tmp "$T/site" "a file-size limit"
[ "$(sum "$out")" = "$before" ] || fail "a file-size limit: the previous file changed"

# A new file gets mode 0644, whatever the umask.
old_umask=$(umask)
umask 077
build "$T/site/new.tlv"
umask "$old_umask"
expect "new file" 0 0
[ "$(stat -c %a "$T/site/new.tlv")" = 644 ] ||
	fail "new file: mode $(stat -c %a "$T/site/new.tlv"), expected 644"

# A replaced file keeps its mode, and as root its owner and group.
chmod 640 "$out"
if [ "$(id -u)" -eq 0 ]; then
	owner=nobody:$(id -gn nobody)
	chown "$owner" "$out"
else
	owner=$(stat -c %U:%G "$out")
	echo "note: not root: only the mode of a replaced file is checked, not a foreign owner"
fi
build "$out"
expect "replace a 0640 file" 0 0
[ "$(sum "$out")" != "$before" ] || fail "replace a 0640 file: not replaced"
[ "$(stat -c %a "$out")" = 640 ] ||
	fail "replace a 0640 file: mode $(stat -c %a "$out"), expected 640"
[ "$(stat -c %U:%G "$out")" = "$owner" ] ||
	fail "replace a file of $owner: now $(stat -c %U:%G "$out")"
no_tmp "$T/site" "replace a 0640 file"
before=$(sum "$out")

# refused WHAT TARGET TEXT CMD...: CMD exits 3 with one line naming
# TARGET and TEXT, and writes nothing in its directory.
refused() {
	what=$1 target=$2 text=$3
	shift 3
	listing=$(ls -la "$(dirname "$target")")
	run "$@"
	expect "$what" 3 1 "ctlsign: $target: $text"
	no_tmp "$(dirname "$target")" "$what"
	[ "$(ls -la "$(dirname "$target")")" = "$listing" ] ||
		fail "$what: the directory changed: $(ls -la "$(dirname "$target")")"
}

# A symbolic link as the target: refused; the link and its file stay.
echo victim >"$T/victim"
ln -s "$T/victim" "$T/site/link.tlv"
refused "build -o a symlink" "$T/site/link.tlv" \
	"is a symbolic link; refusing to replace it" \
	"$BIN" build -q -o "$T/site/link.tlv" $sign --ccm-tftp "$DATA/pub.pem"
[ -L "$T/site/link.tlv" ] || fail "build -o a symlink: the link is gone"
[ "$(readlink "$T/site/link.tlv")" = "$T/victim" ] || fail "build -o a symlink: the link changed"
[ "$(cat "$T/victim")" = victim ] || fail "build -o a symlink: wrote through it"
# A dangling link is refused too (it would otherwise be created).
ln -s "$T/nowhere" "$T/site/dangling.tlv"
refused "build -o a dangling symlink" "$T/site/dangling.tlv" \
	"is a symbolic link; refusing to replace it" \
	"$BIN" build -q -o "$T/site/dangling.tlv" $sign --ccm-tftp "$DATA/pub.pem"
[ ! -e "$T/nowhere" ] || fail "build -o a dangling symlink: created its target"

# Other things that are not regular files.
mkdir "$T/site/dir.tlv"
refused "build -o a directory" "$T/site/dir.tlv" \
	"is a directory; refusing to replace it" \
	"$BIN" build -q -o "$T/site/dir.tlv" $sign --ccm-tftp "$DATA/pub.pem"
mkfifo "$T/site/fifo.tlv"
refused "build -o a FIFO" "$T/site/fifo.tlv" \
	"is not a regular file (a FIFO); refusing to replace it" \
	"$BIN" build -q -o "$T/site/fifo.tlv" $sign --ccm-tftp "$DATA/pub.pem"
if [ "$(id -u)" -eq 0 ]; then
	mknod "$T/site/null.tlv" c 1 3
	refused "build -o a device" "$T/site/null.tlv" \
		"is not a regular file (a character device); refusing to replace it" \
		"$BIN" build -q -o "$T/site/null.tlv" $sign --ccm-tftp "$DATA/pub.pem"
else
	echo "note: not root: the device node case is skipped"
fi
[ "$(sum "$out")" = "$before" ] || fail "refusals: CTLFile.tlv changed"

# sgn sign goes through the same writer.
printf 'SEP0011223344.cnf.xml\n' >"$T/cfg.xml"
ln -s "$T/victim" "$T/site/cfg.xml.sgn"
refused "sgn sign -o a symlink" "$T/site/cfg.xml.sgn" \
	"is a symbolic link; refusing to replace it" \
	"$BIN" sgn sign "$T/cfg.xml" $sign -o "$T/site/cfg.xml.sgn"
[ "$(cat "$T/victim")" = victim ] || fail "sgn sign -o a symlink: wrote through it"
rm "$T/site/cfg.xml.sgn"
run "$BIN" sgn sign "$T/cfg.xml" $sign -o "$T/site/cfg.xml.sgn"
expect "sgn sign" 0 0
chmod 600 "$T/site/cfg.xml.sgn"
run "$BIN" sgn sign "$T/cfg.xml" $sign -o "$T/site/cfg.xml.sgn"
expect "sgn sign over a 0600 file" 0 0
[ "$(stat -c %a "$T/site/cfg.xml.sgn")" = 600 ] ||
	fail "sgn sign over a 0600 file: mode $(stat -c %a "$T/site/cfg.xml.sgn")"

finish
