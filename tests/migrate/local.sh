# local.sh - `ctlsign migrate` on local TFTP roots (no cluster): the
# signer-change and mixed-mode plans end to end; an interruption before
# and after every step, and in the middle of a build and of a
# publication, followed by `resume`, reaches the same files, byte for
# byte, as an uninterrupted run; --dry-run touches nothing; a root or an
# input changed under the plan stops it (21); the state directory is
# guarded (mode, lock, a damaged plan).
#   usage: sh tests/migrate/local.sh CTLSIGN TESTS_DATA_DIR
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
TH=$(dirname "$BIN")/ctlsign-testhooks
[ -x "$TH" ] || { echo "skip: no ctlsign-testhooks beside $BIN"; exit 77; }
M=$T
DATA=$(cd "$DATA" && pwd)

cp "$DATA/pub.key" "$DATA/itlrecovery.key" "$T/"
chmod 600 "$T/pub.key" "$T/itlrecovery.key"
"$BIN" build -q -o "$T/held.tlv" --timestamp "$TS" --sign-key "$T/pub.key" \
	--sign-cert "$DATA/pub.pem" \
	--ccm-tftp "$DATA/pub.pem,dns=cucm-pub,ip=10.0.0.1" \
	--capf "$DATA/capf.pem,dns=cucm-pub,ip=10.0.0.1" \
	--ccm-tftp "$DATA/sub1.pem,dns=cucm-sub1,ip=10.0.0.2"
OLD=$(md5sum <"$T/held.tlv" | cut -d' ' -f1)

# fresh NAME: two TFTP roots serving the held CTL, no state yet.
fresh() {
	rm -rf "$T/$1"
	mkdir -p "$T/$1/r1" "$T/$1/r2"
	cp "$T/held.tlv" "$T/$1/r1/CTLFile.tlv"
	cp "$T/held.tlv" "$T/$1/r2/CTLFile.tlv"
}
signer_args() {
	echo signer-change --tftp-root "$T/$1/r1" --tftp-root "$T/$1/r2" --state "$T/$1/st" \
		--ctl "$T/held.tlv" --sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" \
		--new-key "$T/itlrecovery.key" --new-cert "$DATA/itlrecovery.pem" \
		--timestamp $((TS + 100))
}
md5() { md5sum <"$1" | cut -d' ' -f1; }
# sums NAME: what an end state is made of: the roots and the files built.
sums() {
	echo "r1 $(md5 "$T/$1/r1/CTLFile.tlv") r2 $(md5 "$T/$1/r2/CTLFile.tlv")" \
		"f1 $(md5 "$T/$1/st/files/1/CTLFile.tlv") f5 $(md5 "$T/$1/st/files/5/CTLFile.tlv")" \
		"next $(next_step "$T/$1/st")"
}
no_tmp() {
	_left=$(ls -A "$T/$1/r1" "$T/$1/r2" | grep '\.tmp\.' || true)
	[ -z "$_left" ] || fail "$2: temporary files left in a root: $_left"
}

# --- dry run: the plan, and nothing touched ---
fresh dry
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args dry) --dry-run
expect "dry run" 0
grep -q 'step 5/8 \[ctlsign\] the same records, signed by the new signer' "$T/out" ||
	fail "dry run: step 5 not listed: $(cat "$T/out")"
grep -q "ctlsign build -o $T/dry/st/files/1/CTLFile.tlv --from $T/dry/st/files/inputs/1-held.tlv --from-signer $T/dry/st/files/inputs/2-pub.pem --sast $T/dry/st/files/inputs/3-itlrecovery.pem" "$T/out" ||
	fail "dry run: step 1's command not shown: $(cat "$T/out")"
[ ! -e "$T/dry/st" ] || fail "dry run: the state directory was made"
grep -q "predicted for $T/dry/st/files/5/CTLFile.tlv:" "$T/out" || fail "dry run: no prediction for step 5"
ls "${TMPDIR:-/tmp}" | grep -q "^ctlsign-dry-run\." && fail "dry run: its temporary directory is left"
[ "$(md5 "$T/dry/r1/CTLFile.tlv")" = "$OLD" ] || fail "dry run: a root changed"

