#!/bin/sh
# p11_uri.sh - the URIs `tokens list` prints, pasted back as they are:
# - every token has a "  uri pkcs11:model=...;manufacturer=...;serial=...;
#   token=..." line and every certificate a "    uri     ...;id=...;
#   object=...;type=cert" line, percent-encoded printable ASCII;
# - a token made here with a label holding a blank, ';', '/', '?', '&',
#   '=', '%', '#', '~', an apostrophe and non-ASCII, and a certificate
#   label as awkward, is listed under that URI and found by it again in
#   `tokens list`, `tokens export`, `build --sign-token` and
#   `--sast-token`: the CTL signed through the printed URIs is byte for
#   byte the one signed through pkcs11:token=LABEL (same key, same
#   TIMESTAMP, deterministic RSA signatures);
# - a label with an escape sequence is printed with the escape encoded in
#   the URI (%1B) and made visible elsewhere (\x1b): no raw control byte;
# - a bad URI is one line naming the attribute at fault, exit 2.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"

# The fixture's SAST-ADN0054f509 key and certificate once more, on a
# token whose label means something in a URI (32 bytes at most).
LAB="SAST key; a/b é?&=%#~'"
OBJ="cert; é/x y"
softhsm2-util --init-token --free --label "$LAB" --pin "$PIN" \
	--so-pin 87654321 >/dev/null 2>"$T/err" || fail "softhsm2-util: $(cat "$T/err")"
softhsm2-util --import "$FX/SAST-ADN0054f509/key.p8" --token "$LAB" \
	--label "$OBJ" --id a1b2 --pin "$PIN" >/dev/null 2>"$T/err" ||
	fail "softhsm2-util --import: $(cat "$T/err")"
pkcs11-tool --module "$SOFTHSM" --token-label "$LAB" --login --pin "$PIN" \
	--write-object "$FX/SAST-ADN0054f509/cert.der" --type cert --id a1b2 \
	--label "$OBJ" >/dev/null 2>"$T/err" || fail "pkcs11-tool: $(cat "$T/err")"
# And one whose label holds an escape sequence and a tab.
ESC=$(printf 'evil\033[2J\tlabel')
softhsm2-util --init-token --free --label "$ESC" --pin "$PIN" \
	--so-pin 87654321 >/dev/null 2>"$T/err" || fail "softhsm2-util: $(cat "$T/err")"

run notty "$BIN" tokens list
expect "tokens list" 0 0
cp "$T/out" "$T/list"
# token_uri LABEL-LINE: the URI printed under "token LABEL-LINE".
token_uri() {
	awk -v want="token $1" '$0 == want { t = 1; next }
		/^token / { t = 0 }
		t && /^  uri / { print substr($0, 7); exit }' "$T/list"
}
# cert_uri LABEL-LINE SHOWN-CERT-LABEL: that token's certificate's URI.
cert_uri() {
	awk -v want="token $1" -v cert="  certificate \"$2\" " '
		$0 == want { t = 1; next }
		/^token / { t = 0 }
		t && index($0, cert) == 1 { c = 1; next }
		/^  certificate / { c = 0 }
		t && c && /^    uri     / { print substr($0, 13); exit }' "$T/list"
}

for tok in SAST-ADN0054f509 SAST-ADN008580ef; do
	u=$(token_uri "$tok")
	case $u in
	"pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial="*";token=$tok") ;;
	*) fail "token $tok: URI '$u'" ;;
	esac
	cu=$(cert_uri "$tok" "$tok")
	[ "$cu" = "$u;id=%01;object=$tok;type=cert" ] || fail "token $tok: certificate URI '$cu'"
done
[ "$(grep -c '^  uri pkcs11:' "$T/list")" -eq 4 ] || fail "tokens list: not 4 token URIs: $(cat "$T/list")"
[ "$(grep -c '^    uri     pkcs11:' "$T/list")" -eq 4 ] ||
	fail "tokens list: not 4 certificate URIs: $(cat "$T/list")"

TU=$(token_uri "$LAB")
CU=$(cert_uri "$LAB" "$OBJ")
case $TU in
*";token=SAST%20key%3B%20a%2Fb%20%C3%A9%3F%26%3D%25%23%7E%27") ;;
*) fail "awkward token: URI '$TU'" ;;
esac
[ "$CU" = "$TU;id=%A1%B2;object=cert%3B%20%C3%A9%2Fx%20y;type=cert" ] ||
	fail "awkward token: certificate URI '$CU'"

