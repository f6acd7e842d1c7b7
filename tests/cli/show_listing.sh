#!/bin/sh
# show_listing.sh - `show` as CUCM's listings (seed 002): "This etoken
# was (not) used to sign" under SAST records only, in CTLs and ITLs;
# every key type named (an ECDSA P-384 key is not "RSA 384 bits");
# certificates that have expired or expire within 30 days named by `show`
# and `verify` as a notice (exit 0, verify's lines and summary as
# documented, in argument order whatever -j), judged at SOURCE_DATE_EPOCH.
. "$(dirname "$0")/lib.sh"

cp "$DATA/pub.key" "$T/sign.key"
chmod 600 "$T/sign.key"
cat >"$T/req.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
EOF
# cert NAME KEY DAYS: a self-signed certificate valid from now for DAYS.
cert() {
	openssl req -config "$T/req.cnf" -x509 -new -key "$2" -subj "/CN=$1" \
		-set_serial 7 -days "$3" -out "$T/$1.pem" 2>/dev/null
}
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/p384.key" 2>/dev/null
cert ecdsa384 "$T/p384.key" 1      # expired at "now" below
cert capf-soon "$DATA/capf.key" 20 # expires within 30 days of "now"
cert tvs-later "$DATA/tvs.key" 400 # neither
# not_after NAME: the certificate's notAfter, in seconds since the epoch.
not_after() { date -u -d "$(openssl x509 -in "$T/$1.pem" -noout -enddate | cut -d= -f2)" +%s; }
na_ec=$(not_after ecdsa384)
na_soon=$(not_after capf-soon)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
NOW=$((na_ec + 5 * 86400 + 7))
soon_days=$(((na_soon - NOW) / 86400))

# A tokenless CTL (record 1 the signer's SAST record) with a second SAST
# record that did not sign, the three test certificates and the fixtures'
# P-256 one.
"$BIN" build -q -o "$T/ctl.tlv" --timestamp "$TS" \
	--sign-key "$T/sign.key" --sign-cert "$DATA/pub.pem" \
	--ccm-tftp "$DATA/pub.pem,dns=cucm-pub,ip=10.0.0.1" \
	--sast "$DATA/sub1.pem" \
	--capf "$T/capf-soon.pem,dns=cucm-pub,ip=10.0.0.1" \
	--tvs "$T/ecdsa384.pem,dns=cucm-pub,ip=10.0.0.1" \
	--tvs "$T/tvs-later.pem,dns=cucm-sub1,ip=10.0.0.2" \
	--app-server "$DATA/ec.pem" || fail "build of the test CTL failed"

# blocks FILE: "ROLE|etoken line|key|notice" per record of a `show` listing.
blocks() {
	python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
for b in re.split(r"\n(?:CTL|ITL) Record #:\d+\n", text)[1:]:
    role = re.search(r"^4\s+FUNCTION\s+\d+\s+(.*)$", b, re.M).group(1)
    tok = re.search(r"^This etoken was (not )?used to sign the (CTL|ITL) file\.$", b, re.M)
    key = re.search(r"^7\s+PUBLICKEY\s+\d+\s+(.*)$", b, re.M)
    note = re.search(r"^Notice: (.*)$", b, re.M)
    print("%s|%s|%s|%s" % (role, tok.group(0) if tok else "",
                           key.group(1) if key else "", note.group(1) if note else ""))
PY
}

SAST="System Administrator Security Token"
SOURCE_DATE_EPOCH=$NOW run "$BIN" show "$T/ctl.tlv"
expect "show" 0 0
blocks "$T/out" >"$T/blocks"
cat >"$T/want" <<EOF
$SAST|This etoken was used to sign the CTL file.|RSA 1024 bits|
CCM+TFTP||RSA 1024 bits|
$SAST|This etoken was not used to sign the CTL file.|RSA 1024 bits|
CAPF||RSA 1024 bits|this certificate expires $(iso "$na_soon") (in $soon_days days); phones keep using it.
TVS||ECDSA P-384 (384 bits)|this certificate expired $(iso "$na_ec") (5 days ago); phones keep using it.
TVS||RSA 2048 bits|
APP-SERVER||ECDSA P-256 (256 bits)|
EOF
diff "$T/want" "$T/blocks" >"$T/diff" || fail "show: records as listed differ: $(cat "$T/diff")"
grep -q "RSA 384 bits" "$T/out" && fail "show: an ECDSA P-384 key shown as RSA"
grep -q "The CTL file was verified successfully." "$T/out" || fail "show: not verified"

