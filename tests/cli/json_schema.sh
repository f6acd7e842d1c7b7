#!/bin/sh
# json_schema.sh - every --json producer (show, verify, tokens list,
# check, cluster) over good and hostile input prints one document valid
# against its schema (docs/schema/, docs/json.md): good files, junk, cut
# files, an empty file, a missing file, a directory, names that are not
# UTF-8 inside and outside the file, several files mixing good and bad,
# usage errors, failures before any report. The cluster's reports from
# real nodes are checked by tests/cluster/*.sh with the same validator.
# Last, the validator itself is shown to fail on bad output.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
SCHEMAS=$HERE/../../docs/schema
VALIDATE=$HERE/json_validate.py
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import jsonschema' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || { echo "$0: python3-jsonschema is missing (scripts/deps.sh test)" >&2; exit 1; }
docs=0

# j WHAT COMMAND RC ARGS...: ctlsign ARGS exits RC and its stdout is one
# valid COMMAND document.
j() {
	what=$1 cmd=$2 want=$3
	shift 3
	run "$BIN" "$@"
	[ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want: $(head -c 300 "$T/err")"
	docs=$((docs + 1))
	"$PY" "$VALIDATE" "$SCHEMAS" "$cmd" "$T/out" || fail "$what: not a valid '$cmd' document"
}

# has WHAT EXPR: the Python expression EXPR holds for d, the last document.
has() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$2" ||
		fail "$1: $2 does not hold: $(head -c 600 "$T/out")"
}

# Inputs. Names with an OSC title, a C1 CSI, bidi controls and bytes that
# are not UTF-8, in the file and in its name (as text_hostile.sh).
bad=$(printf 'x\033]0;t\007\302\233\342\200\256\342\201\246\377y')
mkctl "$T/good.tlv"
cp "$DATA/golden/ITLFile.tlv" "$T/ITLFile.tlv"
cp "$DATA/golden/SEP001122334455.cnf.xml.sgn" "$T/SEP001122334455.cnf.xml.sgn"
cp "$DATA/golden/CTLFile.tlv" "$T/names.tlv"
off=$(grep -abo 'cucm-1051-a-sub1' "$T/names.tlv" | head -n 1 | cut -d: -f1)
poke "$T/names.tlv" "$off" 'x\033]0;t\007\302\233\342\200\256\377\300'
cp "$T/names.tlv" "$T/$bad.tlv"
cp "$T/good.tlv" "$T/ok-$bad.tlv"
printf 'junk' >"$T/junk.tlv"
: >"$T/empty.tlv"
head -c 1000 "$T/good.tlv" >"$T/cut.tlv"
cp "$T/good.tlv" "$T/forged.tlv"
flip "$T/forged.tlv" $(($(wc -c <"$T/good.tlv") - 3)) 1
mkdir "$T/dir.tlv" "$T/empty-dir"
# An encrypted configuration and its stub (docs/encrypted-config.md).
cp "$DATA/pub.key" "$T/pub.key"
chmod 600 "$T/pub.key"
printf '<device><fullConfig>true</fullConfig></device>\n' >"$T/SEPA45630BBFA40.cnf.xml"
run "$BIN" sgn encrypt "$T/SEPA45630BBFA40.cnf.xml" --phone-cert "$DATA/sub1.pem" \
	--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" --stub --timestamp "$TS"
expect "sgn encrypt (a fixture)" 0

# show: one document whatever the files; a failed file is an object with
# an error; the same shape for one file and for many.
j "show a CTL" show 0 show --json "$T/good.tlv"
has "show a CTL" 'len(d["files"]) == 1 and d["files"][0]["verified"] and d["files"][0]["signer"]["record"] >= 1'
j "show an ITL" show 0 show --json "$T/ITLFile.tlv"
j "show a .sgn without its cert" show 0 show --json "$T/SEP001122334455.cnf.xml.sgn"
has "show a .sgn without its cert" 'd["files"][0]["payload"]["length"] > 0 and d["files"][0]["verify_error"]["code"] >= 1'
j "show a .sgn" show 0 show --json --cert "$DATA/pub.pem" "$T/SEP001122334455.cnf.xml.sgn"
j "show an encrypted config" show 0 show --json --cert "$DATA/pub.pem" \
	"$T/SEPA45630BBFA40.cnf.xml.enc.sgn"
