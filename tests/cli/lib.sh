# lib.sh - sourced by every tests/cli/*.sh: the binary and the fixtures
# from the command line, a temporary directory removed at exit, a way to
# run the binary capturing its exit status and output, and assertions
# that count failures instead of stopping at the first.
#   usage: sh tests/cli/NAME.sh CTLSIGN TESTS_DATA_DIR
set -eu
[ $# -eq 2 ] || { echo "usage: $0 CTLSIGN TESTS_DATA_DIR" >&2; exit 2; }
BIN=$1
DATA=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/ctlsign-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
TS=1425667513 # the seed's TIMESTAMP: builds are byte for byte repeatable
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run CMD ARGS...: status in $rc, output in $T/out and $T/err. With
# --json among ARGS, $T/out must be one document valid against its
# command's schema (json_check).
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	json_check "$@"
}

# json_check ARGS...: if ARGS hold --json, $T/out is one valid document
# (tests/cli/json_validate.py, docs/schema/, docs/json.md).
for d in "$(dirname "$0")" "$(dirname "$0")/../cli" "$(dirname "$0")/cli"; do
	if [ -f "$d/json_validate.py" ]; then
		JSON_VALIDATE=$d/json_validate.py
		JSON_SCHEMAS=$d/../../docs/schema
		break
	fi
done
json_check() {
	for a in "$@"; do
		[ "$a" = --json ] || continue
		python3 "$JSON_VALIDATE" "$JSON_SCHEMAS" - "$T/out" ||
			fail "$*: the --json output is not a valid document (docs/json.md)"
		return 0
	done
}

# expect WHAT RC [N_LINES [TEXT...]]: the last run exited RC, wrote
# N_LINES lines to stderr, and each TEXT appears in stderr.
expect() {
	what=$1 want=$2
	shift 2
	if [ "$rc" -ne "$want" ]; then
		fail "$what: exit $rc, expected $want; stderr: $(cat "$T/err")"
		return 0
	fi
	if [ $# -gt 0 ]; then
		lines=$(wc -l <"$T/err")
		[ "$lines" -eq "$1" ] ||
			fail "$what: $lines lines on stderr, expected $1: $(cat "$T/err")"
		shift
	fi
	for text in "$@"; do
		grep -qF -- "$text" "$T/err" ||
			fail "$what: stderr lacks '$text': $(cat "$T/err")"
	done
}

# poke FILE OFFSET OCTAL: overwrite bytes at OFFSET, e.g. poke f 8 '\377\377'.
poke() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# flip FILE OFFSET MASK: xor the byte at OFFSET with MASK (decimal).
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	poke "$1" "$2" "\\$(printf '%03o' $((b ^ $3)))"
}

# mkctl OUT [ARGS...]: the seed cluster's CTLFile.tlv, signed by pub.key.
mkctl() {
	out=$1
	shift
	cp "$DATA/pub.key" "$T/sign.key"
	chmod 600 "$T/sign.key"
	"$BIN" build -q -o "$out" --timestamp "$TS" \
		--sign-key "$T/sign.key" --sign-cert "$DATA/pub.pem" \
		--ccm-tftp "$DATA/pub.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
		--capf "$DATA/capf.pem,dns=cucm-1051-a-pub,ip=10.48.47.155" \
		--ccm-tftp "$DATA/sub1.pem,dns=cucm-1051-a-sub1,ip=10.48.47.156" "$@"
}

sum() {
	cksum <"$1"
}

# no_tmp DIR WHAT: no temporary file of an atomic write is left in DIR.
no_tmp() {
	left=$(find "$1" -name '*.tmp.*' | head -n 1)
	[ -z "$left" ] || fail "$2: temporary file left behind: $left"
}

ESC=$(printf '\033')
# no_raw WHAT: neither stdout nor stderr holds ESC, BEL, a C1 CSI, a bidi
# override or isolate, or a byte that is not UTF-8.
no_raw() {
	for f in "$T/out" "$T/err"; do
		if grep -q "$ESC" "$f" || grep -q "$(printf '\007')" "$f" ||
			grep -q "$(printf '\302\233')" "$f" ||
			grep -q "$(printf '\342\200\256')" "$f" ||
			grep -q "$(printf '\342\201\246')" "$f" ||
			! python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$f" 2>/dev/null; then
			fail "$1: raw control or invalid UTF-8 in $(basename "$f"): $(od -c "$f" | head -n 8)"
		fi
	done
}

finish() {
	if [ "$fails" -gt 0 ]; then
		echo "$0: $fails failure(s)" >&2
		exit 1
	fi
	echo "$0: ok"
}
