#!/bin/sh
# p11_secrets.sh - secrets and modules, tried as an attacker or a hurried
# CI author would:
# - a PIN from CTLSIGN_PIN or a pin-source= file loses exactly one line
#   end; any other control character or a leading/trailing space is
#   refused before any login: the shim (tests/p11/shim.c) counts the
#   attempts left in $SHIM_STATE and the count does not move;
# - pin-value= in the URI's path or query is refused and never echoed;
# - a process waiting at the PIN or passphrase prompt can dump no core
#   (tests/p11/prompt_limits.py reads /proc/PID/limits from outside);
# - encrypted key files (PKCS#8 and legacy PEM) open with the right
#   CTLSIGN_KEY_PASSPHRASE, are refused with a wrong one, and a key that
#   is not encrypted is opened without asking;
# - a broken PKCS#11 module (tests/p11/broken.c) is exit 4 with one line
#   naming it, never a crash, for `tokens list` and for a signature; so is
#   one that lies to libp11 after ctlsign's check (caught by the guard,
#   p11/p11guard.c), for `tokens list`, `tokens export` and a build;
# - without its guard, ctlsign loads no module.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/common.sh"
: "${CTLSIGN_SHIM:?set by tests/p11.cmake}" "${CTLSIGN_BROKEN_DIR:?set by tests/p11.cmake}"
export SHIM_REAL_MODULE=$SOFTHSM CTLSIGN_PKCS11_MODULE=$CTLSIGN_SHIM
export SHIM_STATE=$T/tries
out=$T/CTLFile.tlv
echo old >"$out"
tries() { cat "$SHIM_STATE"; }
nl='
'
cr=$(printf '\r')
tab=$(printf '\t')

