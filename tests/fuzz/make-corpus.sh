#!/bin/sh
# make-corpus.sh CTLSIGN TESTS_DATA OUTDIR [FORGE] - the fuzzers' seed
# corpus: valid CTL, ITL and .sgn files built with the ctlsign binary from
# the test PKI, and broken variants of them (truncated, lengths that lie,
# records of length 0, flipped bytes, unknown tags); with FORGE
# (ctlsign_forge), the attacker's files of tests/cli/forgery.sh too.
set -eu
[ $# -eq 3 ] || [ $# -eq 4 ] ||
	{ echo "usage: $0 CTLSIGN TESTS_DATA OUTDIR [FORGE]" >&2; exit 2; }
bin=$1 data=$2 out=$3 forge=${4:-}
rm -rf "$out"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for k in pub itlrecovery big4096; do
	cp "$data/$k.key" "$tmp/$k.key"
	chmod 600 "$tmp/$k.key"
done
export SOURCE_DATE_EPOCH=1425667513
if [ -n "$forge" ]; then
	mkdir "$tmp/forge"
	"$forge" "$data" "$tmp/forge"
	for f in "$tmp"/forge/*.tlv; do
		cp "$f" "$out/forge-$(basename "$f" .tlv)"
	done
fi

# poke FILE OFFSET OCTAL: overwrite bytes in place.
poke() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# variant NAME FROM: a copy of FROM to break.
variant() {
	cp "$out/$2" "$out/$1"
	f=$out/$1
}

pubsign="--sign-key $tmp/pub.key --sign-cert $data/pub.pem"
"$bin" build -q -o "$out/ctl" $pubsign \
	--ccm-tftp "$data/pub.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
	--capf "$data/capf.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
	--ccm-tftp "$data/sub1.pem,dns=cucm-1051-a-sub1,ip=10.48.47.156"
"$bin" build -q --itl -o "$out/itl" $pubsign \
	--ccm-tftp "$data/pub.pem" --tvs "$data/tvs.pem" --capf "$data/capf.pem"
"$bin" build -q -o "$out/ctl-itlrecovery-sha256" --digest sha256 \
	--sign-key "$tmp/itlrecovery.key" --sign-cert "$data/itlrecovery.pem" \
	--ccm-tftp "$data/pub.pem,dns=cucm-1051-a-pub" --sast "$data/sub1.pem"
"$bin" build -q -o "$out/ctl-4096-sha512-v28" --digest sha512 --signer-version 1.0 \
	--sign-key "$tmp/big4096.key" --sign-cert "$data/big4096.pem" \
	--tftp "$data/capf.pem" --app-server "$data/tvs.pem"
"$bin" build -q -o "$out/ctl-from" $pubsign --from "$out/ctl" --remove 3 \
	--ccm "$data/tvs.pem"
"$bin" build -q -o "$out/ctl-empty" $pubsign
printf '<device><fullConfig>true</fullConfig></device>\n' >"$tmp/SEP001122334455.cnf.xml"
"$bin" sgn sign "$tmp/SEP001122334455.cnf.xml" $pubsign -o "$out/sgn" >/dev/null
: >"$tmp/empty.cnf.xml"
"$bin" sgn sign "$tmp/empty.cnf.xml" $pubsign -o "$out/sgn-empty" \
	--header-version 1.0 >/dev/null

# Truncations: in the header, at a record boundary, inside records.
for n in 0 1 5 9 10 11 100 335 336 337 1000 1492 2000 4946; do
	head -c "$n" "$out/ctl" >"$out/ctl-cut-$n"
done
head -c 300 "$out/sgn" >"$out/sgn-cut-300"
head -c 2000 "$out/itl" >"$out/itl-cut-2000"

# Lengths that lie (offsets of the seed CTL; see tests/test_hostile.c).
variant ctl-headerlength-ffff ctl; poke "$f" 8 '\377\377'
variant ctl-headerlength-short ctl; poke "$f" 8 '\001\117'
variant ctl-signerid-short ctl; poke "$f" 11 '\000\224'
variant ctl-signerid-zero ctl; poke "$f" 11 '\000\000'
variant ctl-siginfo-long ctl; poke "$f" 163 '\000\020'
variant ctl-algoinfo-ffff ctl; poke "$f" 170 '\377\377'
variant ctl-record-zero ctl; poke "$f" 1495 '\000\000'
variant ctl-record-five ctl; poke "$f" 1495 '\000\005'
variant ctl-record-ffff ctl; poke "$f" 1495 '\377\377'
variant ctl-subject-overrun ctl; poke "$f" 1517 '\377\377'
variant ctl-ip-long ctl; poke "$f" 2642 '\000\005'
variant ctl-nested ctl; poke "$f" 162 '\003' # SIGNATUREINFO tagged SIGNERID
# Values that lie: a certificate that does not parse, a foreign signer.
variant ctl-badcert ctl; poke "$f" 3091 '\061'
variant ctl-absent-signer ctl; poke "$f" 81 '\000'
variant ctl-bad-digest ctl; poke "$f" 168 '\011'
# Unknown tags: a padding byte becomes a zero-length element of tag 77.
variant ctl-unknown-tag ctl; poke "$f" 333 '\115\000\000'
# Trailing garbage after the last record, after a .sgn payload.
variant ctl-trailing ctl; printf '\001\000\002' >>"$f"
variant sgn-trailing sgn; printf 'x' >>"$f"
# Encrypted configuration files (tags 16-27) and their stub, encrypted for
# tvs.pem (fuzz_parse decrypts with tvs.key), and variants whose elements
# lie; offsets found by walking the header (groups 3, 7, 9, 16, 17, 21).
cp "$data/tvs.key" "$tmp/tvs.key"
enc=$tmp/SEP001122334455.cnf.xml.enc.sgn
for dg in sha1 sha512; do
	"$bin" sgn encrypt "$tmp/SEP001122334455.cnf.xml" --phone-cert "$data/tvs.pem" \
		$pubsign --digest $dg --stub -o "$enc" >/dev/null
	cp "$enc" "$out/enc-$dg"
	cp "$tmp/SEP001122334455.cnf.xml.sgn" "$out/enc-stub-$dg"
done
"$bin" sgn encrypt "$tmp/empty.cnf.xml" --phone-cert "$data/sub1.pem" $pubsign \
	-o "$tmp/empty.cnf.xml.enc.sgn" >/dev/null
cp "$tmp/empty.cnf.xml.enc.sgn" "$out/enc-empty-1024"
# at TAG: the offset of header element TAG in the seed enc-sha1.
at() {
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
i, hl = 10, int.from_bytes(d[8:10], "big")
while i < hl:
    t = d[i]
    if t == int(sys.argv[2]):
        print(i); break
    i += 1 if t == 13 else 3 if t in (3, 7, 9, 16, 17, 21) else 3 + int.from_bytes(d[i+1:i+3], "big")
' "$out/enc-sha1" "$1"
}
variant enc-encinfo-ffff enc-sha1; poke "$f" $(($(at 16) + 1)) '\377\377'
variant enc-ivinfo-long enc-sha1; poke "$f" $(($(at 17) + 1)) '\001\000'
variant enc-iv-short enc-sha1; poke "$f" $(($(at 19) + 1)) '\000\017'
variant enc-pad-17 enc-sha1; poke "$f" $(($(at 20) + 3)) '\000\021'
variant enc-keysize-lies enc-sha1; poke "$f" $(($(at 23) + 3)) '\000\010'
variant enc-keyalg-2 enc-sha1; poke "$f" $(($(at 24) + 3)) '\002'
variant enc-key-cut enc-sha1; poke "$f" $(($(at 25) + 1)) '\000\377'
variant enc-hashalg-9 enc-sha1; poke "$f" $(($(at 26) + 3)) '\011'
variant enc-hash-long enc-sha1; poke "$f" $(($(at 27) + 1)) '\000\100'
variant enc-nested enc-sha1; poke "$f" $(at 21) '\020' # ENCKEYINFO tagged ENCRYPTIONINFO
variant enc-trailing enc-sha1; printf 'x' >>"$f"
for n in 200 $(($(at 16) + 2)) $(($(at 25) + 50)) 700; do
	head -c "$n" "$out/enc-sha1" >"$out/enc-cut-$n"
done
echo "$(ls "$out" | wc -l) seeds in $out"
