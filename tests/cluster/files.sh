#!/bin/sh
# files.sh - what a cluster.conf and a known_hosts must be, through the
# command: a config or known_hosts that is not a regular file is refused
# at once (a FIFO used to block `cluster status` forever); a known_hosts
# others can write (file or directory) is refused before any password
# is asked or any node contacted, and is never written to. Starts no
# server: the node is 127.0.0.1 port 9 (discard; SSH and TFTP), which
# nothing answers, so trying it would show as exit 5, not 2 or 3.
#   usage: sh tests/cluster/files.sh CTLSIGN TESTS_DATA_DIR
set -eu
[ $# -ge 2 ] || { echo "usage: $0 CTLSIGN TESTS_DATA_DIR" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/ctlsign-files.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run CMD...: status in $rc, output in $T/out and $T/err; never waits
# more than 10 s (a hang is exit 124).
run() {
	set +e
	timeout 10 "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	set -e
}

# expect WHAT RC TEXT...: the last run exited RC, stderr is one line
# holding each TEXT.
expect() {
	_what=$1 _want=$2
	shift 2
	[ "$rc" -eq "$_want" ] ||
		fail "$_what: exit $rc, expected $_want; stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] ||
		fail "$_what: not one line on stderr: $(cat "$T/err")"
	for _t in "$@"; do
		grep -qF -- "$_t" "$T/err" || fail "$_what: stderr lacks '$_t': $(cat "$T/err")"
	done
}

conf() {
	printf '[cluster]\nauth = password\ntimeout = 1\n[node a]\nhost = 127.0.0.1\nport = 9\ntftp_port = 9\ncli_user = u\n%s' \
		"${2:-}" >"$1"
}

# The config.
mkfifo "$T/fifo.conf"
run "$BIN" cluster status -c "$T/fifo.conf"
expect "config is a FIFO" 3 "$T/fifo.conf: not a regular file"
mkdir "$T/dir.conf"
run "$BIN" cluster status -c "$T/dir.conf"
expect "config is a directory" 3 "$T/dir.conf: not a regular file"
run "$BIN" cluster status -c /dev/null
expect "config is a device" 3 "/dev/null: not a regular file"
head -c 1048577 /dev/zero | tr '\0' '\n' >"$T/big.conf"
run "$BIN" cluster status -c "$T/big.conf"
expect "config larger than 1 MiB" 2 "$T/big.conf" "larger than"

# known_hosts beside the config (the default), then --known-hosts.
mkdir "$T/c"
chmod 755 "$T/c"
conf "$T/c/cluster.conf"
: >"$T/c/known_hosts"
chmod 664 "$T/c/known_hosts"
CTLSIGN_SSH_PASSWORD=x run "$BIN" cluster status -c "$T/c/cluster.conf"
expect "default known_hosts group-writable" 2 "$T/c/known_hosts" \
	"writable by group or others (mode 0664)" "chmod go-w $T/c/known_hosts"
chmod 646 "$T/c/known_hosts"
CTLSIGN_SSH_PASSWORD=x run "$BIN" cluster status -c "$T/c/cluster.conf" --accept-new
expect "default known_hosts world-writable, --accept-new" 2 "chmod go-w $T/c/known_hosts"
[ ! -s "$T/c/known_hosts" ] || fail "a refused known_hosts was written to"
chmod 644 "$T/c/known_hosts"
chmod 775 "$T/c"
CTLSIGN_SSH_PASSWORD=x run "$BIN" cluster status -c "$T/c/cluster.conf"
expect "directory of known_hosts group-writable" 2 "its directory $T/c" \
	"chmod go-w $T/c"
chmod 755 "$T/c"
# With the file and its directory fine the node is tried (and is not there).
CTLSIGN_SSH_PASSWORD=x run "$BIN" cluster status -c "$T/c/cluster.conf"
[ "$rc" -eq 5 ] || fail "good known_hosts: exit $rc, expected 5: $(cat "$T/err")"

# No password is asked before the refusal: no terminal and no variable
# would otherwise fail with "no terminal".
chmod 664 "$T/c/known_hosts"
run "$BIN" cluster status -c "$T/c/cluster.conf"
expect "refused before the password" 2 "chmod go-w"
chmod 644 "$T/c/known_hosts"

mkfifo "$T/kh.fifo"
run "$BIN" cluster status -c "$T/c/cluster.conf" --known-hosts "$T/kh.fifo"
expect "--known-hosts FIFO" 3 "$T/kh.fifo: known_hosts is not a regular file (a FIFO)"
conf "$T/c/fifo-kh.conf" "[cluster]
known_hosts = ../kh.fifo
"
run "$BIN" cluster status -c "$T/c/fifo-kh.conf"
expect "known_hosts = FIFO in the config" 3 "not a regular file (a FIFO)"
: >"$T/kh.open"
chmod 666 "$T/kh.open"
run "$BIN" cluster status -c "$T/c/cluster.conf" --known-hosts "$T/kh.open"
expect "--known-hosts world-writable" 2 "$T/kh.open" "chmod go-w $T/kh.open"
ln -s "$T/kh.open" "$T/c/kh.link"
run "$BIN" cluster status -c "$T/c/cluster.conf" --known-hosts "$T/c/kh.link"
expect "--known-hosts link to a world-writable file" 2 "chmod go-w $T/kh.open"

if [ "$(id -u)" -eq 0 ]; then
	chmod 644 "$T/c/known_hosts"
	chown 65534 "$T/c/known_hosts"
	run "$BIN" cluster status -c "$T/c/cluster.conf" --accept-new
	expect "known_hosts owned by nobody" 2 "owned by uid 65534" "chown 0 $T/c/known_hosts"
	[ ! -s "$T/c/known_hosts" ] || fail "a refused known_hosts was written to"
else
	echo "skip: the owner case needs root (to give a file to nobody)"
fi

if [ "$fails" -gt 0 ]; then
	echo "$0: $fails failure(s)" >&2
	exit 1
fi
echo "$0: ok"