# --- the reference: uninterrupted ---
fresh ref
# shellcheck disable=SC2046
drive "$T/ref/st" "-" $(signer_args ref)
REF=$(sums ref)
NEW=$(md5 "$T/ref/st/files/5/CTLFile.tlv")
[ "$(md5 "$T/ref/r1/CTLFile.tlv")" = "$NEW" ] || fail "reference: r1 does not serve the final CTL"
[ "$NEW" != "$OLD" ] || fail "reference: nothing changed"
"$BIN" verify -q "$T/ref/r2/CTLFile.tlv" || fail "reference: the final CTL does not verify"
grep -q 'what to do:' "$M/log" || fail "reference: no manual step shown"
run "$BIN" migrate status --state "$T/ref/st"
expect "status" 0
grep -q "done step 8/8" "$T/out" || fail "status: not done: $(cat "$T/out")"
grep -q "$T/ref/r1: .* (as the plan expects)" "$T/out" || fail "status: root not shown: $(cat "$T/out")"

# --- an interruption at every step boundary, then resume ---
for k in 1 2 3 4 5 6 7 8; do
	for point in before after; do
		fresh "i$k$point"
		: >"$M/log"
		# shellcheck disable=SC2046
		drive "$T/i$k$point/st" "migrate-$point:$k/KILL" $(signer_args "i$k$point")
		got=$(sums "i$k$point")
		[ "$got" = "$REF" ] || fail "killed $point step $k: end state $got, expected $REF"
	done
done

# --- a publication done, not yet recorded (the nodes serve what the state calls "publishing") ---
for k in 3 7; do
	fresh "p$k"
	# shellcheck disable=SC2046
	drive "$T/p$k/st" "migrate-published:$k/KILL" $(signer_args "p$k")
	[ "$(sums "p$k")" = "$REF" ] || fail "killed after publishing step $k: $(sums "p$k")"
done

# --- in the middle of a build (step 1, in the child) and of a publication (step 3) ---
fresh mid1
# shellcheck disable=SC2046
drive "$T/mid1/st" "write:CTLFile.tlv/TERM" $(signer_args mid1)
[ "$(sums mid1)" = "$REF" ] || fail "interrupted mid-build: $(sums mid1)"
fresh mid3
# shellcheck disable=SC2046
drive "$T/mid3/st" "migrate-after:2/KILL write:CTLFile.tlv/TERM" $(signer_args mid3)
[ "$(sums mid3)" = "$REF" ] || fail "interrupted mid-publication: $(sums mid3)"
no_tmp mid3 "interrupted mid-publication"

# --- mid-publication, each root holds the old or the new file, nothing else ---
fresh pub
# shellcheck disable=SC2046
invoke migrate-after:2 KILL migrate $(signer_args pub)
CTLSIGN_TEST_PAUSE=write:CTLFile.tlv CTLSIGN_TEST_PAUSE_FILE=$T/pause \
	"$TH" migrate resume --state "$T/pub/st" >/dev/null 2>&1 &
pid=$!
k=0
while [ ! -e "$T/pause" ] && [ "$k" -lt 600 ]; do k=$((k + 1)); sleep 0.05; done
[ "$(md5 "$T/pub/r1/CTLFile.tlv")" = "$OLD" ] || fail "held mid-publication: r1 changed before every root was written"
# A second run on the same state is refused while the first holds it.
run "$BIN" migrate resume --state "$T/pub/st"
expect "second run" 2 1 "another \`ctlsign migrate\` is running on it"
rm -f "$T/pause"
wait "$pid" || true
[ "$(md5 "$T/pub/r1/CTLFile.tlv")" = "$(md5 "$T/ref/st/files/1/CTLFile.tlv")" ] ||
	fail "after the publication r1 does not serve step 1's CTL"

