#!/bin/sh
# verify_hostile.sh - `ctlsign verify` on hostile files: each ends with
# exit 2 (malformed) or 1 (signature or signer), and exactly one line on
# stderr that names the file, the element and its byte offset.
# The seed CTL's layout: header 336 bytes (SIGNERID at 10, SERIALNUMBER
# at 78, SIGNATURE value 183-310), records at 336, 1492, 2648, 3786;
# record 2's SUBJECTNAME at 1516; record 3's CERTIFICATE at 3088.
. "$(dirname "$0")/lib.sh"

good=$T/CTLFile.tlv
mkctl "$good"
[ "$(wc -c <"$good")" -eq 4947 ] || fail "the seed CTL is not 4947 bytes"
run "$BIN" verify "$good"
expect "valid file" 0 0
grep -qF "OK, signed by record 1" "$T/out" || fail "valid file: $(cat "$T/out")"

# case NAME: a fresh copy of the good file to break.
case_file() {
	f=$T/$1.tlv
	cp "$good" "$f"
}

case_file truncated
head -c 1000 "$good" >"$f"
run "$BIN" verify "$f"
expect "truncated in record 1" 2 1 "$f: record 1 at offset 336: RECORDLENGTH 1156 overruns the file"

case_file cut_header
head -c 200 "$good" >"$f"
run "$BIN" verify "$f"
expect "truncated in the header" 2 1 "$f: header at offset 5: HEADERLENGTH 336 is outside the file (200 bytes)"

case_file empty
: >"$f"
run "$BIN" verify "$f"
expect "empty file" 2 1 "$f: header at offset 0: no VERSION element"

case_file cut_at_record
head -c 1492 "$good" >"$f"
run "$BIN" verify "$f"
expect "cut at a record boundary" 1 1 "$f: signature does not verify"

case_file overrun
poke "$f" 1517 '\377\377'
run "$BIN" verify "$f"
expect "SUBJECTNAME overruns its record" 2 1 \
	"$f: record 2 at offset 1492: SUBJECTNAME at offset 1516: length 65535 overruns its record"

case_file zero_record
poke "$f" 1495 '\000\000'
run "$BIN" verify "$f"
expect "record of length 0" 2 1 \
	"$f: record 2 at offset 1492: RECORDLENGTH 0 is shorter than the RECORDLENGTH element itself"

case_file group_lies
poke "$f" 11 '\000\224' # SIGNERID 148 instead of 149
run "$BIN" verify "$f"
expect "SIGNERID one short" 2 1 "$f: header: CANAME at offset 97: length 62 overruns its group SIGNERID"

case_file group_lies_long
poke "$f" 163 '\000\020' # SIGNATUREINFO 16 instead of 15
run "$BIN" verify "$f"
expect "SIGNATUREINFO one long" 2 1 "$f: header: SIGNATURE at offset 180 is cut off before its length"

case_file headerlength
poke "$f" 8 '\377\377'
run "$BIN" verify "$f"
expect "HEADERLENGTH 0xffff" 2 1 "$f: header at offset 5: HEADERLENGTH 65535 is outside the file"

case_file huge
truncate -s 100M "$f"
run "$BIN" verify "$f"
expect "100 MB file" 2 1 "$f: file of 104857600 bytes is larger than the 16777216-byte limit"

case_file badcert
flip "$f" 3091 255 # the DER SEQUENCE tag of record 3's certificate
run "$BIN" verify "$f"
expect "certificate that does not parse" 2 1 \
	"$f: record 3 at offset 2648: CERTIFICATE at offset 3088 does not parse"

case_file absent_signer
flip "$f" 81 128 # a byte of the header's SERIALNUMBER
run "$BIN" verify "$f"
expect "signer absent from the records" 1 1 \
	"$f: header: the signer named by SIGNERID (CANAME and SERIALNUMBER) is not a SAST record of this file"

case_file demoted_signer
flip "$f" 429 1 # record 1's FUNCTION (at 425): SAST (0) becomes CCM (1)
run "$BIN" verify "$f"
expect "signer's record not a SAST" 1 1 "is not a SAST record of this file"

case_file flipped
flip "$f" 4000 1 # inside record 4's PUBLICKEY (at 3967)
run "$BIN" verify "$f"
expect "flipped bit in a record" 1 1 "$f: record 4 at offset 3786: PUBLICKEY does not match its CERTIFICATE"