# pinbuild PIN [ARGS]: a two-token build with CTLSIGN_PIN=PIN.
pinbuild() {
	pin=$1
	shift
	set +e
	CTLSIGN_PIN=$pin tbuild "$out" -q --sign-token "$T1" --sast-token "$T2" "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

# One line end, as a CI secret or `echo >file` leaves it, is not the PIN's.
for end in "$nl" "$cr$nl"; do
	echo 2 >"$SHIM_STATE"
	pinbuild "$PIN$end"
	expect "PIN with a line end $(printf '%s' "$end" | od -An -c | tr -s ' ')" 0 0
	[ "$(tries)" -eq 3 ] || fail "PIN with a line end: not a right PIN ($(tries) left)"
	echo old >"$out"
done

# Anything else is refused before a login: no attempt spent, PIN not shown.
for bad in " $PIN" "$PIN " "$PIN$cr" "$PIN$nl$nl" "$PIN${nl}x" "Cisco${tab}123" \
	"$PIN$cr$cr$nl" "$(printf 'Cisco\033123')" "$(printf 'Cisco\177123')"; do
	what="PIN $(printf '%s' "$bad" | od -An -c | tr -s ' ')"
	echo 2 >"$SHIM_STATE"
	pinbuild "$bad"
	expect "$what" 2 1 "CTLSIGN_PIN" "nothing was tried"
	[ "$(tries)" -eq 2 ] || fail "$what: a PIN was tried ($(tries) left)"
	grep -q "Cisco" "$T/err" && fail "$what: the PIN appears in the message: $(cat "$T/err")"
	unchanged "$out" "$what"
done

# The same rule for a pin-source= file.
(umask 077
 printf ' %s\n' "$PIN" >"$T/pin-space"
 printf '%s\n\n' "$PIN" >"$T/pin-2lines"
 printf '%s\n' "$PIN" >"$T/pin-ok")
for f in pin-space pin-2lines; do
	echo 2 >"$SHIM_STATE"
	run tbuild "$out" -q --sign-token "$T1?pin-source=$T/$f" --sast-token "$T2"
	expect "pin-source $f" 2 1 "$T/$f" "nothing was tried"
	[ "$(tries)" -eq 2 ] || fail "pin-source $f: a PIN was tried ($(tries) left)"
	grep -q "Cisco" "$T/err" && fail "pin-source $f: the PIN appears in the message"
	unchanged "$out" "pin-source $f"
done
echo 2 >"$SHIM_STATE"
run tbuild "$out" -q --sign-token "$T1?pin-source=$T/pin-ok" --sast-token "$T2"
expect "pin-source with a newline" 0 0
echo old >"$out"
echo 3 >"$SHIM_STATE"

# pin-value= anywhere in a URI: refused, the value never repeated.
for uri in "$T1;pin-value=S3cr3tPIN" "$T1;pin-value=S3cr3tPIN;object=x" \
	"$T1?pin-value=S3cr3tPIN" "$T1;S3cr3tPIN" "$T1;pin=S3cr3tPIN" \
	"pkcs11:pin-value=S3cr3tPIN"; do
	CTLSIGN_PIN=$PIN run tbuild "$out" --sign-token "$uri" --sast-token "$T2"
	expect "build $uri" 2 1
	grep -q S3cr3tPIN "$T/err" && fail "build $uri: the secret is in the message: $(cat "$T/err")"
	unchanged "$out" "build $uri"
	run "$BIN" tokens list "$uri"
	expect "tokens list $uri" 2 1
	grep -q S3cr3tPIN "$T/err" && fail "tokens list $uri: the secret is in the message: $(cat "$T/err")"
done
CTLSIGN_PIN=$PIN run tbuild "$out" --sign-token "$T1;pin-value=S3cr3tPIN" --sast-token "$T2"
expect "pin-value in the path" 2 1 "PIN on the command line"
[ "$(tries)" -eq 3 ] || fail "pin-value: a PIN was tried ($(tries) left)"

# Key files: encrypted PKCS#8, legacy encrypted PEM, and plain ones.
cp "$DATA/pub.pem" "$T/pub.pem"
K=$T/keys
mkdir "$K"
(umask 077
 openssl pkey -in "$DATA/pub.key" -aes256 -passout "pass:correct horse" -out "$K/p8enc.key"
 openssl rsa -in "$DATA/pub.key" -traditional -aes256 -passout "pass:correct horse" \
	-out "$K/legacy.key" 2>/dev/null
 openssl rsa -in "$DATA/pub.key" -traditional -out "$K/rsa.key" 2>/dev/null
 cp "$DATA/pub.key" "$K/p8.key") || fail "openssl cannot make the key files"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$K/p8enc.key" || fail "p8enc.key: $(head -n 1 "$K/p8enc.key")"
grep -q "Proc-Type: 4,ENCRYPTED" "$K/legacy.key" || fail "legacy.key: $(head -n 2 "$K/legacy.key")"
grep -q "BEGIN RSA PRIVATE KEY" "$K/rsa.key" || fail "rsa.key: $(head -n 1 "$K/rsa.key")"

# kbuild KEY OUT: a build signed with KEY, no terminal.
kbuild() {
	set +e
	setsid -w "$BIN" build -q -o "$2" --timestamp "$TS" --sign-key "$1" \
		--sign-cert "$T/pub.pem" --ccm-tftp "$T/pub.pem" </dev/null \
		>"$T/out" 2>"$T/err"
	rc=$?
	set -e
}
unset CTLSIGN_KEY_PASSPHRASE
kbuild "$K/p8.key" "$T/ref.tlv"
expect "plain PKCS#8 key, no passphrase asked" 0 0
for k in rsa p8enc legacy; do
	if [ $k = rsa ]; then
		unset CTLSIGN_KEY_PASSPHRASE
	else
		export CTLSIGN_KEY_PASSPHRASE="correct horse$nl"
	fi
	kbuild "$K/$k.key" "$T/$k.tlv"
	expect "$k key" 0 0
	cmp -s "$T/$k.tlv" "$T/ref.tlv" || fail "$k key: the build differs from the plain key's"
done
for k in p8enc legacy; do
	echo old >"$T/$k-wrong.tlv"
	CTLSIGN_KEY_PASSPHRASE="correct horsE" kbuild "$K/$k.key" "$T/$k-wrong.tlv"
	expect "$k key, wrong passphrase" 2 1 "cannot decrypt the key (wrong passphrase?)"
	grep -q horsE "$T/err" && fail "$k key: the passphrase is in the message"
	unchanged "$T/$k-wrong.tlv" "$k key, wrong passphrase"
	CTLSIGN_KEY_PASSPHRASE=" correct horse" kbuild "$K/$k.key" "$T/$k-wrong.tlv"
	expect "$k key, passphrase with a leading space" 2 1 "CTLSIGN_KEY_PASSPHRASE" "nothing was tried"
	unset CTLSIGN_KEY_PASSPHRASE
	kbuild "$K/$k.key" "$T/$k-wrong.tlv"
	expect "$k key, no passphrase and no terminal" 2 1 "no terminal"
done
unset CTLSIGN_KEY_PASSPHRASE

# At the prompt, no core file can be written (checked from outside).
if command -v python3 >/dev/null; then
	for c in passphrase pin; do
		if [ $c = passphrase ]; then
			set -- build -o "$T/prompt.tlv" --timestamp "$TS" \
				--sign-key "$K/p8enc.key" --sign-cert "$T/pub.pem" --ccm-tftp "$T/pub.pem"
		else
			set -- build -o "$T/prompt.tlv" --timestamp "$TS" \
				--sign-token "$T1" --sast-token "$T2" --ccm-tftp "$C/pub.pem"
		fi
		set +e
		python3 "$(dirname "$0")/prompt_limits.py" "$c" "$BIN" "$@" >"$T/py" 2>&1
		prc=$?
		set -e
		[ $prc -eq 0 ] || [ $prc -eq 77 ] || fail "$c prompt: $(cat "$T/py")"
	done
else
	echo "note: no python3, the prompt's core limit is not checked"
fi

# Broken modules: one line naming the module, exit 4, nothing spent.
echo 3 >"$SHIM_STATE"
for kind in null_list list_error no_symbol null_slotlist null_sign version \
	huge_slots slots_error; do
	mod=$CTLSIGN_BROKEN_DIR/p11broken_$kind.so
	[ -f "$mod" ] || { fail "no fixture module $mod"; continue; }
	echo old >"$out"
	run "$BIN" tokens list --module "$mod"
	expect "tokens list, module $kind" 4 1 "$mod"
	CTLSIGN_PIN=$PIN run tbuild "$out" --module "$mod" --sign-token "$T1" --sast-token "$T2"
	expect "build, module $kind" 4 1 "$mod"
	unchanged "$out" "build, module $kind"
	[ "$(tries)" -eq 3 ] || fail "module $kind: a PIN was tried ($(tries) left)"
done

# Modules that answer ctlsign's check honestly and lie to libp11 after
# (tests/p11/broken.c, LIE_*): the guard (p11/p11guard.c) refuses the lie,
# so it is exit 4 with one line naming the module and the wrong answer,
# never a crash or a read past a buffer (this test runs under ASan). The
# fixture wraps the shim, which counts PIN attempts: starting from 2, a
# right PIN would make it 3, a wrong one 1; it must stay 2 wherever the
# lie comes before the login. A module lying only about C_Sign lists and
# exports like SoftHSM (the guard forwards faithfully) and then fails the
# build at the signature, after a right PIN.
export BROKEN_REAL_MODULE=$CTLSIGN_SHIM
for kind in slots_huge slots_grow find attr_long attr_size sign_long; do
	mod=$CTLSIGN_BROKEN_DIR/p11broken_lie_$kind.so
	[ -f "$mod" ] || { fail "no fixture module $mod"; continue; }
	case $kind in
	slots_*) fn=C_GetSlotList ;;
	find) fn=C_FindObjects ;;
	attr_*) fn=C_GetAttributeValue ;;
	sign_long) fn=C_Sign ;;
	esac
	echo 2 >"$SHIM_STATE"
	rm -rf "$T/lie-out"
	mkdir "$T/lie-out"
	if [ $kind = sign_long ]; then
		run "$BIN" tokens list --module "$mod"
		expect "tokens list, lying module $kind" 0
		grep -q "SAST-ADN008580ef" "$T/out" ||
			fail "tokens list, lying module $kind: token not listed"
		run notty "$BIN" tokens export -q --module "$mod" --out "$T/lie-out" "$T2"
		expect "tokens export, lying module $kind" 0
		[ -n "$(ls "$T/lie-out")" ] ||
			fail "tokens export, lying module $kind: nothing exported"
	else
		run "$BIN" tokens list --module "$mod"
		expect "tokens list, lying module $kind" 4 1 "$mod: broken PKCS#11 module: $fn"
		run notty "$BIN" tokens export --module "$mod" --out "$T/lie-out"
		expect "tokens export, lying module $kind" 4 1 "$mod: broken PKCS#11 module: $fn"
		[ -z "$(ls "$T/lie-out")" ] ||
			fail "tokens export, lying module $kind: wrote $(ls "$T/lie-out")"
	fi
	echo old >"$out"
	CTLSIGN_PIN=$PIN run tbuild "$out" --module "$mod" --sign-token "$T1" --sast-token "$T2"
	expect "build, lying module $kind" 4 1 "$mod: broken PKCS#11 module: $fn"
	unchanged "$out" "build, lying module $kind"
	if [ $kind = sign_long ]; then
		[ "$(tries)" -eq 3 ] || fail "module $kind: the right PIN was not used ($(tries) left)"
	else
		[ "$(tries)" -eq 2 ] || fail "module $kind: a PIN was tried ($(tries) left)"
	fi
done
unset BROKEN_REAL_MODULE

# The guard given as the module guards nothing: it answers only when
# ctlsign has attached a real module to it.
echo 2 >"$SHIM_STATE"
run "$BIN" tokens list --module "$(dirname "$BIN")/ctlsign-p11guard.so"
expect "the guard as the module" 4 1 "ctlsign-p11guard.so: broken PKCS#11 module: C_GetFunctionList failed"

# No guard, no module: a ctlsign whose guard is missing (here a copy of
# the binary alone, when none is installed) loads no module unguarded.
guard_installed=$(grep -ao '/[[:print:]]*/ctlsign/ctlsign-p11guard\.so' "$BIN" | head -n 1 || true)
if [ -n "$guard_installed" ] && [ ! -e "$guard_installed" ]; then
	mkdir "$T/alone"
	cp "$BIN" "$T/alone/ctlsign"
	echo 2 >"$SHIM_STATE"
	run "$T/alone/ctlsign" tokens list
	expect "no guard" 4 1 "ctlsign-p11guard.so" "no module is loaded without it"
	[ "$(tries)" -eq 2 ] || fail "no guard: a PIN was tried ($(tries) left)"
else
	echo "note: a guard is installed at $guard_installed; the missing-guard case is not checked"
fi

finish
