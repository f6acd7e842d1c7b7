#!/bin/sh
# text_hostile.sh - untrusted text never reaches a terminal raw and every
# --json output stays valid JSON: file names and names inside a trust
# list (show), a token's label and a certificate's subject (tokens list),
# a file name in a cluster report (cluster status --json). The policy is
# one (trustlist/text.h, docs/ctlsign.1 OUTPUT): \xNN on a terminal; \uNNNN
# and U+FFFD (for bytes that are not UTF-8) in JSON.
. "$(dirname "$0")/lib.sh"

# json_ok WHAT: stdout is one valid JSON document (python3 reads it as UTF-8).
json_ok() {
	python3 -m json.tool "$T/out" >/dev/null 2>"$T/json.err" ||
		fail "$1: not valid JSON: $(cat "$T/json.err"): $(head -c 300 "$T/out")"
}

# A trust list whose names hold an OSC title, a C1 CSI, bidi controls and
# bytes that are not UTF-8, in a file whose own name holds the same.
bad=$(printf 'x\033]0;t\007\302\233\342\200\256\342\201\246\377y')
cp "$DATA/golden/CTLFile.tlv" "$T/names.tlv"
off=$(grep -abo 'cucm-1051-a-sub1' "$T/names.tlv" | head -n 1 | cut -d: -f1)
poke "$T/names.tlv" "$off" 'x\033]0;t\007\302\233\342\200\256\377\300'
cp "$T/names.tlv" "$T/$bad.tlv"
kor=$(printf '\355\231\215\352\270\270')
mkctl "$T/$kor.tlv" # valid UTF-8 (Korean) in a name passes unchanged
cp "$T/$kor.tlv" "$T/ok-$bad.tlv"

run "$BIN" show "$T/$bad.tlv"
expect "show a hostile file" 0 0
no_raw "show a hostile file"
grep -qF 'x\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xffy.tlv' "$T/out" ||
	fail "show: the file name is not escaped: $(head -n 1 "$T/out")"
grep -qF 'x\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xff\xc0' "$T/out" ||
	fail "show: the DNS name is not escaped: $(grep -a DNSNAME "$T/out")"
run "$BIN" show "$T/$kor.tlv"
grep -qF "$T/$kor.tlv" "$T/out" || fail "show: valid UTF-8 (Korean) did not pass unchanged"

run "$BIN" show --json "$T/$bad.tlv"
expect "show --json a hostile file" 0 0
json_ok "show --json a hostile file"
no_raw "show --json a hostile file"
python3 - "$T/out" <<'EOF' || fail "show --json: the names do not decode as documented"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
f = d["files"][0]
assert f["path"].endswith("x\x1b]0;t\x07\x9b\u202e\u2066\ufffdy.tlv"), f["path"]
dns = [r["dns"] for r in f["records"]]
assert any(n and n.startswith("x\x1b]0;t\x07\x9b\u202e\ufffd\ufffd") for n in dns), dns
EOF
run "$BIN" show --json "$T/$bad.tlv" "$T/$kor.tlv" "$T/nothere.tlv"
expect "show --json of several, one missing" 3 1 "cannot open"
json_ok "show --json of several files"
no_raw "show --json of several files"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["files"][1]["path"].endswith("/\ud64d\uae38.tlv")' "$T/out" ||
	fail "show --json: the Korean file name changed"
# The parse error names the hostile file: escaped as well.
head -c 1000 "$T/names.tlv" >"$T/$bad.cut.tlv"
run "$BIN" show "$T/$bad.cut.tlv"
expect "show a hostile, malformed file" 2 1 'x\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xffy.cut.tlv: record 1'
no_raw "show a hostile, malformed file"

# verify: the same file and its name (more in verify_dir.sh).
run "$BIN" verify "$T/ok-$bad.tlv" "$T/$bad.cut.tlv" "$T/$kor.tlv"
expect "verify hostile files" 2 1 'x\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xffy.cut.tlv: record 1'
no_raw "verify hostile files"
grep -qF 'ok-x\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xffy.tlv: OK' "$T/out" ||
	fail "verify: the name is not escaped: $(cat "$T/out")"
grep -qF "$T/$kor.tlv: OK" "$T/out" || fail "verify: the Korean name changed: $(cat "$T/out")"

# Every other command's messages go through the same sanitizer (cmd_fail,
# cmd_warn, cmd_usage_error): check, build, sgn, a usage error.
run "$BIN" check --ctl "$T/$bad.cut.tlv" "$T/$kor.tlv"
expect "check with a hostile held file" 2 1 'x\x1b]0;t\x07\xc2\x9b'
no_raw "check with a hostile held file"
# (names.tlv had its names changed: its signature no longer verifies)
run "$BIN" check "$T/$bad.tlv"
expect "check a hostile file" 1 1 'x\x1b]0;t\x07\xc2\x9b' "REJECTED: does not verify"
no_raw "check a hostile file"
run "$BIN" build -o "$T/o.tlv" --from "$T/$bad.tlv" --sign-key "$T/$bad.key" --sign-cert "$DATA/pub.pem"
expect "build with hostile paths" 1 1 'x\x1b]0;t\x07\xc2\x9b'
no_raw "build with hostile paths"
run "$BIN" sgn verify --cert "$T/$bad.pem" "$T/$bad.tlv"
expect "sgn verify with hostile paths" 3 1 'x\x1b]0;t\x07\xc2\x9b'
no_raw "sgn verify with hostile paths"

# cluster status --json: a file name that is not UTF-8 (the node is not
# there; no server is started).
cat >"$T/c.conf" <<EOF
[cluster]
known_hosts = known_hosts
timeout = 2
auth = agent
sftp_user = x

