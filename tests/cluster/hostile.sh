#!/bin/sh
# hostile.sh - a node whose admin CLI is hostile (flags of the stand-in,
# tests/cluster/fake-cucm-cli): a broken escape before the `admin:`
# prompt, the prompt's text in the middle of a line, a NUL byte in its
# answers, trust entries too long for a file name, a list that never
# ends (and a signal meanwhile: nothing left beside --out); and
# `delete-file --file` with a pattern, refused before any node is
# contacted.
. "$(dirname "$0")/common.sh"
H_TIMEOUT=2
h_init 29
h_node 1
h_known_hosts 1
h_conf "$H/c.conf" 1
C="$H/c.conf"
N="$H/n1"

# The prompt after a broken escape (ESC [ admin:), no echo: never taken
# for the prompt (it was: removing "ESC[a" as an escape left "dmin:",
# and cutting the prompt's 6 bytes from 5 ran off the buffer's start).
touch "$N/no_echo" "$N/esc_prompt"
run "$BIN" cluster fetch-certs -c "$C" --out "$H/esc"
expect "broken escape before the prompt" 5 "node n1 (" \
	"asks a question ctlsign does not answer"
[ -z "$(find "$H/esc" -type f 2>/dev/null)" ] || fail "broken escape: files written: $(find "$H/esc" -type f)"
rm -f "$N/no_echo" "$N/esc_prompt"

# "admin:" ending a line of output, its line end a moment later: output,
# not the prompt; every certificate arrives whole.
touch "$N/admin_in_subject"
run "$BIN" cluster fetch-certs -c "$C" --out "$H/mid"
expect "admin: in the middle of the output" 0 "n1: 4 certificate(s)"
cmp -s "$H/mid/n1/CallManager.pem" "$DATA/pub.pem" || fail "admin: mid-line: CallManager.pem differs"
cmp -s "$H/mid/n1/TVS.pem" "$DATA/tvs.pem" || fail "admin: mid-line: TVS.pem differs"
rm -f "$N/admin_in_subject"

# A small trust store; then a NUL byte in the list: refused, not cut.
mkdir -p "$N/trust/CallManager-trust" "$N/trust/tomcat-trust"
cp "$DATA/capf.pem" "$N/trust/CallManager-trust/a.pem"
cp "$DATA/tvs.pem" "$N/trust/tomcat-trust/b.pem"
run "$BIN" cluster fetch-certs --trust -c "$C" --out "$H/trust"
expect "small trust store" 0 "n1: 2 trust certificate(s)"
printf '\000tomcat-trust/hidden.pem: Trust Certificate\n' >"$N/trust_extra"
run "$BIN" cluster fetch-certs --trust -c "$C" --out "$H/trust-nul"
expect "NUL in the trust list" 5 "node n1 (" "the admin CLI sent a NUL byte" "show cert list trust"
[ ! -e "$H/trust-nul" ] || fail "NUL in the trust list: $H/trust-nul made: $(ls -A "$H/trust-nul")"
rm -f "$N/trust_extra"

# A name too long for a file here (UNIT__NAME.pem and the writer's
# temporary suffix over NAME_MAX): refused by name, nothing written.
u=$(printf 'U%.0s' $(seq 1 120))
nm=$(printf 'N%.0s' $(seq 1 130))
mkdir -p "$N/trust/$u"
cp "$DATA/capf.pem" "$N/trust/$u/$nm.pem"
run "$BIN" cluster fetch-certs --trust -c "$C" --out "$H/trust-long"
expect "trust name over NAME_MAX" 5 "refusing the trust store" "$u/$nm.pem" \
	"too long for a file name here"
[ ! -e "$H/trust-long" ] || fail "trust name over NAME_MAX: $H/trust-long made"
ls -A "$H" | grep -q '\.tmp\.' && fail "trust name over NAME_MAX: left $(ls -A "$H" | grep '\.tmp\.')"
rm -rf "$N/trust/$u"

# A list that never ends; a signal meanwhile: the process dies of it and
# nothing is left beside --out (no staging directory before every
# certificate is in memory).
touch "$N/endless_list"
rm -f "$N/commands"
mkdir "$H/parent"
set +e
"$BIN" cluster fetch-certs --trust -c "$C" --out "$H/parent/store" >"$H/out" 2>"$H/err" &
pid=$!
set -e
wait_for "$N/commands" 'show cert list trust' || true
sleep 0.5
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" -eq 143 ] || fail "signal during fetch-certs --trust: exit $rc, expected 143 (SIGTERM): $(cat "$H/err")"
[ -z "$(ls -A "$H/parent")" ] || fail "signal during fetch-certs --trust: left $(ls -A "$H/parent")"
rm -f "$N/endless_list"

# delete-file --file with a pattern (`file delete` takes wildcards and
# its question is answered): usage error, no node contacted.
cp "$DATA/capf.pem" "$N/tftp/CTLFile.tlv"
before=$(wc -l <"$N/commands")
for f in '*' 'CTL?ile.tlv' '[C]TLFile.tlv' '-rf' '.hidden' 'a b' 'x/y'; do
	run "$BIN" cluster delete-file -c "$C" --file "$f"
	expect "delete-file --file '$f'" 2 "is not a plain file name"
done
[ "$(wc -l <"$N/commands")" -eq "$before" ] ||
	fail "delete-file with a pattern reached the node: $(tail -n 3 "$N/commands")"
[ -f "$N/tftp/CTLFile.tlv" ] || fail "delete-file with a pattern deleted CTLFile.tlv"
run "$BIN" cluster delete-file -c "$C" --file CTLFile.tlv
expect "delete-file --file CTLFile.tlv" 0 "n1: file delete tftp CTLFile.tlv: found 1, deleted 1"

# A confirmation with a NUL and more after it is not the question: the
# NUL is refused, nothing is answered, no CTL is built.
run "$BIN" cluster set-mode -c "$C" mixed
expect "set-mode mixed" 0 "cluster security mode: 1 (mixed)"
m1=$(h_md5 1)
printf 'This operation updates the CTLFile. Do you want to continue? (y/n):\000junk' >"$N/odd_question"
run "$BIN" cluster update-ctl -c "$C"
expect "question with a NUL" 5 "the admin CLI sent a NUL byte"
holds 1 "$m1" "question with a NUL (no CTL rebuilt)"
rm -f "$N/odd_question"
finish
