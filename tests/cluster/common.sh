# common.sh - sourced by tests/cluster/*.sh: the harness, plus running
# the binary and counting failed assertions (as tests/cli/lib.sh does).
#   usage: sh tests/cluster/NAME.sh CTLSIGN TESTS_DATA_DIR [ARGS]
set -eu
[ $# -ge 2 ] || { echo "usage: $0 CTLSIGN TESTS_DATA_DIR [ARGS]" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DATA=$(cd "$2" && pwd)
shift 2
# Skip (77) where the servers cannot be run: they need root, sshd, tftpd.
if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/sbin/sshd ] || [ ! -x /usr/sbin/in.tftpd ] ||
	! command -v python3 >/dev/null; then
	echo "skip: needs root, /usr/sbin/sshd, /usr/sbin/in.tftpd and python3"
	exit 77
fi
. "${HSRC:-$(dirname "$0")}/harness.sh"
fails=0
TS=1425667513

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run CMD ARGS...: status in $rc, output in $H/out and $H/err; with
# --json, $H/out is checked as json_valid does, for its own command.
run() {
	set +e
	"$@" >"$H/out" 2>"$H/err"
	rc=$?
	set -e
	for a in "$@"; do
		[ "$a" = --json ] || continue
		json_valid - "$*"
		break
	done
}

# expect WHAT RC [TEXT...]: the last run exited RC and each TEXT is in
# its stdout or stderr.
expect() {
	_what=$1 _want=$2
	shift 2
	[ "$rc" -eq "$_want" ] ||
		fail "$_what: exit $rc, expected $_want; stderr: $(cat "$H/err"); stdout: $(cat "$H/out")"
	for _t in "$@"; do
		cat "$H/out" "$H/err" | grep -qF -- "$_t" ||
			fail "$_what: output lacks '$_t': $(cat "$H/err") $(cat "$H/out")"
	done
}

# mkctl OUT SECONDS: a tokenless CTL signed by pub.key; SECONDS after TS.
mkctl() {
	cp "$DATA/pub.key" "$H/sign.key"
	chmod 600 "$H/sign.key"
	"$BIN" build -q -o "$1" --timestamp "$((TS + $2))" \
		--sign-key "$H/sign.key" --sign-cert "$DATA/pub.pem" \
		--ccm-tftp "$DATA/pub.pem,dns=cucm-pub,ip=10.0.0.1" \
		--capf "$DATA/capf.pem,dns=cucm-pub,ip=10.0.0.1" \
		--ccm-tftp "$DATA/sub1.pem,dns=cucm-sub1,ip=10.0.0.2"
}

md5() { md5sum <"$1" | cut -d' ' -f1; }

# now; took T0 T1: wall-clock seconds between two `now`s, for timing lines.
now() { date +%s.%N; }
took() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }

# wait_for FILE TEXT: until FILE holds TEXT (a command running in the
# background got that far); at most 10 s, then returns 1.
wait_for() {
	_k=0
	until grep -qF -- "$2" "$1" 2>/dev/null; do
		[ "$_k" -lt 200 ] || return 1
		sleep 0.05
		_k=$((_k + 1))
	done
}

# install_old FILE N: FILE as CTLFile.tlv on nodes 1..N (the old CTL).
install_old() {
	for _i in $(seq 1 "$2"); do
		cp "$1" "$H/n$_i/tftp/CTLFile.tlv"
		chown 65534:65534 "$H/n$_i/tftp/CTLFile.tlv"
	done
}

# holds I MD5 WHAT: node I's CTLFile.tlv on disk has MD5 ("none": absent).
holds() {
	_got=$(h_md5 "$1")
	[ "$_got" = "$2" ] || fail "$3: node $1 holds $_got, expected $2"
}

# files I: the names in node I's TFTP root, one line.
files() { ls -A "$H/n$1/tftp" | tr '\n' ' '; }

# no_tmp I WHAT: no temporary upload left on node I.
no_tmp() {
	_left=$(ls -A "$H/n$1/tftp" | grep '\.tmp\.' || true)
	[ -z "$_left" ] || fail "$2: node $1 has a temporary file: $_left"
}

# backups I: how many CTLFile.tlv.bak-* node I holds.
backups() { ls -A "$H/n$1/tftp" | grep -c '^CTLFile\.tlv\.bak-' || true; }

# json_valid COMMAND WHAT: $H/out is one valid COMMAND --json document
# (docs/schema/, the validator of tests/cli/json_schema.sh).
json_valid() {
	python3 "$(dirname "$0")/../cli/json_validate.py" "$(dirname "$0")/../../docs/schema" \
		"$1" "$H/out" || fail "$2: not a valid '$1' document"
}

finish() {
	if [ "$fails" -gt 0 ]; then
		echo "$0: $fails failure(s)" >&2
		exit 1
	fi
	echo "$0: ok"
}