[node n1]
host = 127.0.0.1
port = 1
tftp_port = 1
EOF
: >"$T/known_hosts"
chmod 600 "$T/c.conf" "$T/known_hosts"
run timeout 30 "$BIN" cluster status -c "$T/c.conf" --json --file "$bad.tlv"
[ "$rc" -eq 5 ] || fail "cluster status --json: exit $rc, expected 5: $(cat "$T/err")"
json_ok "cluster status --json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["file"]=="x\x1b]0;t\x07\x9b\u202e\u2066\ufffdy.tlv", d["file"]' "$T/out" ||
	fail "cluster status --json: the file name does not decode as documented: $(cat "$T/out")"
# The text report and its messages: a host from the config and the file
# name, both hostile (node names are letters, digits, - _ . only).
sed "s|^host = .*|host = h$bad|" "$T/c.conf" >"$T/c2.conf"
chmod 600 "$T/c2.conf"
run timeout 30 "$BIN" cluster status -c "$T/c2.conf" --file "$bad.tlv"
grep -qF '(hx\x1b]0;t\x07\xc2\x9b' "$T/out" || fail "cluster status: the host is not escaped: $(cat "$T/out")"
no_raw "cluster status with a hostile config"
run timeout 30 "$BIN" cluster distribute -c "$T/c2.conf" --dry-run "$T/$kor.tlv"
grep -qF 'hx\x1b]0;t\x07\xc2\x9b' "$T/err" || fail "cluster distribute: the host is not escaped: $(cat "$T/err")"
no_raw "cluster distribute with a hostile config"
# Success lines name the files: build, sgn sign, check.
cp "$DATA/pub.key" "$T/k.key"
chmod 600 "$T/k.key"
run "$BIN" build -o "$T/o-$bad.tlv" --sign-key "$T/k.key" --sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem"
expect "build to a hostile name" 0
grep -qF 'o-x\x1b]0;t\x07\xc2\x9b' "$T/out" || fail "build: the name is not escaped: $(cat "$T/out")"
no_raw "build to a hostile name"
printf '<x/>' >"$T/c-$bad.xml"
run "$BIN" sgn sign "$T/c-$bad.xml" --sign-key "$T/k.key" --sign-cert "$DATA/pub.pem"
expect "sgn sign a hostile name" 0
grep -qF 'c-x\x1b]0;t\x07\xc2\x9b' "$T/out" || fail "sgn sign: the name is not escaped: $(cat "$T/out")"
no_raw "sgn sign a hostile name"
run "$BIN" check "$T/o-$bad.tlv"
expect "check a hostile name" 0
grep -qF 'o-x\x1b]0;t\x07\xc2\x9b' "$T/out" || fail "check: the name is not escaped: $(cat "$T/out")"
no_raw "check a hostile name"
# A newline in a name cannot start a line of its own (a forged report line).
nl=$(printf 'n\nCTLFile.tlv: OK')
run "$BIN" build -o "$T/$nl.tlv" --sign-key "$T/k.key" --sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem"
expect "build to a name with a newline" 0
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "a newline in a name split the report line: $(cat "$T/out")"
grep -qF 'n\x0aCTLFile.tlv: OK.tlv: ' "$T/out" || fail "the newline is not shown as \x0a: $(cat "$T/out")"
run "$BIN" verify "--x$nl"
expect "an option with a newline" 2 2 "'--xn\x0aCTLFile.tlv: OK'"

# getopt's own messages would echo an option raw.
run "$BIN" verify "--x$bad"
expect "a hostile option" 2
no_raw "a hostile option"
run "$BIN" "x$bad"
expect "a hostile command" 2
no_raw "a hostile command"

# tokens list: a token label and a certificate subject with the same
# bytes, on a SoftHSM2 token of this test's own.
M=
for m in /usr/lib/softhsm/libsofthsm2.so \
	/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$m" ] && M=$m && break
done
if [ -z "$M" ] || ! command -v softhsm2-util >/dev/null || ! command -v pkcs11-tool >/dev/null; then
	echo "$0: no SoftHSM2 or pkcs11-tool: tokens list not tested" >&2
	finish
	exit 0
fi
mkdir "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$T/tokens" >"$T/softhsm2.conf"
SOFTHSM2_CONF=$T/softhsm2.conf
export SOFTHSM2_CONF
label=$(printf 'ev\033]0;t\007\302\233\342\200\256\377')
softhsm2-util --init-token --free --label "$label" --pin 1234 --so-pin 12345678 >/dev/null
slot=$(softhsm2-util --show-slots | sed -n 's/^Slot \([0-9]*\)$/\1/p' | head -n 1)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tk.key" -outform DER \
	-out "$T/tk.der" -days 10 -utf8 \
	-subj "/CN=$(printf 'SAST\033[2J\302\233\342\200\256x')/O=$(printf '\355\231\215')" 2>/dev/null
pkcs11-tool --module "$M" --slot "$slot" --login --pin 1234 --write-object "$T/tk.der" \
	--type cert --id 01 --label "$label" >/dev/null 2>&1
run "$BIN" tokens list --module "$M"
expect "tokens list with hostile labels" 0 0
no_raw "tokens list with hostile labels"
grep -qF 'token ev\x1b]0;t\x07\xc2\x9b\xe2\x80\xae\xff' "$T/out" ||
	fail "tokens list: the label is not escaped: $(cat "$T/out")"
grep -qF "subject CN=SAST\\x1b[2J\\xc2\\x9b\\xe2\\x80\\xaex;O=$(printf '\355\231\215')" "$T/out" ||
	fail "tokens list: the subject is not escaped: $(cat "$T/out")"

finish