# A day later the CAPF certificate is one day closer; before its last 30
# days, and for the real clock's fixtures, nothing is said.
SOURCE_DATE_EPOCH=$((NOW + 86400)) run "$BIN" show "$T/ctl.tlv"
grep -qF "expires $(iso "$na_soon") (in $((soon_days - 1)) days)" "$T/out" ||
	fail "show a day later: $(grep Notice "$T/out")"
SOURCE_DATE_EPOCH=$((na_ec - 31 * 86400)) run "$BIN" show "$T/ctl.tlv"
[ "$(grep -c '^Notice:' "$T/out")" -eq 0 ] || fail "show before: $(grep Notice "$T/out")"
run "$BIN" show "$DATA/golden/CTLFile.tlv"
expect "show of a fixture" 0 0
grep -q "^Notice:" "$T/out" && fail "show of a fixture: a notice: $(grep Notice "$T/out")"

# An ITL: the line under its SAST record only (not TVS, CAPF, CCM+TFTP).
"$BIN" build -q --itl -o "$T/itl.tlv" --timestamp "$TS" \
	--sign-key "$T/sign.key" --sign-cert "$DATA/pub.pem" \
	--ccm-tftp "$DATA/pub.pem" --tvs "$DATA/tvs.pem" --capf "$DATA/capf.pem" ||
	fail "build of the test ITL failed"
run "$BIN" show "$T/itl.tlv"
blocks "$T/out" | cut -d'|' -f1,2 >"$T/blocks"
printf '%s\n' "$SAST|This etoken was used to sign the ITL file." "CCM+TFTP|" "TVS|" "CAPF|" >"$T/want"
diff "$T/want" "$T/blocks" >"$T/diff" || fail "show ITL: $(cat "$T/diff")"

# verify: one notice line per such certificate, on stderr, after the
# file's line; stdout and the summary as always; exit 0.
SOURCE_DATE_EPOCH=$NOW run "$BIN" verify "$T/ctl.tlv"
expect "verify" 0 2 \
	"ctlsign: notice: $T/ctl.tlv: record 4 (CAPF CN=capf-soon): certificate expires $(iso "$na_soon") (in $soon_days days); phones keep using it" \
	"ctlsign: notice: $T/ctl.tlv: record 5 (TVS CN=ecdsa384): certificate expired $(iso "$na_ec") (5 days ago); phones keep using it"
printf '%s\n' "$T/ctl.tlv: OK, signed by record 1" \
	"1 valid, 0 invalid, 0 malformed, 0 unreadable, 0 skipped" >"$T/want"
cmp -s "$T/want" "$T/out" || fail "verify: stdout is not as documented: $(cat "$T/out")"
# -q: the notices still (like warnings), nothing on stdout.
SOURCE_DATE_EPOCH=$NOW run "$BIN" verify -q "$T/ctl.tlv"
expect "verify -q" 0 2 "record 5 (TVS CN=ecdsa384): certificate expired"
[ ! -s "$T/out" ] || fail "verify -q: stdout: $(cat "$T/out")"

# In argument order whatever -j: a.tlv's notices, then b's, then c's.
for n in a b c; do cp "$T/ctl.tlv" "$T/$n.tlv"; done
cp "$DATA/golden/CTLFile.tlv" "$T/b.tlv"
for j in 1 3; do
	SOURCE_DATE_EPOCH=$NOW run "$BIN" verify -j "$j" "$T/a.tlv" "$T/b.tlv" "$T/c.tlv"
	expect "verify -j $j" 0 4
	sed 's/: record.*//' "$T/err" | tr '\n' ' ' >"$T/order"
	[ "$(cat "$T/order")" = "ctlsign: notice: $T/a.tlv ctlsign: notice: $T/a.tlv ctlsign: notice: $T/c.tlv ctlsign: notice: $T/c.tlv " ] ||
		fail "verify -j $j: notices out of order: $(cat "$T/err")"
	tail -n 1 "$T/out" | grep -qx "3 valid, 0 invalid, 0 malformed, 0 unreadable, 0 skipped" ||
		fail "verify -j $j: summary: $(cat "$T/out")"
done

# --cert's own certificate (a .sgn has none in it): named too.
SOURCE_DATE_EPOCH=$NOW run "$BIN" verify --cert "$T/ecdsa384.pem" "$T/ctl.tlv"
grep -qF "ctlsign: notice: $T/ecdsa384.pem: certificate expired $(iso "$na_ec")" "$T/err" ||
	fail "verify --cert: $(cat "$T/err")"

# A hostile subject in a notice goes through the sanitizer.
printf '[req]\ndistinguished_name = dn\nprompt = no\nutf8 = yes\n[dn]\nCN = x\n' >"$T/u.cnf"
openssl req -config "$T/u.cnf" -x509 -new -key "$DATA/capf.key" \
	-subj "/CN=evil$(printf '\033')]0;t$(printf '\007')" -set_serial 8 -days 1 -out "$T/evil.pem" 2>/dev/null ||
	fail "cannot make the hostile certificate"
