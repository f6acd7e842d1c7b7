#!/bin/sh
# cli.sh - the admin CLI as it really behaves (the stand-in pages by
# default, prints its login banner, asks the seed's exact questions):
# fetch-certs through both pagers, also when `set cli pagination off`
# does not take; the trust store of 200 certificates (fetch-certs
# --trust), its names from the node refused when not plain; a question
# ctlsign does not know stops the command and is named; `file delete
# tftp` answered as the seed shows (delete-file).
. "$(dirname "$0")/common.sh"
H_TIMEOUT=2
h_init 25
for i in 1 2 3; do h_node "$i"; done
h_known_hosts 1 2 3
h_conf "$H/c.conf" 3
C="$H/c.conf"

# fetch-certs: each `show cert own` answer is ~57 lines, more than a
# page. Pagination off (n1, default pager), and the stand-in's pagers
# when `set cli pagination off` does not take: n2 the "Press <enter>"
# pager, n3 the "options:" pager, 20-line pages.
echo 20 >"$H/n2/pager_rows"
touch "$H/n2/sticky_pager"
echo 20 >"$H/n3/pager_rows"
touch "$H/n3/sticky_pager"
echo options >"$H/n3/pager"
t0=$(now)
run "$BIN" cluster fetch-certs -c "$C" --out "$H/certs"
t1=$(now)
expect "fetch-certs through pagers" 0 "n1: 4 certificate(s)" "n2: 4 certificate(s)" "n3: 4 certificate(s)"
echo "timing: fetch-certs, 3 nodes (2 paging, 20-line pages): $(took "$t0" "$t1") s"
cmp -s "$H/certs/n1/CallManager.pem" "$DATA/pub.pem" || fail "fetch-certs: n1 CallManager.pem differs"
cmp -s "$H/certs/n2/CallManager.pem" "$DATA/sub1.pem" || fail "fetch-certs: n2 CallManager.pem differs (Press pager)"
cmp -s "$H/certs/n3/CallManager.pem" "$DATA/sub1.pem" || fail "fetch-certs: n3 CallManager.pem differs (options pager)"
for c in CAPF TVS ITLRecovery; do
	cmp -s "$H/certs/n3/$c.pem" "$DATA/$(echo "$c" | tr 'A-Z' 'a-z').pem" ||
		fail "fetch-certs: n3 $c.pem differs"
done

# The trust store: 200 certificates in four units on the publisher.
mkdir -p "$H/n1/trust/CallManager-trust" "$H/n1/trust/Phone-SAST-trust" \
	"$H/n1/trust/CAPF-trust" "$H/n1/trust/tomcat-trust"
for i in $(seq 1 200); do
	case $((i % 4)) in
	0) u=CallManager-trust ;; 1) u=Phone-SAST-trust ;; 2) u=CAPF-trust ;; 3) u=tomcat-trust ;;
	esac
	openssl req -x509 -key "$DATA/capf.key" -subj "/CN=trust-$i/O=Cisco" -days 3650 \
		-set_serial "$i" -out "$H/n1/trust/$u/cert_$i.pem" 2>/dev/null