# No raw control byte anywhere; the escape is %1B in the URI.
LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$T/list" &&
	fail "tokens list prints a raw control byte"
grep -q '^token evil\\x1b\[2J\\x09label$' "$T/list" || fail "escape label not shown as \\x1b: $(grep '^token evil' "$T/list")"
EU=$(awk '/^token evil/ { t = 1; next } t && /^  uri / { print substr($0, 7); exit }' "$T/list")
case $EU in
*";token=evil%1B%5B2J%09label") ;;
*) fail "escape label: URI '$EU'" ;;
esac

# Pasted back: the same token, the same certificate.
run "$BIN" tokens list "$TU"
expect "tokens list, printed token URI" 0 0
grep -q "1 token$" "$T/out" || fail "tokens list TU: $(head -n 1 "$T/out")"
grep -qxF "token $LAB" "$T/out" || fail "tokens list TU: not the token: $(cat "$T/out")"
run "$BIN" tokens list "$EU"
expect "tokens list, escape label's URI" 0 0
grep -q "1 token$" "$T/out" && grep -q '^token evil' "$T/out" ||
	fail "tokens list EU: $(cat "$T/out")"
mkdir "$T/exp"
run notty "$BIN" tokens export --out "$T/exp" "$CU"
expect "tokens export, printed certificate URI" 0 0
[ "$(ls "$T/exp")" = "SAST-ADN0054f509.cer" ] || fail "tokens export CU: $(ls "$T/exp")"
cmp -s "$T/exp/SAST-ADN0054f509.cer" "$FX/SAST-ADN0054f509/cert.der" ||
	fail "tokens export CU: not the token's certificate"
# Typed by hand with its blanks and the rest encoded: the same token.
run "$BIN" tokens list "pkcs11:token=SAST key%3B a%2Fb é%3F&=%25#~'"
expect "tokens list, label typed with blanks" 0 0
grep -qxF "token $LAB" "$T/out" || fail "typed label: $(cat "$T/out")"

# A build through the printed URIs equals the build through the labels.
export CTLSIGN_PIN=$PIN
run tbuild "$T/ref.tlv" -q --sign-token "$T1" --sast-token "$T2"
expect "build through labels" 0 0
T2U=$(token_uri SAST-ADN008580ef)
run tbuild "$T/uri.tlv" -q --sign-token "$CU" --sast-token "$T2U"
expect "build through printed URIs" 0 0
cmp -s "$T/ref.tlv" "$T/uri.tlv" || fail "the CTL signed through the printed URIs differs"
T1C=$(cert_uri SAST-ADN0054f509 SAST-ADN0054f509)
T2C=$(cert_uri SAST-ADN008580ef SAST-ADN008580ef)
run tbuild "$T/uri2.tlv" -q --sign-token "$T1C" --sast-token "$T2C"
expect "build through printed certificate URIs" 0 0
cmp -s "$T/ref.tlv" "$T/uri2.tlv" || fail "the CTL signed through the certificate URIs differs"
# The CA certificate's URI names a certificate that is not SAST: warned.
CAU=$(cert_uri SAST-ADN008580ef "Test Manufacturing CA")
run tbuild "$T/ca.tlv" -q --sign-token "$T1C" --sast-token "$CAU"
expect "build, the CA certificate by URI" 0 1 "not named like a SAST eToken"
unset CTLSIGN_PIN

# Bad URIs: exit 2, one line naming the attribute.
echo old >"$T/bad.tlv"
while IFS='|' read -r uri msg; do
	run "$BIN" tokens list "$uri"
	expect "tokens list $uri" 2 1 "$msg"
	CTLSIGN_PIN=$PIN run tbuild "$T/bad.tlv" --sign-token "$uri" --sast-token "$T2"
	expect "build $uri" 2 1 "$msg"
	unchanged "$T/bad.tlv" "build $uri"
done <<'EOF'
pkcs11:tokn=SAST-ADN0054f509|unknown attribute 'tokn'
pkcs11:token=SAST-ADN0054f509;token=x|token= given twice
pkcs11:token=SAST-ADN0054f509;id=%0|id=: bad percent escape
pkcs11:token=SAST-ADN0054f509%00x|token=: contains a NUL
pkcs11:token=SAST-ADN0054f509-and-far-too-long-x|token=: too long (at most 32 bytes)
pkcs11:token=SAST-ADN0054f509;type=data|type=data: ctlsign uses a certificate and its key pair
pkcs11:token=SAST-ADN0054f509?vendor=x|unknown query attribute 'vendor'
EOF
finish