# --- the world changed under the plan: 21, nothing published ---
fresh chg
# shellcheck disable=SC2046
invoke - - migrate $(signer_args chg)
[ "$rc" -eq 20 ] || fail "changed: expected the stop at step 4, exit $rc"
cp "$T/held.tlv" "$T/chg/r2/CTLFile.tlv"
run "$BIN" migrate resume --state "$T/chg/st" --confirm 4
expect "root changed" 21 1 "$T/chg/r2 now serves a CTLFile.tlv the plan did not publish"
[ "$(next_step "$T/chg/st")" = 4 ] || fail "root changed: the plan moved on"
cp "$T/chg/r1/CTLFile.tlv" "$T/chg/r2/CTLFile.tlv"
# The plan works on its copy of the inputs: the original may change...
cp "$T/held.tlv" "$T/held.bak"
printf 'x' >>"$T/held.tlv"
inp=$(ls "$T/chg/st/files/inputs/" | grep held)
run "$BIN" migrate resume --state "$T/chg/st" --confirm 3
expect "wrong confirmation" 2 1 "--confirm 3: the plan waits at step 4"
[ "$(next_step "$T/chg/st")" = 4 ] || fail "a confirmation of another step was taken"
mv "$T/held.bak" "$T/held.tlv"
# ...its copy may not.
cp "$T/chg/st/files/inputs/$inp" "$T/inp.bak"
printf 'x' >>"$T/chg/st/files/inputs/$inp"
run "$BIN" migrate resume --state "$T/chg/st" --confirm 4
expect "input changed" 21 1 "$T/chg/st/files/inputs/$inp changed since the plan was made"
cp "$T/inp.bak" "$T/chg/st/files/inputs/$inp"
run "$BIN" migrate resume --state "$T/chg/st" --confirm 4
expect "back as it was" 20

# --- what is refused before anything happens ---
fresh ref2
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref2) --from-signer "$DATA/sub1.pem"
expect "wrong --from-signer" 1 1 "not by --from-signer"
[ ! -e "$T/ref2/st/plan.json" ] || fail "wrong --from-signer: a plan was written"
run "$BIN" migrate signer-change --tftp-root "$T/ref2/r1" --state "$T/ref2/st" --ctl "$T/held.tlv"
expect "missing key" 2 1 "needs --sign-key KEY"
run "$BIN" migrate to-nowhere --tftp-root "$T/ref2/r1" --state "$T/ref2/st"
expect "unknown plan" 2 1 "unknown plan 'to-nowhere'"
# Hostile inputs are refused when the plan is made, before a state
# directory pins them as inputs a started plan can no longer change.
fresh ref3
printf 'not a certificate\n' >"$T/junk.pem"
head -c 100 "$T/held.tlv" >"$T/short.tlv"
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref3 | sed "s|--new-cert $DATA/itlrecovery.pem|--new-cert $T/junk.pem|")
expect "--new-cert not a certificate" 2 1 "--new-cert: $T/junk.pem: not a PEM or DER certificate"
[ ! -e "$T/ref3/st" ] || fail "--new-cert not a certificate: a state directory was made"
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref3) --tvs-cert "$T/junk.pem"
expect "--tvs-cert not a certificate" 2 1 "--tvs-cert: $T/junk.pem"
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref3) --itl "$T/held.tlv"
expect "--itl a CTL" 2 1 "--itl: $T/held.tlv"
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref3 | sed "s|--ctl $T/held.tlv|--ctl $T/short.tlv|")
expect "--ctl truncated" 2 1 "--ctl: $T/short.tlv"
[ ! -e "$T/ref3/st" ] || fail "a refused input: a state directory was made"
run "$BIN" migrate to-etoken --tftp-root "$T/ref2/r1" --state "$T/ref3/st" --ctl "$T/held.tlv" \
	--from-signer "$DATA/pub.pem" --sign-token "pkcs11:token=A;pin-value=1234"