has "show an encrypted config" 'd["files"][0]["encryption"]["valid"] is True'
j "show a stub" show 0 show --json --cert "$DATA/pub.pem" "$T/SEPA45630BBFA40.cnf.xml.sgn"
has "show a stub" 'len(d["files"][0]["stub_cert_hash"]) == 32'
j "show a forged file" show 0 show --json "$T/forged.tlv"
has "show a forged file" 'd["files"][0]["verified"] is False and d["files"][0]["verify_error"]["class"] == "verify"'
j "show hostile names" show 0 show --json "$T/$bad.tlv"
has "show hostile names" 'd["files"][0]["path"].endswith("x\x1b]0;t\x07\x9b\u202e\u2066\ufffdy.tlv")'
has "show hostile names" 'any((r["dns"] or "").startswith("x\x1b]0;t\x07\x9b\u202e\ufffd\ufffd") for r in d["files"][0]["records"])'
for f in junk empty cut; do
	j "show $f" show 2 show --json "$T/$f.tlv"
	has "show $f" 'set(d["files"][0]) == {"path", "error"} and d["files"][0]["error"]["code"] == 2'
done
j "show a missing file" show 3 show --json "$T/nothere.tlv"
j "show a directory" show 3 show --json "$T/dir.tlv"
j "show several" show 3 show --json "$T/junk.tlv" "$T/good.tlv" "$T/nothere.tlv" \
	"$T/$bad.tlv" "$T/cut.tlv" "$T/dir.tlv" "$T/ok-$bad.tlv"
has "show several" '[f["error"] is None for f in d["files"]] == [False, True, False, True, False, False, True]'
j "show, no file" show 2 show --json
has "show, no file" 'd["error"]["class"] == "usage" and "files" not in d'
j "show, a bad option" show 2 show --json --bogus "$T/good.tlv"
j "show, a missing --cert" show 3 show --json --cert "$T/nothere.pem" "$T/good.tlv"

# verify: every file in order, skipped entries and empty directories too.
mkdir "$T/root" "$T/root/sub.tlv"
cp "$T/good.tlv" "$T/root/a.tlv"
cp "$T/junk.tlv" "$T/root/b.tlv"
cp "$T/forged.tlv" "$T/root/c.tlv"
cp "$T/good.tlv" "$T/root/$bad.tlv"
j "verify a file" verify 0 verify --json "$T/good.tlv"
has "verify a file" 'd["files"][0]["status"] == "valid" and d["summary"]["valid"] == 1'
j "verify a directory" verify 2 verify --json -j 2 "$T/root"
has "verify a directory" '[f["status"] for f in d["files"]] == ["valid", "malformed", "invalid", "skipped", "valid"]'
j "verify an empty directory" verify 2 verify --json "$T/empty-dir"
j "verify several" verify 3 verify --json "$T/junk.tlv" "$T/nothere.tlv" "$T/$bad.tlv" \
	"$T/ok-$bad.tlv" "$T/cut.tlv" "$T/empty.tlv"
has "verify several" 'd["summary"] == {"valid": 1, "invalid": 1, "malformed": 3, "unreadable": 1, "skipped": 0}'
j "verify -q" verify 0 verify --json -q "$T/good.tlv"
j "verify, no file" verify 2 verify --json
j "verify, bad -j" verify 2 verify --json -j 0 "$T/good.tlv"
j "verify, a missing --cert" verify 3 verify --json --cert "$T/nothere.pem" "$T/good.tlv"

# tokens list: SoftHSM2 tokens shaped like SAST eTokens.
FX=$T/fx
if sh "$HERE/../../softhsm-fixtures/make-tokens.sh" "$FX" --extra >/dev/null 2>"$T/fx.err"; then
	. "$FX/env.sh"
	j "tokens list" "tokens list" 0 tokens list --json
	has "tokens list" 'len(d["tokens"]) >= 2 and any(c["sast"] for t in d["tokens"] for c in t["certificates"])'
	j "tokens list a URI" "tokens list" 0 tokens list --json 'pkcs11:token=SAST-ADN0054f509'
	has "tokens list a URI" '[t["label"] for t in d["tokens"]] == ["SAST-ADN0054f509"]'
	j "tokens list, no such token" "tokens list" 4 tokens list --json 'pkcs11:token=nothere'
	has "tokens list, no such token" 'd["error"]["class"] == "token"'
else
	fail "softhsm-fixtures/make-tokens.sh failed: $(cat "$T/fx.err")"
fi
j "tokens list, no module" "tokens list" 4 tokens list --json --module "$T/nothere.so"
j "tokens list, a bad option" "tokens list" 2 tokens list --json --out "$T"

# cluster: what can be had without nodes (tests/cluster/ checks real ones).
cat >"$T/c.conf" <<EOF
[cluster]
known_hosts = known_hosts
timeout = 2
auth = agent
sftp_user = x
cli_user = y

[node n1]
role = publisher
host = 127.0.0.1
port = 1
tftp_port = 1