"$BIN" build -q -o "$T/evil.tlv" --timestamp "$TS" --sign-key "$T/sign.key" \
	--sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem" --capf "$T/evil.pem" ||
	fail "build of the hostile CTL failed"
SOURCE_DATE_EPOCH=$NOW run "$BIN" verify "$T/evil.tlv"
expect "verify, hostile subject" 0 1 'CN=evil\x1b]0;t\x07): certificate expired'
no_raw "verify, hostile subject"
SOURCE_DATE_EPOCH=$NOW run "$BIN" show "$T/evil.tlv"
no_raw "show, hostile subject"

# The listing's every byte, text and --json, against golden files made
# with the fprintf-era `show`: the committed fixtures, a hostile copy of
# CTLFile.tlv (an escape in a name, a byte that is not UTF-8, an unknown
# record tag: it no longer verifies), all expired (2100-01-01) or the
# CTL's certificates expiring in 10 days. Relative paths: the first line.
mkdir "$T/g"
cp "$DATA/golden/CTLFile.tlv" "$DATA/golden/ITLFile.tlv" \
	"$DATA/golden/SEP001122334455.cnf.xml.sgn" "$DATA/pub.pem" "$T/g/"
python3 - "$T/g/CTLFile.tlv" "$T/g/hostile.tlv" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[348] = 0x1b   # record 1's DNSNAME "cucm-1051-a-pub": '-' becomes ESC
b[366] = 0xc3   # record 1's SUBJECTNAME: a lone UTF-8 lead byte
b[1485] = 99    # record 1's IPADDRESS tag: unknown
open(sys.argv[2], "wb").write(b)
PY
SOON=$(($(date -u -d 2036-11-19T15:43:10Z +%s) - 10 * 86400 - 3600))
# listings [--json]: the golden runs, their outputs one after another.
listings() {
	(cd "$T/g" &&
		SOURCE_DATE_EPOCH=4102444800 "$BIN" show ${1:+"$1"} CTLFile.tlv ITLFile.tlv hostile.tlv &&
		SOURCE_DATE_EPOCH=4102444800 "$BIN" show ${1:+"$1"} --cert pub.pem SEP001122334455.cnf.xml.sgn &&
		SOURCE_DATE_EPOCH=$SOON "$BIN" show ${1:+"$1"} CTLFile.tlv) >"$T/listings" 2>"$T/err" ||
		fail "show${1:+ $1} of the golden files: $(cat "$T/err")"
}
GOLDEN=$(dirname "$0")/show_listing.golden
listings
cmp -s "$GOLDEN" "$T/listings" ||
	fail "show: the listing differs from $GOLDEN: $(diff "$GOLDEN" "$T/listings" | head -20)"
listings --json
cmp -s "$GOLDEN.json" "$T/listings" ||
	fail "show --json: differs from $GOLDEN.json: $(diff "$GOLDEN.json" "$T/listings" | head -5)"

# The certificate facts cache (bounded, keyed by the certificate's bytes):
# one run over files whose certificates alternate, and over more distinct
# certificates than it holds (FACTS_SETS * FACTS_WAYS, 128), twice, shows
# what each file shows alone. The certificates share a key and a name
# length, and expire on different days (some expired, some soon at NOW).
N=150
i=1
names=""
while [ "$i" -le "$N" ]; do
	openssl req -config "$T/req.cnf" -x509 -new -key "$DATA/capf.key" \
		-subj "/CN=facts$(printf %03d "$i")" -set_serial "$i" -days "$i" \
		-out "$T/f$i.pem" 2>/dev/null || fail "cannot make certificate $i"
	"$BIN" build -q -o "$T/f$i.tlv" --timestamp "$TS" --sign-key "$T/sign.key" \
		--sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem" \
		--tvs "$T/f$i.pem,dns=node$i" || fail "build of f$i.tlv failed"
	names="$names $T/f$i.tlv"
	i=$((i + 1))
