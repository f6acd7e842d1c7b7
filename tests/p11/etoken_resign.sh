#!/bin/sh
# etoken_resign.sh - an eToken CTL rebuilt with the tokens in hand, as the
# CTL client's users did (`build --from OLD`), on real SoftHSM2 tokens:
# re-signing needs one token that is a SAST of OLD (the others' records
# come from OLD byte for byte, the signer's is not duplicated); the
# two-token rule counts the eToken SAST records of the file written and
# says what is true of it; adding a token, replacing a lost one with
# --remove, and a token that is not plugged in.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"

# A third token, SAST-ADN00c0ffee (RSA 1024), from the fixtures' CA.
T3='pkcs11:token=SAST-ADN00c0ffee'
d=$FX/SAST-ADN00c0ffee
mkdir -p "$d"
q() { "$@" >/dev/null 2>"$T/q.err" || { cat "$T/q.err" >&2; exit 1; }; }
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$d/key.pem"
q openssl pkcs8 -topk8 -nocrypt -in "$d/key.pem" -out "$d/key.p8"
q openssl req -new -key "$d/key.pem" -out "$d/req.csr" \
	-subj "/CN=SAST-ADN00c0ffee /OU=IPCBU/O=Cisco Systems"
q openssl x509 -req -in "$d/req.csr" -CA "$FX/ca/ca.pem" -CAkey "$FX/ca/ca.key" \
	-set_serial 0xC0FFEE00000000C0FFEE -days 7300 -sha1 -outform DER -out "$d/cert.der"
slot=$(softhsm2-util --init-token --free --label SAST-ADN00c0ffee --pin "$PIN" \
	--so-pin 87654321 2>/dev/null | sed -n 's/.*reassigned to slot \([0-9]*\).*/\1/p')
[ -n "$slot" ] || { echo "cannot make the third token" >&2; exit 1; }
q softhsm2-util --import "$d/key.p8" --slot "$slot" --label SAST-ADN00c0ffee \
	--id 01 --pin "$PIN"
q pkcs11-tool --module "$SOFTHSM" --slot "$slot" --login --pin "$PIN" \
	--write-object "$d/cert.der" --type cert --id 01 --label SAST-ADN00c0ffee

SHA_A=$(sha1der "$FX/SAST-ADN0054f509/cert.der")
SHA_B=$(sha1der "$FX/SAST-ADN008580ef/cert.der")
SHA_C=$(sha1der "$d/cert.der")
TS2=$((TS + 86400))

