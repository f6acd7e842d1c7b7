#!/bin/sh
# forgery.sh - issue 7, items 1 and 2: a file signed by someone else's key
# is never called trusted, built on, accepted by check or distributed.
# The attacker's files come from ctlsign_forge ($FORGE), which signs them
# with the real engine and a real key (tests/forge.c says what each is).
. "$(dirname "$0")/lib.sh"
[ -n "${FORGE:-}" ] || { echo "FORGE (ctlsign_forge) not set" >&2; exit 2; }
F=$T/forge
mkdir "$F"
"$FORGE" "$DATA" "$F"
cp "$DATA/pub.key" "$T/pub.key"
chmod 600 "$T/pub.key"

# no_accept WHAT: check said nothing reassuring about the forged file.
no_accept() {
	if grep -q "accepted" "$T/out" "$T/err"; then
		fail "$1: called accepted: $(cat "$T/out" "$T/err")"
	fi
}

# The honest files verify, and check accepts the honest successor.
run "$BIN" verify "$F/current.tlv" "$F/current-itl.tlv" "$F/next.tlv"
expect "honest files verify" 0
run "$BIN" check --ctl "$F/current.tlv" "$F/next.tlv"
expect "honest successor" 0
grep -q "accepted" "$T/out" || fail "honest successor not accepted: $(cat "$T/out")"

# 1. A signer identified by its CERTHASH, verified with another key.
for f in forged-hash forged-itl forged-bare; do
	run "$BIN" verify "$f" "$F/$f.tlv"
	run "$BIN" verify "$F/$f.tlv"
	expect "verify $f" 1 1 "the signer carries no CERTIFICATE"
	grep -q ": OK" "$T/out" && fail "verify $f printed OK"
	run "$BIN" show "$F/$f.tlv"
	grep -q "verified successfully" "$T/out" &&
		fail "show $f says it verified"
	grep -q "could not be verified: record 1 at offset [0-9]*: the signer carries no CERTIFICATE" "$T/out" ||
		fail "show $f does not say why it fails: $(tail -n 2 "$T/out")"
	run "$BIN" show --json "$F/$f.tlv"
	grep -q '"verified":false' "$T/out" || fail "show --json $f: not \"verified\":false"
	run "$BIN" check --ctl "$F/current.tlv" --itl "$F/current-itl.tlv" "$F/$f.tlv"
	expect "check $f" 1 1 "REJECTED: does not verify" "no CERTIFICATE"
	no_accept "check $f"
done
grep -q "a bare PUBLICKEY cannot prove who signed" "$T/err" ||
	fail "forged-bare names the wrong thing: $(cat "$T/err")"
run "$BIN" verify "$F/forged-hash.tlv"
expect "forged-hash names the hash" 1 1 "a CERTHASH cannot prove who signed"

# A look-alike certificate (pub's subject, issuer and serial, another key)
# makes a valid file, but it is not pub: phones holding current.tlv do not
# take it directly.
run "$BIN" verify "$F/lookalike.tlv"
expect "look-alike file verifies" 0
run "$BIN" check --ctl "$F/current.tlv" "$F/lookalike.tlv"
expect "look-alike judged" 1
no_accept "check look-alike"
run "$BIN" check --itl "$F/current-itl.tlv" "$F/lookalike.tlv"
no_accept "check look-alike against the ITL"

# A record whose PUBLICKEY is not its certificate's key fails anywhere.
run "$BIN" verify "$F/pubkey-swap.tlv"
expect "PUBLICKEY swapped" 1 1 "record 3 at offset" "PUBLICKEY does not match its CERTIFICATE"

# 2. Nothing unverified is built on: --from and check's held files.
cp "$F/current.tlv" "$T/tampered.tlv"
# The header is 336 bytes; the first record's DNSNAME value starts at 344
# (after RECORDLENGTH, 5 bytes, and DNSNAME's tag and length).
flip "$T/tampered.tlv" 346 1
run "$BIN" verify "$T/tampered.tlv"
expect "tampered verify" 1
for from in "$T/tampered.tlv" "$F/forged-hash.tlv" "$F/pubkey-swap.tlv"; do
	run "$BIN" build -o "$T/new.tlv" --from "$from" --timestamp "$TS" \
		--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem"
	expect "build --from $from" 1 1 "--from $from: refusing to build on a file that does not verify"
	[ ! -e "$T/new.tlv" ] || fail "build --from $from wrote new.tlv"
	no_tmp "$T" "build --from $from"
done
# The honest file still builds on.
run "$BIN" build -q -o "$T/new.tlv" --from "$F/current.tlv" --timestamp "$TS" \
	--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem"
expect "build --from current" 0
for held in "--ctl $T/tampered.tlv" "--ctl $F/forged-hash.tlv" "--itl $F/forged-itl.tlv"; do
	# shellcheck disable=SC2086 # two words on purpose
	run "$BIN" check $held "$F/next.tlv"
	expect "check with held $held" 1 1 "the file the phones hold does not verify"
	no_accept "check with held $held"
done

# distribute refuses the forgery before it connects to anything: the
# only node is a closed port on loopback with a known_hosts that exists.
cat >"$T/cluster.conf" <<EOF
[cluster]
known_hosts = known_hosts
timeout = 2
auth = agent
cli_user = admin
sftp_user = admin
[node pub]
host = 127.0.0.1
port = 9
role = publisher
EOF
: >"$T/known_hosts"
chmod 600 "$T/known_hosts" "$T/cluster.conf"
for f in forged-hash forged-itl forged-bare pubkey-swap; do
	run "$BIN" cluster distribute -c "$T/cluster.conf" "$F/$f.tlv"
	expect "distribute $f" 1 1 "not distributed"
	grep -q "127.0.0.1" "$T/err" "$T/out" && fail "distribute $f tried the node"
done
finish
