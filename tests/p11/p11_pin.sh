#!/bin/sh
# p11_pin.sh - PIN safety with a token that counts wrong PINs and locks,
# and with a PIN-pad token. SoftHSM2 never locks, so the module here is
# tests/p11/shim.c: SoftHSM2 behind a pass-through that keeps the attempt
# counter (in $SHIM_STATE) and reports FINAL_TRY / LOCKED / PIN pad flags.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"
: "${CTLSIGN_SHIM:?set by tests/p11.cmake}"
export SHIM_REAL_MODULE=$SOFTHSM CTLSIGN_PKCS11_MODULE=$CTLSIGN_SHIM
export SHIM_STATE=$T/tries
out=$T/CTLFile.tlv
echo old >"$out"
tries() { cat "$SHIM_STATE"; }

# sign RC PIN [ARGS]: a two-token build with PIN; exits RC.
sign() {
	want=$1 pin=$2
	shift 2
	set +e
	CTLSIGN_PIN=$pin tbuild "$out" -q --sign-token "$T1" --sast-token "$T2" "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

echo 3 >"$SHIM_STATE"
sign 0 "$PIN"
expect "right PIN" 0 0
run "$BIN" verify "$out"
expect "verify" 0
cp "$out" "$T/good.tlv"
echo old >"$out"

sign 4 0000
expect "wrong PIN 1" 4 1 "wrong PIN; the token has counted wrong PINs"
[ "$(tries)" -eq 2 ] || fail "wrong PIN 1: the shim counted $(tries) left"
sign 4 0000
expect "wrong PIN 2" 4 1 "wrong PIN; ONE attempt is left now"
[ "$(tries)" -eq 1 ] || fail "wrong PIN 2: $(tries) left"
run "$BIN" tokens list "$T1"
expect "list at final try" 0 0
grep -q "PIN: FINAL TRY" "$T/out" || fail "tokens list does not show the final try: $(cat "$T/out")"

# A typo in the second token's URI is found before any PIN is tried.
sign 4 0000 --final-try --sast-token 'pkcs11:token=SAST-ADN0000dead'
expect "typo in a URI" 4 1 "no such token"
[ "$(tries)" -eq 1 ] || fail "typo in a URI: a PIN was tried ($(tries) left)"

# An empty PIN (an unset CI secret) costs no attempt.
sign 4 "" --final-try
expect "empty PIN" 4 1 "the PIN is empty; no PIN was tried"
[ "$(tries)" -eq 1 ] || fail "empty PIN: a PIN was tried ($(tries) left)"

# Final try: refused before any PIN is tried, even the right one.
sign 4 "$PIN"
expect "final try refused" 4 1 "one PIN attempt is left" "--final-try"
[ "$(tries)" -eq 1 ] || fail "final try refused: a PIN was tried ($(tries) left)"
unchanged "$out" "final try refused"
# --final-try with the right PIN: signed, the counter resets.
sign 0 "$PIN" --final-try
expect "--final-try, right PIN" 0 0
[ "$(tries)" -eq 3 ] || fail "right PIN did not reset the counter ($(tries))"
cmp -s "$out" "$T/good.tlv" || fail "--final-try build differs from the first"
echo old >"$out"

# Down to locked: then nothing is tried, whatever the flags.
echo 1 >"$SHIM_STATE"
sign 4 0000 --final-try
expect "--final-try, wrong PIN" 4 1 "wrong PIN; the token is now LOCKED"
[ "$(tries)" -eq 0 ] || fail "last wrong PIN: $(tries) left"
sign 4 "$PIN" --final-try
expect "locked" 4 1 "the user PIN is locked; no PIN was tried"
unchanged "$out" "locked"
run "$BIN" tokens list "$T1"
grep -q "PIN: LOCKED" "$T/out" || fail "tokens list does not show the lock: $(cat "$T/out")"
# The second token still exports: the lock is about signing only.
mkdir "$T/exp"
run "$BIN" tokens export -q --out "$T/exp"
expect "export from a locked token" 0 0

# A PIN pad: no PIN asked (no terminal, CTLSIGN_PIN is ignored) and the
# module gets a NULL PIN (the shim refuses any other); the pad "types" it.
unset SHIM_STATE
export SHIM_PINPAD=$PIN
set +e
CTLSIGN_PIN=not-this-one notty "$BIN" build -q -o "$out" --timestamp "$TS" \
	--sign-token "$T1" --sast-token "$T2" \
	--ccm-tftp "$C/pub.pem,dns=cucm-pub,ip=10.48.47.155" \
	--capf "$C/capf.pem,dns=cucm-pub,ip=10.48.47.155" \
	--ccm-tftp "$C/sub1.pem,dns=cucm-sub1,ip=10.48.47.156" >"$T/out" 2>"$T/err"
rc=$?
set -e
expect "PIN pad" 0 0
cmp -s "$out" "$T/good.tlv" || fail "PIN-pad build differs from the PIN build"
run "$BIN" tokens list "$T1"
grep -q "PIN: PIN pad" "$T/out" || fail "tokens list does not show the PIN pad"
echo old >"$out"
SHIM_PINPAD=0000 sign 4 ""
expect "PIN pad, wrong PIN typed" 4 1 "wrong PIN"
unchanged "$out" "PIN pad, wrong PIN"
unset SHIM_PINPAD

# A module's label with escape sequences (clear screen, set the title,
# carriage return) reaches no terminal: not in the list, not in errors.
SHIM_LABEL=$(printf 'SAST-\033[2J\033]0;x\007\rX\302\233')
export SHIM_LABEL
nocontrol() {
	LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$1" &&
		fail "$2: control characters in $(basename "$1"): $(od -c "$1" | head -n 5)"
	LC_ALL=C grep -q "$(printf '\302\233')" "$1" &&
		fail "$2: a C1 CSI in $(basename "$1")"
	return 0
}
run "$BIN" tokens list
expect "hostile label: list" 0 0
nocontrol "$T/out" "hostile label: list"
# Shown as \xNN escapes (the one sanitizer, ctlsign(1) OUTPUT).
grep -qxF 'token SAST-\x1b[2J\x1b]0;x\x07\x0dX\xc2\x9b' "$T/out" ||
	fail "hostile label: list: $(cat -v "$T/out")"
run env CTLSIGN_PIN=0000 "$BIN" build -q -o "$out" --timestamp "$TS" \
	--sign-token 'pkcs11:token=SAST-%1b[2J%1b]0%3bx%07%0dX%c2%9b' \
	--sast-token "$T2" --ccm-tftp "$C/pub.pem,dns=cucm-pub,ip=10.48.47.155"
expect "hostile label: wrong PIN" 4 1 'token SAST-\x1b[2J\x1b]0;x\x07\x0dX\xc2\x9b: wrong PIN'
nocontrol "$T/err" "hostile label: wrong PIN"
unset SHIM_LABEL

finish
