# harness.sh - sourced by tests/cluster/*.sh and bench/cluster.sh: a
# simulated CUCM cluster on loopback, started and stopped by the test.
#
# Node i of a harness on net NET lives at 127.0.NET.(i+1) (never
# 127.0.0.1, never port 22) and is:
#   - a real OpenSSH sshd (-D, own config, own ed25519 host key, free
#     high port, UsePAM no, StrictModes no), with two logins:
#       root   -> ForceCommand tests/cluster/fake-cucm-cli NODE_DIR
#                 (the CUCM "admin" CLI stand-in; root only because it
#                 exists everywhere and we must not create accounts)
#       nobody -> ForceCommand internal-sftp: the file-transfer login.
#                 A real unprivileged account, so that a permission-
#                 denied TFTP root is a genuine denial (root ignores
#                 modes). Its TFTP root is owned by nobody.
#     Both take the harness's client key (AuthorizedKeysFile is the
#     harness's own file; the machine's sshd and ~/.ssh are untouched).
#   - a real tftpd-hpa (in.tftpd --foreground --listen --secure) on a
#     free UDP port of the same address, serving NODE_DIR/tftp.
# Everything lives in $H (mktemp -d) and is killed by pid and removed
# at exit, tmpfs mounts included.
#
#   usage: . harness.sh; h_init NET; h_node 1; ...; h_conf FILE N
set -eu

# HSRC: this directory (callers elsewhere, like bench/, set it first).
if [ -z "${HSRC:-}" ]; then
	HSRC=$(cd "$(dirname "$0")" && pwd)
fi

h_log() { echo "harness: $*" >&2; }

# h_killtree PID: PID and its descendants (per-connection sshd children
# outlive the listener otherwise), by id only.
h_killtree() {
	for _c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		h_killtree "$_c"
	done
	kill -9 "$1" 2>/dev/null || true
}

h_cleanup() {
	[ -n "${H:-}" ] && [ -d "$H" ] || return 0
	for _n in "$H"/n*; do
		[ -d "$_n" ] || continue
		h_stop_sshd_dir "$_n"
		[ -f "$_n/tftpd.pid" ] && h_killtree "$(cat "$_n/tftpd.pid")"
		chattr -i "$_n/tftp" 2>/dev/null || true
		mountpoint -q "$_n/tftp" 2>/dev/null && umount -l "$_n/tftp" 2>/dev/null || true
	done
	rm -rf "$H"
}

h_stop_sshd_dir() {
	if [ -f "$1/sshd.lpid" ]; then
		h_killtree "$(cat "$1/sshd.lpid")"
		rm -f "$1/sshd.lpid"
	fi
}

# h_free_ports IP: a TCP and a UDP port the kernel picks as free on IP
# (one python start: they cost ~0.3 s each on a loaded machine).
h_free_ports() {
	python3 -c 'import socket,sys
t=socket.socket(); t.bind((sys.argv[1],0))
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[1],0))
print(t.getsockname()[1], u.getsockname()[1])' "$1"
}

# h_init NET: the harness directory, the client key, the signer.
h_init() {
	NET=$1
	[ "$NET" -ge 1 ] && [ "$NET" -le 254 ] || { h_log "NET must be 1..254"; exit 2; }
	H=$(mktemp -d "${TMPDIR:-/tmp}/ctlsign-cluster.XXXXXX")
	trap 'h_cleanup' EXIT
	trap 'exit 130' INT TERM
	# sshd reads authorized_keys as the target user (nobody): the path
	# must be searchable by it.
	chmod 755 "$H"
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C ctlsign-test -f "$H/client_key"
	cp "$H/client_key.pub" "$H/authorized_keys"
	chmod 644 "$H/authorized_keys"
	: >"$H/known_hosts"
	NODES=0
}

