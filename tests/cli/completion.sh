#!/bin/sh
# completion.sh - completion/ctlsign (bash) offers the commands, the
# subcommands and each command's options as the program's --help names
# them. Needs bash; skipped (77) without it.
. "$(dirname "$0")/lib.sh"
COMP=$(cd "$(dirname "$0")/../.." && pwd)/completion/ctlsign
command -v bash >/dev/null 2>&1 || { echo "no bash: skipped"; exit 77; }

# complete WORD...: the completions bash would offer for the command line
# WORD... (the last word is the one being completed), one per line.
complete_line() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_ctlsign; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$BIN" "$@"
}

has() { # has WHAT WORD OUTPUT-FILE
	grep -qx -- "$2" "$3" || fail "$1: '$2' not offered: $(tr '\n' ' ' <"$3")"
}

complete_line "" >"$T/c1"
for c in build show verify check sgn tokens cluster; do has "commands" "$c" "$T/c1"; done
complete_line ve >"$T/c2"
[ "$(cat "$T/c2")" = verify ] || fail "'ve': $(cat "$T/c2")"
complete_line sgn "" >"$T/c3"
for s in sign verify; do has "sgn subcommands" "$s" "$T/c3"; done
complete_line tokens "" >"$T/c4"
for s in list export; do has "tokens subcommands" "$s" "$T/c4"; done
complete_line cluster "" >"$T/c5"
for s in status set-mode update-ctl fetch-certs distribute; do has "cluster subcommands" "$s" "$T/c5"; done
grep -qx -- '--config' "$T/c5" && fail "cluster: an option offered as a subcommand"
complete_line build --sign- >"$T/c6"
for o in --sign-key --sign-cert --sign-token; do has "build options" "$o" "$T/c6"; done
complete_line build --digest "" >"$T/c7"
[ "$(tr '\n' ' ' <"$T/c7")" = "sha1 sha256 sha512 " ] || fail "--digest: $(cat "$T/c7")"
# Every option build --help shows is offered, none other.
"$BIN" build --help | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u >"$T/want"
complete_line build -- | sort -u >"$T/got"
cmp -s "$T/want" "$T/got" || fail "build --: $(diff "$T/want" "$T/got" | tr '\n' ' ')"
finish
