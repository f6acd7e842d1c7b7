#!/bin/sh
# enc.sh - `sgn encrypt`, `sgn decrypt` and `show` of encrypted phone
# configuration files (docs/encrypted-config.md): a round trip for an
# RSA-1024 and an RSA-2048 phone key; every hostile input (wrong phone
# key, wrong TFTP certificate, altered ciphertext or IV, cut files,
# lengths that lie) refused with its documented exit code, one line,
# and no plaintext file, not even a temporary one.
. "$(dirname "$0")/lib.sh"

for k in pub sub1 tvs capf itlrecovery; do
	cp "$DATA/$k.key" "$T/$k.key"
	chmod 600 "$T/$k.key"
done
sign="--sign-key $T/pub.key --sign-cert $DATA/pub.pem"
mkdir "$T/tftp"
cfg=$T/tftp/SEPA45630BBFA40.cnf.xml
cat >"$cfg" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<device>
<fullConfig>true</fullConfig>
<loadInformation>SIP75.9-3-1SR2-1S</loadInformation>
<ipAddressMode>0</ipAddressMode>
<capfAuthMode>0</capfAuthMode>
<capfList>
<capf>
<phonePort>3804</phonePort>
<processNodeName>10.48.46.4</processNodeName>
</capf>
</capfList>
<sshUserId>admin</sshUserId>
<sshPassword>secret</sshPassword>
</device>
EOF
enc=$cfg.enc.sgn
stub=$cfg.sgn
out=$T/plain.xml

# offset FILE TAG: the file offset of the first header element TAG.
offset() {
	python3 - "$1" "$2" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
hl = int.from_bytes(d[8:10], 'big')
i = 10
while i < hl:
    t = d[i]
    if t == 13:
        i += 1
        continue
    if t == int(sys.argv[2]):
        print(i)
        sys.exit(0)
    n = int.from_bytes(d[i + 1:i + 3], 'big')
    i += 3 if t in (3, 7, 9, 16, 17, 21) else 3 + n
sys.exit(1)
EOF
}

# refused WHAT RC FILE [TEXT...]: decrypt FILE exits RC with one line
# holding each TEXT, and leaves no output and no temporary file.
refused() {
	what=$1 want=$2 file=$3
	shift 3
	rm -f "$out"
	run "$BIN" sgn decrypt "$file" --phone-key "${KEY:-$T/tvs.key}" \
		--cert "${CERT:-$DATA/pub.pem}" -o "$out"
	expect "$what" "$want" 1 "$@"
	[ ! -e "$out" ] || fail "$what: plaintext written"
	no_tmp "$T" "$what"
}

for phone in sub1 tvs; do
	for dg in sha1 sha256 sha512; do
		rm -f "$enc" "$stub"
		run "$BIN" sgn encrypt "$cfg" --phone-cert "$DATA/$phone.pem" $sign \
			--digest "$dg" --stub --timestamp "$TS"
		expect "encrypt $phone $dg" 0
		run "$BIN" sgn decrypt "$enc" --phone-key "$T/$phone.key" \
			--cert "$DATA/pub.pem" -o "$out"
		expect "decrypt $phone $dg" 0
		cmp -s "$out" "$cfg" || fail "decrypt $phone $dg: not the configuration"
	done
	md5=$(openssl x509 -in "$DATA/$phone.pem" -outform DER | md5sum | cut -c1-32)
	run "$BIN" show "$enc" --cert "$DATA/pub.pem"
	expect "show $phone" 0
	grep -q "^2[0-9] *tag\|^1[6-9] *tag" "$T/out" && fail "show $phone: an unnamed element"
	for name in ENCRYPTIONINFO ENCIVINFO ENCIVRESERVED ENCIV ENCPADLENGTH ENCKEYINFO \
		ENCKEYRESERVED ENCKEYSIZE ENCKEYALGORITHM ENCKEY ENCHASHALGORITHM ENCHASH; do
		grep -q "^[0-9]* *$name " "$T/out" || fail "show $phone: no $name line"
	done
	grep -q "Phone certificate MD5 expected (certHash of .*): $md5\$" "$T/out" ||
		fail "show $phone: not the phone certificate's MD5 $md5: $(grep MD5 "$T/out")"
	grep -q "verified successfully" "$T/out" || fail "show $phone: not verified"
	run "$BIN" show --json "$enc" --cert "$DATA/pub.pem"
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["files"][0]["encryption"]; sys.exit(e["phone_cert_md5"] != sys.argv[2] or not e["valid"])' \
		"$T/out" "$md5" || fail "show --json $phone: $(cat "$T/out")"
	run "$BIN" sgn verify "$stub" --cert "$DATA/pub.pem" --extract "$T/stub.xml"
	expect "stub verifies" 0
	grep -q "<certHash>$md5</certHash>" "$T/stub.xml" || fail "stub: no certHash $md5"
	grep -q "<fullConfig>False</fullConfig>" "$T/stub.xml" || fail "stub: no fullConfig False"
	grep -q "sshPassword" "$T/stub.xml" && fail "stub: the configuration leaked into the stub"
	run "$BIN" show "$stub" --cert "$DATA/pub.pem"
	grep -q "certHash) $md5" "$T/out" || fail "show stub: no certHash"
done
perm=$(stat -c %a "$out")
[ "$perm" = 600 ] || fail "decrypted configuration has mode $perm, expected 600"