# h_node I [tmpfs SIZE]: start node I (I >= 1).
h_node() {
	_i=$1
	_n="$H/n$_i"
	_ip="127.0.$NET.$((_i + 1))"
	mkdir -p "$_n/tftp" "$_n/certs"
	if [ "${2:-}" = tmpfs ]; then
		# A container without CAP_SYS_ADMIN cannot mount: skip (77), do
		# not pretend a disk is full some other way.
		if ! mount -t tmpfs -o "size=$3,mode=755" tmpfs "$_n/tftp" 2>"$H/mount.err"; then
			echo "skip: cannot mount a tmpfs here: $(cat "$H/mount.err")"
			exit 77
		fi
	fi
	chown 65534:65534 "$_n/tftp"
	[ -f "$H/mode" ] || echo 0 >"$H/mode"
	if [ "$_i" -eq 1 ]; then cp "$DATA/pub.pem" "$_n/certs/CallManager.pem"
	else cp "$DATA/sub1.pem" "$_n/certs/CallManager.pem"; fi
	cp "$DATA/capf.pem" "$_n/certs/CAPF.pem"
	cp "$DATA/tvs.pem" "$_n/certs/TVS.pem"
	cp "$DATA/itlrecovery.pem" "$_n/certs/ITLRecovery.pem"
	[ -f "$_n/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$_n/host_key"
	echo "$_ip" >"$_n/ip"
	h_free_ports "$_ip" >"$_n/ports"
	_tp=$(cut -d' ' -f2 "$_n/ports")
	echo "$_tp" >"$_n/tport"
	h_start_sshd "$_i"
	/usr/sbin/in.tftpd --foreground --listen --address "$_ip:$_tp" \
		--secure -u root "$_n/tftp" </dev/null >/dev/null 2>&1 &
	echo $! >"$_n/tftpd.pid"
	[ "$_i" -gt "$NODES" ] && NODES=$_i
	return 0
}

h_start_sshd() {
	_n="$H/n$1"
	_ip=$(cat "$_n/ip")
	_p=$(cut -d' ' -f1 "$_n/ports")
	echo "$_p" >"$_n/port"
	cat >"$_n/sshd_config" <<EOF
ListenAddress $_ip:$_p
HostKey $_n/host_key
PidFile none
AuthorizedKeysFile $H/authorized_keys
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin yes
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel ERROR
MaxStartups 200
MaxSessions 50
Subsystem sftp internal-sftp
Match User root
	ForceCommand /usr/bin/python3 $HSRC/fake-cucm-cli $_n
Match User nobody
	ForceCommand internal-sftp
EOF
	# -r: no re-exec per connection; a simulated node costs less CPU
	# (twenty of them share this machine's cores with the client).
	/usr/sbin/sshd -D -e -r -f "$_n/sshd_config" </dev/null 2>>"$_n/sshd.log" &
	echo $! >"$_n/sshd.lpid"
	# Ready when it listens.
	_k=0
	until ss -Hltn "src $_ip:$_p" | grep -q .; do
		_k=$((_k + 1))
		[ "$_k" -lt 200 ] || { h_log "sshd of node $1 did not start: $(cat "$_n/sshd.log")"; exit 1; }
		sleep 0.02
	done
}

# h_stop_sshd I: the node's sshd and every connection it serves.
h_stop_sshd() { h_stop_sshd_dir "$H/n$1"; }

# h_known_hosts I...: record these nodes' real host keys.
h_known_hosts() {
	for _i in "$@"; do
		_n="$H/n$_i"
		printf '[%s]:%s %s\n' "$(cat "$_n/ip")" "$(cat "$_n/port")" \
			"$(cut -d' ' -f1,2 "$_n/host_key.pub")" >>"$H/known_hosts"
	done
}

# h_cli_json: what the fake CLI needs to build and spread a CTL.
h_cli_json() {
	cp "$DATA/pub.key" "$H/sign.key"
	chmod 600 "$H/sign.key"
	roots=""
	for _i in $(seq 1 "$NODES"); do
		roots="$roots${roots:+,}\"$H/n$_i/tftp\""
	done
	cat >"$H/cli.json" <<EOF
{"ctlsign": "$BIN", "tftp_roots": [$roots],
 "build_args": ["--sign-key", "$H/sign.key", "--sign-cert", "$DATA/pub.pem",
   "--ccm-tftp", "$DATA/pub.pem,dns=cucm-pub,ip=10.0.0.1",
   "--capf", "$DATA/capf.pem,dns=cucm-pub,ip=10.0.0.1",
   "--ccm-tftp", "$DATA/sub1.pem,dns=cucm-sub1,ip=10.0.0.2"]}
EOF
}

# h_conf FILE N [EXTRA]: cluster.conf for nodes 1..N; node 1 publisher.
h_conf() {
	h_cli_json
	{
		echo "[cluster]"
		echo "known_hosts = $H/known_hosts"
		echo "timeout = ${H_TIMEOUT:-20}"
		[ -z "${H_CMD_TIMEOUT:-}" ] || echo "command_timeout = $H_CMD_TIMEOUT"
		echo "auth = key"
		echo "identity = $H/client_key"
		echo "cli_user = root"
		echo "sftp_user = nobody"
		for _i in $(seq 1 "$2"); do
			_n="$H/n$_i"
			echo
			echo "[node n$_i]"
			echo "host = $(cat "$_n/ip")"
			echo "port = $(cat "$_n/port")"
			if [ "$_i" -eq 1 ]; then echo "role = publisher"; else echo "role = subscriber"; fi
			echo "tftp_root = $_n/tftp"
			echo "tftp_port = $(cat "$_n/tport")"
		done
	} >"$1"
}

# h_md5 I: the md5 of node I's CTLFile.tlv on disk, "none" if absent.
h_md5() {
	if [ -f "$H/n$1/tftp/CTLFile.tlv" ]; then
		md5sum <"$H/n$1/tftp/CTLFile.tlv" | cut -d' ' -f1
	else
		echo none
	fi
}
