#!/bin/sh
# numbers.sh - every number an option takes is read one way
# (cmd_parse_uint, cmd_parse_version): digits only, in range, nothing
# after. A value that would wrap (4294967297 is 1 in an int), a sign, a
# blank or a third version part is a usage error (exit 2), before any file
# or node is touched.
. "$(dirname "$0")/lib.sh"
cp "$DATA/pub.key" "$T/pub.key"
chmod 600 "$T/pub.key"
echo '<device/>' >"$T/c.xml"

bad() { # bad WHAT TEXT CMD...: exit 2 naming TEXT, nothing written
	what=$1 text=$2
	shift 2
	run "$@"
	expect "$what" 2 2 "$text"
}
for v in 4294967297 ' 5' +5 -1 0 65 5x ''; do
	bad "cluster --jobs '$v'" "--jobs must be 1..64" "$BIN" cluster status -c "$T/none.conf" -j "$v"
done
for v in 4294967297 -1 0 86401 1e3; do
	bad "--wait-manual '$v'" "--wait-manual must be 1..86400" \
		"$BIN" cluster distribute -c "$T/none.conf" "$T/x.tlv" --wait-manual "$v"
done
for v in 4294967297 +2 0 257; do
	bad "verify -j '$v'" "-j wants a number" "$BIN" verify -j "$v" "$T"
done
for v in 1.2.3 1 256.0 1.256 -1.0 ' 1.2' 1.2x .2 1.; do
	bad "--header-version '$v'" "--header-version" "$BIN" sgn sign "$T/c.xml" \
		--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" --header-version "$v" -o "$T/c.sgn"
	[ -e "$T/c.sgn" ] && fail "--header-version '$v': wrote $T/c.sgn"
	bad "--signer-version '$v'" "--signer-version" "$BIN" build -o "$T/CTL.tlv" \
		--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem" \
		--signer-version "$v"
	[ -e "$T/CTL.tlv" ] && fail "--signer-version '$v': wrote $T/CTL.tlv"
done
# The good forms still work.
run "$BIN" sgn sign "$T/c.xml" --sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" \
	--header-version 255.0 -o "$T/c.sgn"
expect "--header-version 255.0" 0 0
run "$BIN" build -q -o "$T/CTL.tlv" --sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" \
	--ccm-tftp "$DATA/pub.pem" --signer-version 1.0
expect "--signer-version 1.0" 0 0
# --remove N of a two-record file: a record number, nothing else.
for v in 3 0 +1 ' 1' 1x 18446744073709551617; do
	run "$BIN" build -o "$T/CTL2.tlv" --from "$T/CTL.tlv" \
		--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" --remove "$v"
	expect "--remove '$v'" 2 1 "the old file has records 1 to 2"
	[ -e "$T/CTL2.tlv" ] && fail "--remove '$v': wrote $T/CTL2.tlv"
done
finish
