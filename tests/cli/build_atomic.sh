#!/bin/sh
# build_atomic.sh - `ctlsign build` loses nothing: every failure leaves
# the previous output file as it was, creates no output where there was
# none, and leaves no temporary file; errors are one line with the exit
# status of their class. A key file readable by others draws a warning.
. "$(dirname "$0")/lib.sh"

out=$T/site/CTLFile.tlv
mkdir "$T/site"
mkctl "$out"
before=$(sum "$out")
# git does not keep file modes: private copies of the keys, mode 600, so
# that no case below draws the readable-key warning by accident.
for k in pub odd3072 ec; do
	cp "$DATA/$k.key" "$T/$k.key"
	chmod 600 "$T/$k.key"
done

# fails WHAT RC TEXT ARGS...: a build into $out (which exists) and into
# a fresh name both fail as told and leave the directory as it was.
fails_cleanly() {
	what=$1 want=$2 text=$3
	shift 3
	run "$BIN" build -o "$out" --timestamp 1500000000 "$@"
	expect "$what" "$want" 1 "$text"
	[ "$(sum "$out")" = "$before" ] || fail "$what: the previous file changed"
	run "$BIN" build -o "$T/site/new.tlv" --timestamp 1500000000 "$@"
	expect "$what (no previous file)" "$want" 1 "$text"
	[ ! -e "$T/site/new.tlv" ] || fail "$what: an output file was created"
	no_tmp "$T/site" "$what"
	[ "$(ls "$T/site")" = "CTLFile.tlv" ] || fail "$what: stray files: $(ls "$T/site")"
}

sign="--sign-key $T/pub.key --sign-cert $DATA/pub.pem"
fails_cleanly "missing certificate file" 3 "nonexistent.pem: cannot open" \
	$sign --ccm-tftp "$DATA/nonexistent.pem"
fails_cleanly "bad ip=" 2 "ip=10.48.47 is not an IPv4 address" \
	$sign --ccm-tftp "$DATA/pub.pem,ip=10.48.47"
fails_cleanly "bad dns=" 2 "is not a host name" \
	$sign --ccm-tftp "$DATA/pub.pem,dns=a b"
fails_cleanly "3072-bit key" 2 "a 3072-bit key cannot be written" \
	--sign-key "$T/odd3072.key" --sign-cert "$DATA/odd3072.pem" --ccm-tftp "$DATA/pub.pem"
fails_cleanly "EC key" 2 "not an RSA key" \
	--sign-key "$T/ec.key" --sign-cert "$DATA/ec.pem" --ccm-tftp "$DATA/pub.pem"
fails_cleanly "key not matching the certificate" 2 "key does not match certificate" \
	--sign-key "$T/pub.key" --sign-cert "$DATA/sub1.pem" --ccm-tftp "$DATA/pub.pem"
fails_cleanly "missing signer certificate" 3 "cannot open" \
	--sign-key "$T/pub.key" --sign-cert "$T/none.pem" --ccm-tftp "$DATA/pub.pem"
fails_cleanly "certificate that is not one" 2 "not a PEM or DER certificate" \
	$sign --ccm-tftp "$DATA/pub.key"
cp "$out" "$T/old.tlv"
head -c 3000 "$T/old.tlv" >"$T/old-cut.tlv"
fails_cleanly "--from a malformed file" 2 "record 3 at offset 2648" \
	$sign --from "$T/old-cut.tlv" --ccm-tftp "$DATA/pub.pem"
fails_cleanly "--remove a record that is not there" 2 "the old file has records 1 to 4" \
	$sign --from "$T/old.tlv" --remove 9

# The target's directory does not exist: nothing is created anywhere.
run "$BIN" build -o "$T/nodir/CTLFile.tlv" $sign --ccm-tftp "$DATA/pub.pem"
expect "missing target directory" 3 1 "cannot create temporary file"
[ ! -e "$T/nodir" ] || fail "missing target directory: it was created"

# The target is a directory: refused by name before anything is written
# (tests/cli/output_files.sh has the other kinds of target).
mkdir "$T/site/CTLSEP.tlv"
run "$BIN" build -o "$T/site/CTLSEP.tlv" $sign --ccm-tftp "$DATA/pub.pem"
expect "target is a directory" 3 1 "CTLSEP.tlv: is a directory; refusing to replace it"
no_tmp "$T/site" "target is a directory"
rmdir "$T/site/CTLSEP.tlv"

# A directory we may not write to (root writes anywhere: skip then).
if [ "$(id -u)" -ne 0 ]; then
	chmod 555 "$T/site"
	run "$BIN" build -o "$out" $sign --ccm-tftp "$DATA/pub.pem"
	chmod 755 "$T/site"
	expect "unwritable directory" 3 1 "cannot create temporary file"
	[ "$(sum "$out")" = "$before" ] || fail "unwritable directory: the previous file changed"
	no_tmp "$T/site" "unwritable directory"
else
	echo "note: running as root, the read-only directory case is skipped"
fi

# Success replaces the file; a mode 600 key draws no warning.
run "$BIN" build -o "$out" --timestamp 1500000000 $sign --ccm-tftp "$DATA/pub.pem"
expect "build" 0 0
[ "$(sum "$out")" != "$before" ] || fail "build: the file was not replaced"
no_tmp "$T/site" "build"
run "$BIN" verify "$out"
expect "verify the new file" 0 0

# A key file readable by group or others: a warning, and the build goes on.
for mode in 644 640 604; do
	chmod "$mode" "$T/pub.key"
	run "$BIN" build -o "$T/site/warn.tlv" $sign --ccm-tftp "$DATA/pub.pem"
	expect "key file mode $mode" 0 1 \
		"ctlsign: warning: $T/pub.key: private key file is readable by group or others"
	[ -s "$T/site/warn.tlv" ] || fail "key file mode $mode: no output"
done
chmod 600 "$T/pub.key"

finish
