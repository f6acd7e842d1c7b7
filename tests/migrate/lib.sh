# lib.sh - sourced by tests/migrate/*.sh: driving `ctlsign migrate` to
# the end through its manual steps, with an interruption wherever a test
# asks for one (the pause points of ctlsign-testhooks: "migrate-before"
# and "migrate-after" with a step number, "write" with a file name; see
# trustlist/util.h and ctlsign/migrate.c).
#
# Needs: BIN (ctlsign), TH (ctlsign-testhooks), fail().

# next_step DIR: the first unfinished step recorded in DIR/state.json.
next_step() {
	sed -n 's/^ *"next": \([0-9][0-9]*\),*$/\1/p' "$1/state.json"
}

# invoke SPEC SIGNAL ARGS...: run `ctlsign-testhooks ARGS`; with SPEC
# (not "-"), hold it at that pause point and send SIGNAL to its whole
# process group (steps included); $fired says whether it got there.
# Status in $rc, output in $M/out, $M/err (appended to $M/log).
invoke() {
	_spec=$1 _sig=$2
	shift 2
	fired=0
	rm -f "$M/pause"
	if [ "$_spec" = - ]; then
		set +e
		"$TH" "$@" >"$M/out" 2>"$M/err"
		rc=$?
		set -e
	else
		CTLSIGN_TEST_PAUSE=$_spec CTLSIGN_TEST_PAUSE_FILE=$M/pause \
			setsid "$TH" "$@" >"$M/out" 2>"$M/err" &
		_pid=$!
		_k=0
		while [ ! -e "$M/pause" ] && kill -0 "$_pid" 2>/dev/null; do
			_k=$((_k + 1))
			[ "$_k" -lt 600 ] || { fail "$_spec: never reached"; break; }
			sleep 0.05
		done
		if [ -e "$M/pause" ]; then
			fired=1
			kill "-$_sig" "-$_pid" 2>/dev/null || true
		fi
		set +e
		wait "$_pid"
		rc=$?
		set -e
		rm -f "$M/pause"
		# Its steps may still be ending (a distribution rolls back on
		# SIGTERM): a person reruns once they are gone; so does the test.
		_k=0
		while kill -0 "-$_pid" 2>/dev/null && [ "$_k" -lt 1200 ]; do
			_k=$((_k + 1))
			sleep 0.05
		done
	fi
	cat "$M/out" "$M/err" >>"$M/log"
}

# drive DIR SPECS START_ARGS...: start the plan (START_ARGS: everything
# after `migrate`), then resume it until it is done, confirming each
# manual step it stops at. SPECS is a space-separated list of
# "POINT:NAME/SIGNAL" ("-": none): each is armed on every run until it
# fires, then the next; each must fire before the plan ends. After an
# interruption the next run is a plain resume.
drive() {
	_dir=$1 _specs="$2 "
	shift 2
	_spec=${_specs%% *}
	invoke "${_spec%/*}" "${_spec#*/}" migrate "$@"
	_n=0
	while :; do
		if [ "$fired" = 1 ]; then
			_specs=${_specs#* }
			[ "$rc" -ge 128 ] || fail "drive: $_spec fired but the run ended with exit $rc"
		fi
		[ "$rc" -ne 0 ] || break
		_n=$((_n + 1))
		[ "$_n" -lt 40 ] || { fail "drive: no end after 40 runs"; return 0; }
		_spec=${_specs%% *}
		[ -n "$_spec" ] || _spec=-
		if [ "$rc" -eq 20 ]; then
			invoke "${_spec%/*}" "${_spec#*/}" migrate resume --state "$_dir" \
				--confirm "$(next_step "$_dir")"
		elif [ "$rc" -ge 128 ]; then
			invoke "${_spec%/*}" "${_spec#*/}" migrate resume --state "$_dir"
		else
			fail "drive: exit $rc: $(cat "$M/err")"
			return 0
		fi
	done
	case "$_specs" in
	"" | "- ") ;;
	*) fail "drive: never interrupted at: $_specs" ;;
	esac
}

# says WHAT TEXT...: each TEXT is in the last run's stdout or stderr.
says() {
	_what=$1
	shift
	for _t in "$@"; do
		cat "$M/out" "$M/err" 2>/dev/null | grep -qF -- "$_t" ||
			fail "$_what: output lacks '$_t': $(cat "$M/err" "$M/out" 2>/dev/null | tail -20)"
	done
}