expect "pin-value in a URI" 2 1 "a token URI with pin-value= would put the PIN in the plan"
[ ! -e "$T/ref3/st" ] || fail "pin-value in a URI: a state directory was made"
# --tvs-cert is the certificate TVS presents: check's --tvs, build's
# --tvs-cert (its warning); the files built do not get a TVS record.
fresh tvs
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args tvs) --tvs-cert "$DATA/tvs.pem"
expect "--tvs-cert" 20
"$BIN" show "$T/tvs/st/files/1/CTLFile.tlv" >"$T/tvs.show"
grep -q "FUNCTION.*TVS" "$T/tvs.show" && fail "--tvs-cert: the CTL built got a TVS record"
python3 - "$T/tvs/st/plan.json" <<'PY' || fail "--tvs-cert: not given as check's --tvs and build's --tvs-cert"
import json, sys
steps = json.load(open(sys.argv[1]))["steps"]
sys.exit(not ("--tvs" in steps[1]["argv"] and "--tvs" not in steps[0]["argv"] and
              "--tvs-cert" in steps[0]["argv"]))
PY
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref) 
expect "state in use" 2 1 "already holds a plan"
mkdir -p "$T/open"
chmod 755 "$T/open"
# shellcheck disable=SC2046
run "$BIN" migrate resume --state "$T/open"
expect "open state dir" 2 1 "must be your own directory, closed to others"
mkdir -p "$T/bad"
chmod 700 "$T/bad"
printf '{"format_version": 1, "steps": [' >"$T/bad/plan.json"
run "$BIN" migrate resume --state "$T/bad"
expect "damaged plan" 2 1 "plan.json: not a migrate plan.json"
run "$BIN" migrate resume --state "$T/ref/st" --ctl "$T/held.tlv"
expect "resume with plan options" 2 2 "resume takes only"
run "$BIN" migrate status --state "$T/ref/st" --allow-stranded sbd
expect "status with options" 2 2 "status takes only --state"
run "$BIN" migrate resume --state "$T/ref/st" --allow-stranded everyone
expect "bad class" 2 2 "--allow-stranded takes sbd, no-sbd or empty"
long=$(printf '%02049d' 0)
run "$BIN" migrate resume --state "$T/$long"
expect "state path too long" 2 2 "--state DIR: a path of at most 2048 bytes"
# A short --state whose real path is long (a deep working directory).
seg=$(printf '%0120d' 0)
deep=$T/deep/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg
mkdir -p "$deep/st"
chmod 700 "$deep/st"
cd "$deep"
run "$BIN" migrate status --state st
cd - >/dev/null
expect "state real path too long" 2 1 "--state st: its real path is longer than 2048 bytes"

# --- --ctl naming the very file a root serves: the plan keeps its own copy ---
fresh same
# shellcheck disable=SC2046
drive "$T/same/st" - $(signer_args same | sed "s|--ctl $T/held.tlv|--ctl $T/same/r1/CTLFile.tlv|")
[ "$(sums same)" = "$REF" ] || fail "--ctl the served file: $(sums same), expected $REF"

