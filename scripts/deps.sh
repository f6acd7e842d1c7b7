#!/bin/sh
# deps.sh - installs the Debian 12 packages one job needs. Idempotent:
# installs only what is missing.
#   scripts/deps.sh demo   build ctlsign and run the demo (scripts/demo.sh)
#   scripts/deps.sh test   build and run the whole test suite (scripts/test.sh):
#                          the demo's packages plus the test tools and the
#                          servers the tests start on loopback (sshd, tftpd)
#                          and debhelper for the package build
# Only `test` installs servers; apt is kept from starting them either way.
set -eu
job=${1:-test}
demo_pkgs="build-essential cmake pkg-config libssl-dev openssl libp11-dev
libp11-kit-dev p11-kit-modules softhsm2 opensc libssh-dev libcurl4-openssl-dev
libinih-dev libjansson-dev"
case $job in
demo) pkgs=$demo_pkgs ;;
test) pkgs="$demo_pkgs clang libclang-rt-14-dev libcmocka-dev openssh-server
openssh-client tftpd-hpa curl procps iproute2 python3 python3-jsonschema
debhelper" ;;
*) echo "usage: scripts/deps.sh demo|test" >&2; exit 2 ;;
esac
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