done
# alone FILE...: each FILE shown by a run of its own, as one run shows them.
alone() {
	first=1
	for f in "$@"; do
		[ "$first" -eq 1 ] || echo
		first=0
		SOURCE_DATE_EPOCH=$NOW "$BIN" show "$f" || return 1
	done
}
for files in "$T/f1.tlv $T/f2.tlv $T/f1.tlv $T/f2.tlv $T/f1.tlv" \
	"$names $names $T/ctl.tlv $T/f1.tlv"; do
	# shellcheck disable=SC2086 # the list is meant to split
	SOURCE_DATE_EPOCH=$NOW run "$BIN" show $files
	expect "show of many certificates" 0 0
	cp "$T/out" "$T/many"
	# shellcheck disable=SC2086
	alone $files >"$T/alone" 2>&1 || fail "show of a file alone failed: $(tail -1 "$T/alone")"
	cmp -s "$T/alone" "$T/many" ||
		fail "show of many files is not each shown alone: $(diff "$T/alone" "$T/many" | head -8)"
	# shellcheck disable=SC2086
	SOURCE_DATE_EPOCH=$NOW run "$BIN" show --json $files
	# shellcheck disable=SC2086
	SOURCE_DATE_EPOCH=$NOW python3 - "$T/out" "$BIN" $files <<'PY' || json_alone=no
import json, subprocess, sys
many = json.load(open(sys.argv[1]))["files"]
alone = [json.loads(subprocess.run([sys.argv[2], "show", "--json", f], check=True,
                                   capture_output=True).stdout)["files"][0]
         for f in sys.argv[3:]]
sys.exit(many != alone)
PY
	[ "${json_alone:-}" != no ] || fail "show --json of many files is not each shown alone"
	json_alone=
done
grep -q "^Notice: this certificate expired" "$T/many" || fail "facts: no expired certificate shown"
grep -q "^Notice: this certificate expires" "$T/many" || fail "facts: no expiring certificate shown"

# A file that cannot be read, in a log of both streams: its error line
# whole, between the listings before and after it.
set +e
"$BIN" show "$DATA/golden/CTLFile.tlv" "$T/none.tlv" "$DATA/golden/ITLFile.tlv" >"$T/both" 2>&1
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "show of a missing file: exit $rc, expected 3"
[ "$(awk '/ctlsign: /{print prev "|" substr($0, 1, index($0, "none.tlv: ") + 9)} {prev=$0}' "$T/both")" = \
	"The CTL file was verified successfully.|ctlsign: $T/none.tlv: " ] ||
	fail "show of a missing file: the error line is not between the listings: $(grep -n 'ctlsign: ' "$T/both")"
grep -q "^The ITL file was verified successfully.\$" "$T/both" || fail "show of a missing file: no listing after it"

# error.offset is the offset the message names first; null when none.
head -c 3000 "$DATA/golden/CTLFile.tlv" >"$T/cut.tlv"
python3 - "$DATA/golden/CTLFile.tlv" "$T/badsig.tlv" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 1      # the last byte of the last record: the signature fails
open(sys.argv[2], "wb").write(b)
PY
for cmd in show verify; do
	run "$BIN" "$cmd" --json "$T/cut.tlv" "$T/badsig.tlv"
	python3 - "$T/out" "$cmd" <<'PY' || fail "$cmd --json: error offsets: $(cat "$T/out")"
import json, re, sys
files = json.load(open(sys.argv[1]))["files"]
cut = files[0]["error"]
assert cut["offset"] == 2648 and "record 3 at offset 2648:" in cut["message"], cut
bad = files[1]["error"] if sys.argv[2] == "verify" else files[1]["verify_error"]
assert bad["offset"] is None and "does not verify" in bad["message"], bad
PY
done

# An OpenSSL that refuses the digests (only FIPS-approved ones, and no
# FIPS provider; MD5 on a FIPS host): no checksum is made up, the file
# is an error, exit 6.
cat >"$T/fips.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
alg_section = evp_properties
[evp_properties]
default_properties = "fips=yes"
CNF
OPENSSL_CONF=$T/fips.cnf run "$BIN" show "$DATA/golden/CTLFile.tlv"
expect "show, digests refused" 6 1 "CTLFile.tlv: cannot compute its MD5 and SHA-1: OpenSSL refuses the digest"
[ ! -s "$T/out" ] || fail "show, digests refused: printed $(head -n 3 "$T/out")"
OPENSSL_CONF=$T/fips.cnf run "$BIN" show --json "$DATA/golden/CTLFile.tlv"
[ "$rc" -eq 6 ] || fail "show --json, digests refused: exit $rc"
python3 - "$T/out" <<'PY' || fail "show --json, digests refused: $(cat "$T/out")"
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
sys.exit(not (f["error"]["code"] == 6 and "md5" not in f))
PY
unset OPENSSL_CONF # a shell may keep an assignment made before a function

# The clock must be a number, as for build's TIMESTAMP.
for cmd in show verify; do
	SOURCE_DATE_EPOCH=soon run "$BIN" "$cmd" "$T/ctl.tlv"
	expect "$cmd, SOURCE_DATE_EPOCH not a number" 2 2 "SOURCE_DATE_EPOCH is not a number of seconds"
done
finish