done
t0=$(now)
run "$BIN" cluster fetch-certs --trust -c "$C" --out "$H/trust"
t1=$(now)
expect "fetch-certs --trust" 0 "n1: 200 trust certificate(s)"
echo "timing: fetch-certs --trust, 200 certificates, pagination off: $(took "$t0" "$t1") s"
[ "$(ls "$H/trust" | wc -l)" -eq 200 ] || fail "fetch-certs --trust: $(ls "$H/trust" | wc -l) files"
[ -z "$(find "$H/trust" -mindepth 1 -type d)" ] || fail "fetch-certs --trust made subdirectories"
for f in "$H"/n1/trust/*/*.pem; do
	u=$(basename "$(dirname "$f")")
	cmp -s "$f" "$H/trust/${u}__$(basename "$f")" || { fail "trust: ${u}__$(basename "$f") differs"; break; }
done
# The same through the options pager, pagination off refused, 20-line
# pages: the list alone is ten pages.
echo 20 >"$H/n1/pager_rows"
touch "$H/n1/sticky_pager"
echo options >"$H/n1/pager"
t0=$(now)
run "$BIN" cluster fetch-certs --trust -c "$C" --out "$H/trust-paged"
t1=$(now)
expect "fetch-certs --trust, paging" 0 "n1: 200 trust certificate(s)"
echo "timing: fetch-certs --trust, 200 certificates, every answer paged: $(took "$t0" "$t1") s"
[ "$(ls "$H/trust-paged" | wc -l)" -eq 200 ] || fail "fetch-certs --trust, paging: $(ls "$H/trust-paged" | wc -l) files"
cmp -s "$H/trust/CAPF-trust__cert_2.pem" "$H/trust-paged/CAPF-trust__cert_2.pem" ||
	fail "fetch-certs --trust, paging: CAPF-trust__cert_2.pem differs"
rm -f "$H/n1/pager_rows" "$H/n1/sticky_pager" "$H/n1/pager"

# A node naming its certificates with a path: refused, nothing written.
printf 'CallManager-trust/../../../etc/evil.pem: Trust Certificate\n' >"$H/n1/trust_extra"
run "$BIN" cluster fetch-certs --trust -c "$C" --out "$H/trust-evil"
expect "trust names with a path" 5 "refusing the trust store" "not a plain UNIT/NAME.pem"
[ -z "$(ls -A "$H/trust-evil" 2>/dev/null)" ] || fail "trust names with a path: files written: $(ls "$H/trust-evil")"
printf 'CallManager-trust/a\001b.pem: Trust Certificate\n' >"$H/n1/trust_extra"
run "$BIN" cluster fetch-certs --trust -c "$C" --out "$H/trust-evil"
expect "trust names with a control character" 5 "refusing the trust store" '\x01'
[ -z "$(ls -A "$H/trust-evil" 2>/dev/null)" ] || fail "trust names with a control character: files written"
rm -f "$H/n1/trust_extra"

# A question ctlsign does not know: never answered; the command stops
# with its text once the CLI has been silent for the timeout.
run "$BIN" cluster set-mode -c "$C" mixed
expect "set-mode mixed" 0 "cluster security mode: 1 (mixed)"
m1=$(h_md5 1)
echo 'This will restart every phone. Proceed anyway? (yes/no):' >"$H/n1/odd_question"
t0=$(now)
run "$BIN" cluster update-ctl -c "$C"
t1=$(now)
expect "unknown question" 5 "asks a question ctlsign does not answer" \
	"Proceed anyway? (yes/no):"
echo "timing: unknown question stopped after $(took "$t0" "$t1") s (timeout 2 s)"
holds 1 "$m1" "unknown question (no CTL rebuilt)"
rm -f "$H/n1/odd_question"

# file delete tftp, answered as the seed shows it, on every node.
for i in 1 2 3; do [ "$(h_md5 "$i")" != none ] || fail "no CTL on node $i before delete-file"; done
run "$BIN" cluster delete-file -c "$C" --restart-services
expect "delete-file" 0 "n1: file delete tftp CTLFile.tlv: found 1, deleted 1" \
	"n3: file delete tftp CTLFile.tlv: found 1, deleted 1; Cisco Tftp restarted"
for i in 1 2 3; do holds "$i" none "delete-file"; done
run "$BIN" cluster delete-file -c "$C" --json
expect "delete-file again" 0
json_valid "cluster delete-file" "delete-file --json"
python3 - "$H/out" <<'PY' || fail "delete-file --json: $(cat "$H/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["command"] == "cluster delete-file" and r["file"] == "CTLFile.tlv"
assert [n["found"] for n in r["nodes"]] == [0, 0, 0], r
PY
finish