[node n2]
host = 127.0.0.1
port = 1
tftp_port = 1
EOF
: >"$T/known_hosts"
chmod 600 "$T/c.conf" "$T/known_hosts"
C=$T/c.conf
j "cluster status, no node" "cluster status" 5 cluster status --json -c "$C" --file "$bad.tlv"
has "cluster status, no node" 'd["identical"] is None and d["nodes"][0]["reachable"] is False and d["nodes"][0]["security_mode"] is None and d["nodes"][0]["served"] is None'
j "cluster distribute, no node" "cluster distribute" 5 cluster distribute --json -c "$C" "$T/good.tlv"
j "cluster distribute --dry-run, no node" "cluster distribute" 5 cluster distribute --json --dry-run -c "$C" "$T/good.tlv"
j "cluster distribute junk" "cluster distribute" 2 cluster distribute --json -c "$C" "$T/junk.tlv"
j "cluster distribute a forged file" "cluster distribute" 1 cluster distribute --json -c "$C" "$T/forged.tlv"
j "cluster fetch-certs, no node" "cluster fetch-certs" 5 cluster fetch-certs --json -c "$C" --out "$T"
j "cluster fetch-certs --trust, no node" "cluster fetch-certs" 5 cluster fetch-certs --json --trust -c "$C" --out "$T/trust-out"
j "cluster fetch-certs, no --out" "cluster fetch-certs" 2 cluster fetch-certs --json -c "$C"
j "cluster delete-file, no node" "cluster delete-file" 5 cluster delete-file --json -c "$C"
j "cluster set-mode, no node" "cluster set-mode" 5 cluster set-mode --json -c "$C" mixed
j "cluster update-ctl, no node" "cluster update-ctl" 5 cluster update-ctl --json -c "$C"
j "cluster, a bad subcommand" "cluster" 2 cluster --json -c "$C" nothing
j "cluster, no subcommand" "cluster" 2 cluster --json
j "cluster, no config file" "cluster status" 3 cluster status --json -c "$T/nothere.conf"
j "cluster, bad --jobs" "cluster" 2 cluster --json -j 0 status -c "$C"

# check (trust predictions; tests/trust has the cases).
j "check a new CTL" check 0 check --json "$T/good.tlv"
j "check a forged CTL" check 1 check --json "$T/forged.tlv"
j "check, a held file that is junk" check 2 check --json --ctl "$T/junk.tlv" "$T/good.tlv"
j "check, no file" check 2 check --json

[ "$docs" -ge 49 ] || fail "only $docs documents checked"

# The validator fails on output that breaks the contract: each of these
# must be refused (a validator that cannot fail proves nothing).
refuse() {
	printf '%s\n' "$3" >"$T/neg.json"
	if "$PY" "$VALIDATE" "$SCHEMAS" "$2" "$T/neg.json" 2>"$T/neg.err"; then
		fail "validator accepted $1"
	fi
}
run "$BIN" show --json "$T/good.tlv"
good=$(cat "$T/out")
refuse "the old invalid JSON of show" show '[,{"file":"x"}]'
refuse "a bare newline" show ''
refuse "two documents" show "$good$good"
refuse "no format_version" show "$(printf '%s' "$good" | sed 's/"format_version":1,//')"
refuse "\"signer\": \"\"" show "$(printf '%s' "$good" | sed 's/"signer":{[^}]*}/"signer":""/')"
refuse "key_bits -1" show "$(printf '%s' "$good" | sed 's/"key_bits":[0-9]*/"key_bits":-1/')"
refuse "an unknown member" show "$(printf '%s' "$good" | sed 's/"kind":/"colour":"red","kind":/')"
refuse "a raw C1 control" show "$(printf '%s' "$good" | sed "s/\"kind\":\"CTL\"/\"kind\":\"CTL\",\"dns\":\"$(printf '\302\233')\"/")"
refuse "a wrong command" verify "$good"
refuse "security_mode -1" "cluster set-mode" '{"format_version":1,"command":"cluster set-mode","error":null,"requested":"mixed","security_mode":-1}'
refuse "served as a string" "cluster status" '{"format_version":1,"command":"cluster status","error":null,"file":"f","identical":null,"nodes":[{"name":"n","host":"h","port":22,"reachable":false,"host_key_ok":null,"security_mode":null,"tftp_ok":false,"served":"unknown","valid":null,"signer":null,"error":null}]}'
refuse "a failed file with facts" show '{"format_version":1,"command":"show","error":null,"files":[{"path":"x","error":{"code":2,"class":"format","kind":null,"offset":null,"message":"m"},"kind":"CTL"}]}'
# ... and accepts the same shapes made right (the cases above fail for their fault).
printf '%s\n' '{"format_version":1,"command":"cluster status","error":null,"file":"f","identical":null,"nodes":[{"name":"n","host":"h","port":22,"reachable":false,"host_key_ok":null,"security_mode":null,"tftp_ok":false,"served":null,"valid":null,"signer":null,"error":null}]}' >"$T/pos.json"
"$PY" "$VALIDATE" "$SCHEMAS" "cluster status" "$T/pos.json" || fail "validator refused a valid status document"
finish