# --- a damaged or edited state directory: refused by name, no crash, nothing published ---
hostile() {
	rm -rf "$T/h"
	cp -a "$T/chg/st" "$T/h"
	rm -f "$T/h/lock"
	python3 - "$T/h/$1" "$2" <<'PY'
import json, sys
path, edit = sys.argv[1], sys.argv[2]
d = json.load(open(path))
exec(edit)
open(path, "w").write(json.dumps(d))
PY
	before=$(md5 "$T/chg/r1/CTLFile.tlv")
	run "$BIN" migrate resume --state "$T/h" --confirm 4
	expect "hostile $1: $2" 2 1 "$3"
	[ "$(md5 "$T/chg/r1/CTLFile.tlv")" = "$before" ] || fail "hostile $1: $2: a root changed"
	run "$BIN" migrate status --state "$T/h"
	expect "hostile $1 (status): $2" 2 1 "$3"
}
hostile plan.json 'del d["steps"][4]["kind"]' "step 5: bad or missing member 'kind'"
hostile plan.json 'del d["steps"][4]["who"]' "step 5: bad or missing member 'who'"
hostile plan.json 'd["steps"][6]["file"] = "/etc/passwd"' "step 7: bad or missing member 'file'"
hostile plan.json 'd["steps"][6]["file"] = "@/files/../../x"' "step 7: bad or missing member 'file'"
hostile plan.json 'd["steps"][4]["argv"][3] = 7' "step 5: bad or missing member 'argv or output'"
hostile plan.json 'd["steps"][4]["argv"][0] = "sh"' "step 5: bad or missing member 'argv or output'"
hostile plan.json 'd["steps"][3] = [1]' "step 4: bad or missing member 'n'"
hostile plan.json 'd["tftp_roots"] = ["/tmp"] * 17' "bad or missing member 'tftp_roots'"
hostile plan.json 'd["inputs"][list(d["inputs"])[0]]["sha256"] = None' "bad or missing member 'inputs'"
hostile state.json 'd["files"][""] = "0" * 64' "bad or missing member 'files'"
hostile state.json 'd["next"] = 99' "bad or missing member 'next'"
hostile state.json 'd["served"] = "x"' "bad or missing member 'served'"
# Words of a command other than its first: where it writes, what it runs.
hostile plan.json 'd["steps"][4]["argv"][2] = "'"$T/chg/r1/CTLFile.tlv"'"' "step 5: bad or missing member 'argv or output'"
hostile plan.json 'd["steps"][4]["argv"][2] = "@/files/../../x"' "step 5: bad or missing member 'argv or output'"
hostile plan.json 'd["steps"][4]["argv"][4] = "@/files/../held.tlv"' "step 5: bad or missing member 'argv or output'"
hostile plan.json 'd["steps"][5]["argv"][1] = "-q"' "step 6: bad or missing member 'argv or files'"
# The check skipped by an edited state: the next publication refuses a file no check judged.
fresh ck
# shellcheck disable=SC2046
invoke - - migrate $(signer_args ck)
invoke migrate-before:6 KILL migrate resume --state "$T/ck/st" --confirm 4
[ "$(next_step "$T/ck/st")" = 6 ] || fail "a check skipped: not held before step 6"
python3 - "$T/ck/st/state.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["next"] = 7
open(sys.argv[1], "w").write(json.dumps(d))
PY
run "$BIN" migrate resume --state "$T/ck/st"
expect "a check skipped" 2 2 "no check of this plan judged it: nothing published"
[ "$(md5 "$T/ck/r1/CTLFile.tlv")" = "$(md5 "$T/ck/st/files/1/CTLFile.tlv")" ] ||
	fail "a check skipped: the unjudged file was published"
# A step's file swapped for another file of the plan (not the one it built): refused.
rm -rf "$T/h"
cp -a "$T/chg/st" "$T/h"
rm -f "$T/h/lock"
python3 - "$T/h/plan.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["steps"][6]["file"] = "@/files/inputs/" + sorted(d["inputs"])[0].split("/")[-1]
open(sys.argv[1], "w").write(json.dumps(d))
PY
printf '{"format_version": 1, "next": 7, "files": {}, "served": {"expected": "%s"}, "allow": []}' \
	"$(sha256sum <"$T/chg/r1/CTLFile.tlv" | cut -d' ' -f1)" >"$T/h/state.json"
run "$BIN" migrate resume --state "$T/h"
expect "publish of a file no step built" 2 2 "not the file a step of this plan built"
# The dry run refuses the state directory the run would refuse.
mkdir -m 755 "$T/open2"
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref | sed "s|--state $T/ref/st|--state $T/open2|") --dry-run
expect "dry run, open state dir" 2 1 "must be your own directory"
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref) --dry-run
expect "dry run, state in use" 2 1 "already holds a plan"
# Standard output closed: the run's output does not end up in the lock.
fresh so
# shellcheck disable=SC2046
"$BIN" migrate $(signer_args so) >&- 2>"$T/so.err" || true
[ ! -s "$T/so/st/lock" ] || fail "stdout closed: output went into the lock: $(head -c 200 "$T/so/st/lock")"
[ "$(next_step "$T/so/st")" = 4 ] || fail "stdout closed: the run did not reach step 4"
# The state directory: a link, an unrelated non-empty directory.
ln -s "$T/chg/st" "$T/link"
run "$BIN" migrate resume --state "$T/link"
expect "state via a link" 3 1 "not a directory (a symbolic link)"
mkdir -m 700 "$T/busy"
: >"$T/busy/notes.txt"
# shellcheck disable=SC2046
run "$BIN" migrate $(signer_args ref | sed "s|--state $T/ref/st|--state $T/busy|")
expect "non-empty state dir" 2 1 "not empty, and holds no plan"

