# lib.sh - sourced by tests/trust/*.sh: tests/cli/lib.sh (the binary, a
# temporary directory, run/expect/fail/finish), the scenario PKI made by
# make-pki.sh in $P, and helpers that build trust lists from it and
# assert what `ctlsign check` says, per step and per phone class, in its
# text and in its JSON, which must agree.
#   usage: sh tests/trust/NAME.sh CTLSIGN TESTS_DATA_DIR
. "$(dirname "$0")/../cli/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: cannot read the JSON" >&2; exit 77; }
P=$T/pki
sh "$(dirname "$0")/make-pki.sh" "$P" >/dev/null

# build_list OUT KIND SIGNER [ROLE NAME]...: a CTL (KIND ctl) or ITL (itl)
# signed tokenlessly by SIGNER's key, with ROLE (sast, ccm-tftp, tvs,
# capf) records for the PKI certificates NAME, in order.
build_list() {
	out=$1 kind=$2 signer=$3
	shift 3
	set -- "$@" END
	args=""
	[ "$kind" = itl ] && args="--itl"
	while [ "$1" != END ]; do
		args="$args --$1 $P/$2.pem"
		shift 2
	done
	mkdir -p "$(dirname "$out")"
	# shellcheck disable=SC2086 # the record options are words on purpose
	"$BIN" build -q -o "$out" --timestamp "$TS" \
		--sign-key "$P/$signer.key" --sign-cert "$P/$signer.pem" $args ||
		{ echo "cannot build $out" >&2; exit 2; }
}

# store DIR NAME...: a trust store directory holding the PKI certificates NAME.
store() {
	d=$1
	shift
	rm -rf "$d"
	mkdir -p "$d"
	for c in "$@"; do
		cp "$P/$c.pem" "$d/$c.pem"
	done
}

# text_verdicts: "sbd no-sbd empty;..." per step, from check's text on $T/out.
text_verdicts() {
	awk '
	/^step [0-9]+: / { if (line != "") steps = steps (steps != "" ? ";" : "") line; line = "" }
	/^  phones / {
		v = $0
		sub(/^  phones [^:]*: /, "", v)
		if (v ~ /^TAKES it through TVS:/) w = "tvs"
		else if (v ~ /^DEPENDS:/) w = "depends"
		else if (v ~ /^TAKES it \(first file\):/) w = "first-file"
		else if (v ~ /^TAKES it:/) w = "direct"
		else if (v ~ /^STRANDED:/) w = "stranded"
		else if (v ~ /^not affected:/) w = "not-used"
		else w = "?"
		line = line (line != "" ? " " : "") w
	}
	END { if (line != "") steps = steps (steps != "" ? ";" : "") line; print steps }' "$T/out"
}

# json_verdicts: the same from check --json on $T/json, and the exit it names.
json_verdicts() {
	python3 - "$T/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 1 and d["command"] == "check", "format_version"
steps = []
for i, s in enumerate(d["steps"]):
    assert s["step"] == i + 1
    v = []
    for c in ("sbd", "no-sbd", "empty"):
        p = s["phones"][c]
        assert p["takes"] == (p["verdict"] in ("direct", "first-file", "tvs")), "takes"
        assert p["reason"], "reason"
        v.append(p["verdict"])
    steps.append(" ".join(v))
print(";".join(steps), d["exit"])
PY
}

# judge WHAT RC "VERDICTS" CHECK-ARGS...: check exits RC and says VERDICTS
# ("sbd no-sbd empty" per step, ';' between steps), in text and JSON.
judge() {
	what=$1 want_rc=$2 want=$3
	shift 3
	run "$BIN" check "$@"
	text_rc=$rc
	got=$(text_verdicts)
	cp "$T/out" "$T/text"
	set +e
	"$BIN" check --json "$@" >"$T/json" 2>/dev/null
	json_rc=$?
	set -e
	json=$(json_verdicts) || { fail "$what: JSON unreadable: $(cat "$T/json")"; json="?"; }
	python3 "$(dirname "$0")/../cli/json_validate.py" "$(dirname "$0")/../../docs/schema" \
		check "$T/json" || fail "$what: not a valid check document (docs/schema/check.json)"
	cp "$T/text" "$T/out"
	[ "$text_rc" -eq "$want_rc" ] || fail "$what: exit $text_rc, expected $want_rc: $(cat "$T/out" "$T/err")"
	[ "$json_rc" -eq "$want_rc" ] || fail "$what: --json exit $json_rc, expected $want_rc"
	[ "$got" = "$want" ] || fail "$what: verdicts '$got', expected '$want': $(cat "$T/out")"
	[ "$json" = "$want $want_rc" ] || fail "$what: JSON says '$json', expected '$want $want_rc'"
}

# says WHAT TEXT...: the last check's text output holds each TEXT.
says() {
	what=$1
	shift
	for t in "$@"; do
		grep -qF -- "$t" "$T/out" || fail "$what: output lacks '$t': $(cat "$T/out")"
	done
}