# The default names: CONFIG.enc.sgn in, CONFIG out.
mkdir "$T/d"
cp "$enc" "$T/d/SEP1.cnf.xml.enc.sgn"
run "$BIN" sgn decrypt "$T/d/SEP1.cnf.xml.enc.sgn" --phone-key "$T/tvs.key" --cert "$DATA/pub.pem"
expect "decrypt default name" 0
cmp -s "$T/d/SEP1.cnf.xml" "$cfg" || fail "decrypt default name: not the configuration"

# Wrong keys and certificates: exit 1.
# (With OpenSSL 3.2's implicit rejection a wrong key can unwrap to random
# bytes; then it is the digest that does not match. Exit 1 either way.)
KEY=$T/itlrecovery.key refused "another phone's key" 1 "$enc" "at offset"
KEY=$T/sub1.key refused "a key of another size" 1 "$enc" "ENCKEY at offset" "1024-bit"
CERT=$DATA/tvs.pem refused "another TFTP certificate" 1 "$enc"

# An existing output is left as it was.
echo old >"$out"
run "$BIN" sgn decrypt "$enc" --phone-key "$T/itlrecovery.key" --cert "$DATA/pub.pem" -o "$out"
expect "failed decrypt over a file" 1
[ "$(cat "$out")" = old ] || fail "failed decrypt replaced the output"

# Altered bytes without the TFTP key: the signature stops them (exit 1).
len=$(wc -c <"$enc")
for what in ciphertext iv key hash; do
	cp "$enc" "$T/bad.enc.sgn"
	case $what in
	ciphertext) flip "$T/bad.enc.sgn" $((len - 1)) 1 ;;
	iv) flip "$T/bad.enc.sgn" $(($(offset "$enc" 19) + 3)) 4 ;;
	key) flip "$T/bad.enc.sgn" $(($(offset "$enc" 25) + 10)) 4 ;;
	hash) flip "$T/bad.enc.sgn" $(($(offset "$enc" 27) + 3)) 4 ;;
	esac
	refused "altered $what" 1 "$T/bad.enc.sgn" "signature"
done

# Malformed headers: exit 2, naming the element and its offset.
ks=$(offset "$enc" 23)
cp "$enc" "$T/bad.enc.sgn"; poke "$T/bad.enc.sgn" $((ks + 3)) '\007\370'
refused "ENCKEYSIZE that lies" 2 "$T/bad.enc.sgn" "ENCKEY at offset $(offset "$enc" 25)" "ENCKEYSIZE at offset $ks"
pl=$(offset "$enc" 20)
cp "$enc" "$T/bad.enc.sgn"; poke "$T/bad.enc.sgn" $((pl + 3)) '\000\021'
refused "ENCPADLENGTH 17" 2 "$T/bad.enc.sgn" "ENCPADLENGTH at offset $pl"
cp "$enc" "$T/bad.enc.sgn"; poke "$T/bad.enc.sgn" $((pl + 1)) '\377\377'
refused "ENCPADLENGTH overrunning its group" 2 "$T/bad.enc.sgn" "ENCPADLENGTH at offset $pl" "overruns"
iv=$(offset "$enc" 19)
cp "$enc" "$T/bad.enc.sgn"; poke "$T/bad.enc.sgn" $((iv + 1)) '\000\017'
refused "ENCIV of 15 bytes" 2 "$T/bad.enc.sgn" "at offset"
hs=$(offset "$enc" 26)
cp "$enc" "$T/bad.enc.sgn"; poke "$T/bad.enc.sgn" $((hs + 3)) '\011'
refused "unknown ENCHASHALGORITHM" 2 "$T/bad.enc.sgn" "ENCHASHALGORITHM at offset $hs"
hl=$(od -An -tu1 -j8 -N2 "$enc" | awk '{print $1 * 256 + $2}')
for n in 5 $((ks + 2)) $(($(offset "$enc" 25) + 100)) $((hl + 7)) $((len - 1)); do
	head -c "$n" "$enc" >"$T/cut.enc.sgn"
	refused "cut at $n" 2 "$T/cut.enc.sgn"
done

# Usage: exit 2, nothing written.
run "$BIN" sgn encrypt "$cfg" $sign
expect "encrypt without --phone-cert" 2
run "$BIN" sgn encrypt "$cfg" --phone-cert "$DATA/tvs.pem" $sign --stub -o "$T/x.bin"
expect "--stub with an odd output name" 2
[ ! -e "$T/x.bin" ] || fail "--stub with an odd output name: wrote the file"
run "$BIN" sgn encrypt "$cfg" --phone-cert "$DATA/ec.pem" $sign -o "$T/ec.enc.sgn"
expect "an EC phone certificate" 2 1 "not an RSA key"
[ ! -e "$T/ec.enc.sgn" ] || fail "EC phone certificate: wrote the file"
run "$BIN" sgn decrypt "$enc" --phone-key "pkcs11:token=phone;pin-value=1234" --cert "$DATA/pub.pem" -o "$out"
expect "a PIN in the phone key's URI" 2
grep -q 1234 "$T/err" && fail "the PIN in the URI was repeated"
run "$BIN" sgn decrypt "$T/d/SEP1.cnf.xml" --phone-key "$T/tvs.key" --cert "$DATA/pub.pem"
expect "decrypt of a name without .enc.sgn and no -o" 2
no_raw "enc"
finish