# --- mixed-mode on local roots: a first CTL, built by ctlsign ---
mkdir -p "$T/mm/r1"
run "$BIN" migrate mixed-mode --tftp-root "$T/mm/r1" --state "$T/mm/st" \
	--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" --timestamp "$TS" \
	--ccm-tftp "$DATA/pub.pem,dns=cucm-pub,ip=10.0.0.1" \
	--capf "$DATA/capf.pem,dns=cucm-pub,ip=10.0.0.1" \
	--ccm-tftp "$DATA/sub1.pem,dns=cucm-sub1,ip=10.0.0.2"
expect "mixed-mode" 20
[ "$(md5 "$T/mm/r1/CTLFile.tlv")" = "$OLD" ] ||
	fail "mixed-mode: the root does not serve the CTL build would make ($(md5 "$T/mm/r1/CTLFile.tlv") vs $OLD)"
grep -q "the MD5 the phones must show: $OLD" "$T/out" || fail "mixed-mode: MD5 not shown: $(cat "$T/out")"
# Records given by relative paths, the run stopped before its build and
# resumed from another directory: the build still finds them.
mkdir -p "$T/mm3/r1"
cp "$DATA/pub.pem" "$DATA/capf.pem" "$T/mm3/"
here=$(pwd)
cd "$T/mm3"
invoke migrate-before:1 KILL migrate mixed-mode --tftp-root r1 --state st \
	--sign-key "$T/pub.key" --sign-cert pub.pem --timestamp "$TS" \
	--ccm-tftp "pub.pem,dns=cucm-pub,ip=10.0.0.1" --capf "capf.pem,dns=cucm-pub,ip=10.0.0.1"
cd /
[ "$fired" = 1 ] || fail "mixed-mode, relative records: not stopped before step 1"
run "$BIN" migrate resume --state "$T/mm3/st"
cd "$here"
expect "mixed-mode, relative records, resumed elsewhere" 20
mkdir -p "$T/mm2/r1"
cp "$T/held.tlv" "$T/mm2/r1/CTLFile.tlv"
run "$BIN" migrate mixed-mode --tftp-root "$T/mm2/r1" --state "$T/mm2/st" \
	--sign-key "$T/pub.key" --sign-cert "$DATA/pub.pem" --ccm-tftp "$DATA/pub.pem"
expect "mixed-mode over a CTL" 21 1 "serves a CTLFile.tlv (SHA-256" "that is not the one the plan starts from (none"

# --- non-secure on local roots: the CTL removed from every root ---
fresh ns
run "$BIN" migrate non-secure --tftp-root "$T/ns/r1" --tftp-root "$T/ns/r2" --state "$T/ns/st" --ctl "$T/held.tlv"
expect "non-secure" 20
[ ! -e "$T/ns/r1/CTLFile.tlv" ] && [ ! -e "$T/ns/r2/CTLFile.tlv" ] || fail "non-secure: a root still serves a CTL"
run "$BIN" migrate resume --state "$T/ns/st" --confirm 4
expect "non-secure done" 0
fresh ns2
cp "$T/ref/st/files/1/CTLFile.tlv" "$T/ns2/r2/CTLFile.tlv"
run "$BIN" migrate non-secure --tftp-root "$T/ns2/r1" --tftp-root "$T/ns2/r2" --state "$T/ns2/st"
expect "non-secure, roots differ" 5
says "non-secure, roots differ" "the nodes serve different CTL files"
[ -e "$T/ns2/r1/CTLFile.tlv" ] || fail "non-secure, roots differ: a CTL was removed"

if [ "$fails" -gt 0 ]; then
	echo "--- log of the last drive ---" >&2
	tail -40 "$M/log" >&2
fi
finish