# recs FILE: one line per record: CERT_SHA1 SHA1_OF_THE_RECORD_BYTES
# [signer], from `show --json`'s offsets (docs/json.md).
recs() {
	"$BIN" show --json "$1" | python3 -c '
import hashlib, json, sys
f = json.load(sys.stdin)["files"][0]
raw = open(sys.argv[1], "rb").read()
for r in f["records"]:
    b = raw[r["offset"]:r["offset"] + r["length"]]
    print(r["cert_sha1"], hashlib.sha1(b).hexdigest(),
          "signer" if r["signed_file"] else "-")
' "$1" 2>/dev/null || echo "(no records: $1)"
}
# rec FILE N: line N of recs FILE, without the signer mark.
rec() {
	recs "$1" | sed -n "$2p" | cut -d' ' -f1,2
}
# absent WHAT FILE: the refused build left no FILE and no temporary file.
absent() {
	[ ! -e "$2" ] || fail "$1: $2 was written"
	no_tmp "$(dirname "$2")" "$1"
}
# unplug LABEL / plug: SoftHSM's token directory moved out of its store and back.
unplug() {
	away=$(grep -l "$1" "$FX"/tokens/*/token.object | head -n 1)
	away=$(dirname "$away")
	mv "$away" "$FX/unplugged"
}
plug() {
	mv "$FX/unplugged" "$away"
}

# OLD: signed by token A, SAST records of A and B, as the CTL client wrote.
export CTLSIGN_PIN=$PIN
run tbuild "$T/OLD.tlv" --sign-token "$T1" --sast-token "$T2"
expect "OLD" 0 0
recs "$T/OLD.tlv" >"$T/old.recs"
[ "$(cut -d' ' -f1 "$T/old.recs" | head -n 2 | tr '\n' ' ')" = "$SHA_A $SHA_B " ] ||
	fail "OLD: records 1-2 are not tokens A and B: $(cat "$T/old.recs")"

# (a) Re-signing with token A alone: B's record comes from OLD. Every
# record is OLD's, byte for byte and in OLD's order (A's is not doubled
# nor rewritten); no --from-signer, since A signed OLD too; no warning.
run "$BIN" build -o "$T/a.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" --sign-token "$T1"
expect "(a) re-sign with A alone" 0 0
grep -q "5 records, signed by record 1 (token SAST-ADN0054f509)" "$T/out" ||
	fail "(a): $(cat "$T/out")"
recs "$T/a.tlv" >"$T/a.recs"
cmp -s "$T/old.recs" "$T/a.recs" ||
	fail "(a): records differ from OLD's: $(diff "$T/old.recs" "$T/a.recs")"
run "$BIN" verify "$T/a.tlv"
expect "(a) verify" 0
# The whole file is OLD's but for the TIMESTAMP and the signature.
run "$BIN" build -o "$T/a-same.tlv" --timestamp "$TS" --from "$T/OLD.tlv" --sign-token "$T1"
expect "(a) same timestamp" 0 0
cmp -s "$T/OLD.tlv" "$T/a-same.tlv" || fail "(a): re-signing OLD as it was changed a byte"
# Naming B as well (plugged in): still its one record from OLD.
run "$BIN" build -o "$T/a2.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" \
	--sign-token "$T1" --sast-token "$T2"
expect "(a) with B named too" 0 0
recs "$T/a2.tlv" | cmp -s "$T/old.recs" - || fail "(a) with B: records differ from OLD's"

# Re-signing with B, which did not sign OLD: OLD's signer must be vouched
# for; the message names the token and the two ways on.
run "$BIN" build -o "$T/b-signs.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" --sign-token "$T2"
expect "OLD signed by another token" 1 1 \
	"signed by token SAST-ADN0054f509 (certificate SHA-1" \
	"which is not given here" "sign with that token, or give its certificate with --from-signer (SAST-ADN0054f509.cer"
absent "OLD signed by another token" "$T/b-signs.tlv"
mkdir "$T/sast-certs"
"$BIN" tokens export --out "$T/sast-certs" >/dev/null
run "$BIN" build -o "$T/b-signs.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" \
	--sign-token "$T2" --from-signer "$T/sast-certs/SAST-ADN0054f509.cer"
expect "re-sign with B, --from-signer A's export" 0 0
recs "$T/b-signs.tlv" >"$T/bs.recs"
[ "$(cut -d' ' -f1,2 "$T/bs.recs")" = "$(cut -d' ' -f1,2 "$T/old.recs")" ] ||
	fail "re-sign with B: records differ from OLD's"
[ "$(sed -n 2p "$T/bs.recs" | cut -d' ' -f3)" = signer ] ||
	fail "re-sign with B: B's record 2 is not the signer: $(cat "$T/bs.recs")"

# The two-token rule counts the file written: OLD without B's record and
# only A is one eToken SAST record, refused before any PIN (no terminal,
# no PIN in the environment), and an older output is left as it was.
echo old >"$T/one.tlv"
run env -u CTLSIGN_PIN setsid -w "$BIN" build -o "$T/one.tlv" --timestamp "$TS2" \
	--from "$T/OLD.tlv" --remove "sha1:$SHA_B" --sign-token "$T1"
expect "one eToken record" 2 1 \
	"the new CTL names 1 eToken SAST record (SAST-ADN0054f509); an eToken CTL needs at least two SAST tokens" \
	"add --sast-token URI for a second token (or --allow-single-token)"
grep -q "PIN" "$T/err" && fail "one eToken record: a PIN was asked for: $(cat "$T/err")"
unchanged "$T/one.tlv" "one eToken record"
run "$BIN" build -o "$T/one2.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" \
	--remove 2 --sign-token "$T1" --allow-single-token
expect "one eToken record, allowed" 0 1 \
	"the new CTL names a single SAST token, SAST-ADN0054f509 (--allow-single-token)" \
	"deleted on every phone by hand"
# A SAST record that is no eToken's (the tokenless CTL's CallManager one)
# does not count: a tokenless CTL plus one token is refused.
cp "$DATA/pub.key" "$T/pub.key"
chmod 600 "$T/pub.key"
run "$BIN" build -q -o "$T/tokenless.tlv" --timestamp "$TS" --sign-key "$T/pub.key" \
	--sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem,dns=cucm-pub,ip=10.48.47.155"
expect "tokenless CTL" 0
run "$BIN" build -o "$T/tl1.tlv" --timestamp "$TS2" --from "$T/tokenless.tlv" \
	--from-signer "$DATA/pub.pem" --sign-token "$T1"
expect "tokenless + one token" 2 1 "the new CTL names 1 eToken SAST record (SAST-ADN0054f509)"
absent "tokenless + one token" "$T/tl1.tlv"
# ... and an exported token certificate given as a --sast file does.
run "$BIN" build -o "$T/tl2.tlv" --timestamp "$TS2" --from "$T/tokenless.tlv" \
	--from-signer "$DATA/pub.pem" --sign-token "$T1" \
	--sast "$T/sast-certs/SAST-ADN008580ef.cer"
# (Phones holding the tokenless CTL do not know token A: build says so.)
expect "tokenless + token + exported certificate" 0 2 "STRANDED"
grep -q "single SAST token" "$T/err" && fail "tokenless + 2 eTokens: warned of a single token"

# (b) Adding token C: a new record in the CTL client's layout before
# OLD's, which are all kept byte for byte; A signs.
run "$BIN" build -o "$T/b.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" \
	--sign-token "$T1" --sast-token "$T3"
expect "(b) add C" 0 0
grep -q "6 records, signed by record 2 (token SAST-ADN0054f509)" "$T/out" || fail "(b): $(cat "$T/out")"
recs "$T/b.tlv" >"$T/b.recs"
[ "$(sed -n 1p "$T/b.recs" | cut -d' ' -f1)" = "$SHA_C" ] || fail "(b): record 1 is not C's"
[ "$(sed 1d "$T/b.recs")" = "$(cat "$T/old.recs")" ] ||
	fail "(b): OLD's records not kept byte for byte: $(cat "$T/b.recs")"
"$BIN" show "$T/b.tlv" | sed -n '/CTL Record #:1$/,/CTL Record #:2$/p' >"$T/b.show"
grep -q '^2 *DNSNAME *1 ' "$T/b.show" && ! grep -q '^8 *SIGNATURE' "$T/b.show" ||
	fail "(b): C's record is not in the CTL client's layout: $(cat "$T/b.show")"
run "$BIN" verify "$T/b.tlv"
expect "(b) verify" 0

# (c) B lost: its record removed, C added in its place; A signs.
run "$BIN" build -o "$T/c.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" \
	--sign-token "$T1" --remove "sha1:$SHA_B" --sast-token "$T3"
expect "(c) replace B by C" 0 0
recs "$T/c.tlv" | cut -d' ' -f1 | tr '\n' ' ' >"$T/c.certs"
[ "$(cat "$T/c.certs")" = "$SHA_C $(sed -n '1p;3,$p' "$T/old.recs" | cut -d' ' -f1 | tr '\n' ' ')" ] ||
	fail "(c): records are not C, then OLD's without B: $(cat "$T/c.certs")"
[ "$(rec "$T/c.tlv" 2)" = "$(rec "$T/OLD.tlv" 1)" ] || fail "(c): A's record is not OLD's"

# (d) B not plugged in.
unplug SAST-ADN008580ef
# Its record is kept without it: the same file as (a).
run "$BIN" build -o "$T/d1.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" --sign-token "$T1"
expect "(d) B absent, not named" 0 0
cmp -s "$T/a.tlv" "$T/d1.tlv" || fail "(d): B absent, the file differs from (a)'s"
# Named though absent: what becomes of its record and what to do.
run "$BIN" build -o "$T/d2.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" \
	--sign-token "$T1" --sast-token "$T2"
expect "(d) B named, absent" 4 1 \
	"$T2: no such token in $SOFTHSM (not plugged in?)" \
	"its SAST record (SAST-ADN008580ef, record 2 of $T/OLD.tlv) is kept byte for byte without it: leave out this --sast-token" \
	"if the token is lost, --remove sha1:$SHA_B and add the token that replaces it with --sast-token"
absent "(d) B named, absent" "$T/d2.tlv"
# Following that advice: (c) without B in hand.
run "$BIN" build -o "$T/d3.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" \
	--sign-token "$T1" --remove "sha1:$SHA_B" --sast-token "$T3"
expect "(d) replace absent B" 0 0
cmp -s "$T/c.tlv" "$T/d3.tlv" || fail "(d): replacing absent B differs from (c)"
# The signing token absent: which tokens of OLD can sign instead.
run "$BIN" build -o "$T/d4.tlv" --timestamp "$TS2" --from "$T/OLD.tlv" --sign-token "$T2"
expect "(d) signer absent" 4 1 \
	"$T2: no such token in $SOFTHSM (not plugged in?); the signing token must be here: sign with another token that is a SAST of $T/OLD.tlv (SAST-ADN0054f509)"
absent "(d) signer absent" "$T/d4.tlv"
# Without --from nothing is known of it: the plain message.
run "$BIN" build -o "$T/d5.tlv" --timestamp "$TS2" --sign-token "$T1" --sast-token "$T2" \
	--ccm-tftp "$C/pub.pem"
expect "(d) absent, no --from" 4 1 "$T2: no such token in $SOFTHSM (is it plugged in?"
plug

finish