case_file flipped_name
flip "$f" 3800 1 # inside record 4's DNSNAME (at 3791)
run "$BIN" verify "$f"
expect "flipped bit in a DNS name" 1 1 "$f: signature does not verify with the signer's key"

case_file flipped_sig
flip "$f" 200 16 # inside the SIGNATURE value
run "$BIN" verify "$f"
expect "flipped bit in the signature" 1 1 "$f: signature does not verify with the signer's key"

case_file missing
rm -f "$f"
run "$BIN" verify "$f"
expect "missing file" 3 1 "$f: cannot open"

# show reads through the same parser.
run "$BIN" show "$T/overrun.tlv"
expect "show on an overrun" 2 1 "SUBJECTNAME at offset 1516"

# Names from a hostile file reach a terminal: escape sequences, C1
# controls, bidi overrides and bytes that are not UTF-8 are shown as
# \xNN by show, \uNNNN in its JSON (U+FFFD for a byte that is not
# UTF-8; the JSON stays valid), never raw. More in text_hostile.sh.
cp "$DATA/golden/CTLFile.tlv" "$T/esc.tlv"
off=$(grep -abo 'cucm-1051-a-sub1' "$T/esc.tlv" | head -n 1 | cut -d: -f1)
poke "$T/esc.tlv" "$off" '\033[2J\302\233\342\200\256\377'
run "$BIN" show "$T/esc.tlv"
expect "show a name with control characters" 0 0
grep -q "$(printf '\033')" "$T/out" && fail "show: a raw ESC reached the output"
grep -q "$(printf '\302\233')" "$T/out" && fail "show: a raw C1 control reached the output"
grep -q "$(printf '\342\200\256')" "$T/out" && fail "show: a raw bidi override reached the output"
grep -qF '\x1b[2J\xc2\x9b\xe2\x80\xae\xffa-sub1' "$T/out" ||
	fail "show: the name is not shown escaped: $(grep -a DNSNAME "$T/out" | tail -n 1)"
run "$BIN" show --json "$T/esc.tlv"
expect "show --json a name with control characters" 0 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=d["files"][0]["records"][3]["dns"]; sys.exit(0 if n.startswith("\x1b[2J") else 1)' "$T/out" ||
	fail "show --json: not valid JSON, or the name changed: $(head -c 300 "$T/out")"

# A .sgn file: tampered payload, truncated header.
printf '<device><fullConfig>true</fullConfig></device>\n' >"$T/SEP001122334455.cnf.xml"
run "$BIN" sgn sign "$T/SEP001122334455.cnf.xml" --sign-key "$T/sign.key" \
	--sign-cert "$DATA/pub.pem" --timestamp "$TS"
expect "sgn sign" 0
sgn=$T/SEP001122334455.cnf.xml.sgn
run "$BIN" sgn verify "$sgn" --cert "$DATA/pub.pem"
expect "sgn verify" 0 0
cp "$sgn" "$T/bad.sgn"
printf 'X' >>"$T/bad.sgn"
run "$BIN" sgn verify "$T/bad.sgn" --cert "$DATA/pub.pem"
expect "sgn with a byte appended" 1 1 "signature does not verify"
head -c 100 "$sgn" >"$T/cut.sgn"
run "$BIN" sgn verify "$T/cut.sgn" --cert "$DATA/pub.pem"
expect "sgn cut in its header" 2 1 "HEADERLENGTH" "is outside the file"
run "$BIN" sgn verify "$sgn" --cert "$DATA/sub1.pem"
expect "sgn checked against another certificate" 1 1 "SERIALNUMBER names another signer"

# Not a regular file: a FIFO with no writer must not hang the open (it
# would wait forever), a directory given where a key belongs neither.
mkfifo "$T/fifo.tlv"
run timeout 10 "$BIN" verify "$T/fifo.tlv"
expect "a FIFO" 3 1 "fifo.tlv: not a regular file"
run timeout 10 "$BIN" show "$T/fifo.tlv"
expect "show a FIFO" 3 1 "not a regular file"
run timeout 10 "$BIN" build -o "$T/x.tlv" --sign-key "$T/fifo.tlv" \
	--sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem"
expect "a FIFO as the key" 3 1 "not a regular file"
[ ! -e "$T/x.tlv" ] || fail "a FIFO as the key: output written"

finish
