#!/bin/sh
# cluster_files.sh - what a cluster.conf and a known_hosts must be, through
# the command: a config or known_hosts that is not a regular file is
# refused at once (a FIFO used to block `cluster status` forever); a
# known_hosts others can write (file or directory) is refused before any
# password is asked or any node contacted, and is never written to.
# Starts no server: the node is 127.0.0.1 port 9 (discard; SSH and TFTP),
# which nothing answers, so trying it would show as exit 5, not 2 or 3.
# Every run is bounded (timeout 10: a hang is exit 124).
. "$(dirname "$0")/lib.sh"

conf() {
	printf '[cluster]\nauth = password\ntimeout = 1\n[node a]\nhost = 127.0.0.1\nport = 9\ntftp_port = 9\ncli_user = u\n%s' \
		"${2:-}" >"$1"
}

# The config.
mkfifo "$T/fifo.conf"
run timeout 10 "$BIN" cluster status -c "$T/fifo.conf"
expect "config is a FIFO" 3 1 "$T/fifo.conf: not a regular file"
mkdir "$T/dir.conf"
run timeout 10 "$BIN" cluster status -c "$T/dir.conf"
expect "config is a directory" 3 1 "$T/dir.conf: not a regular file"
run timeout 10 "$BIN" cluster status -c /dev/null
expect "config is a device" 3 1 "/dev/null: not a regular file"
head -c 1048577 /dev/zero | tr '\0' '\n' >"$T/big.conf"
run timeout 10 "$BIN" cluster status -c "$T/big.conf"
expect "config larger than 1 MiB" 2 1 "$T/big.conf" "larger than"

# known_hosts beside the config (the default), then --known-hosts.
mkdir "$T/c"
chmod 755 "$T/c"
conf "$T/c/cluster.conf"
: >"$T/c/known_hosts"
chmod 664 "$T/c/known_hosts"
CTLSIGN_SSH_PASSWORD=x run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf"
expect "default known_hosts group-writable" 2 1 "$T/c/known_hosts" \
	"writable by group or others (mode 0664)" "chmod go-w $T/c/known_hosts"
chmod 646 "$T/c/known_hosts"
CTLSIGN_SSH_PASSWORD=x run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf" --accept-new
expect "default known_hosts world-writable, --accept-new" 2 1 "chmod go-w $T/c/known_hosts"
[ ! -s "$T/c/known_hosts" ] || fail "a refused known_hosts was written to"
chmod 644 "$T/c/known_hosts"
chmod 775 "$T/c"
CTLSIGN_SSH_PASSWORD=x run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf"
expect "directory of known_hosts group-writable" 2 1 "its directory $T/c" \
	"chmod go-w $T/c"
chmod 755 "$T/c"
# With the file and its directory fine the node is tried (and is not there).
CTLSIGN_SSH_PASSWORD=x run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf"
[ "$rc" -eq 5 ] || fail "good known_hosts: exit $rc, expected 5: $(cat "$T/err")"

# No password is asked before the refusal: no terminal and no variable
# would otherwise fail with "no terminal".
chmod 664 "$T/c/known_hosts"
run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf"
expect "refused before the password" 2 1 "chmod go-w"
chmod 644 "$T/c/known_hosts"

mkfifo "$T/kh.fifo"
run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf" --known-hosts "$T/kh.fifo"
expect "--known-hosts FIFO" 3 1 "$T/kh.fifo: known_hosts is not a regular file (a FIFO)"
conf "$T/c/fifo-kh.conf" "[cluster]
known_hosts = ../kh.fifo
"
run timeout 10 "$BIN" cluster status -c "$T/c/fifo-kh.conf"
expect "known_hosts = FIFO in the config" 3 1 "not a regular file (a FIFO)"
: >"$T/kh.open"
chmod 666 "$T/kh.open"
run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf" --known-hosts "$T/kh.open"
expect "--known-hosts world-writable" 2 1 "$T/kh.open" "chmod go-w $T/kh.open"
ln -s "$T/kh.open" "$T/c/kh.link"
run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf" --known-hosts "$T/c/kh.link"
expect "--known-hosts link to a world-writable file" 2 1 "chmod go-w $T/kh.open"

if [ "$(id -u)" -eq 0 ]; then
	chmod 644 "$T/c/known_hosts"
	chown 65534 "$T/c/known_hosts"
	run timeout 10 "$BIN" cluster status -c "$T/c/cluster.conf" --accept-new
	expect "known_hosts owned by nobody" 2 1 "owned by uid 65534" "chown 0 $T/c/known_hosts"
	[ ! -s "$T/c/known_hosts" ] || fail "a refused known_hosts was written to"
else
	echo "skip: the owner case needs root (to give a file to nobody)"
fi

finish
