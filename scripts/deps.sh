#!/bin/sh
# deps.sh - installs the Debian 12 packages ctlsign needs to build, test
# and run its demo. Idempotent: installs only what is missing.
set -eu
pkgs="build-essential cmake pkg-config clang libclang-rt-14-dev
libssl-dev openssl libp11-dev softhsm2 opensc libssh-dev libcurl4-openssl-dev
libinih-dev libcmocka-dev openssh-server openssh-client tftpd-hpa curl
procps iproute2 python3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# tftpd-hpa's and sshd's own services are not used: the tests start their
# own instances on loopback; policy-rc.d keeps apt from starting them.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
	$sudo chmod +x /usr/sbin/policy-rc.d
	trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
