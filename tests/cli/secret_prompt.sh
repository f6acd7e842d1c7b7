#!/bin/sh
# secret_prompt.sh - the no-echo passphrase prompt on a real
# pseudo-terminal (tests/cli/secret_prompt.py): the right passphrase
# signs without being echoed; Ctrl-C at the prompt kills the process by
# SIGINT with echo restored and no output; an over-long passphrase is
# refused (nothing tried) with echo restored.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "skip: needs python3"; exit 77; }
cp "$DATA/pub.pem" "$T/pub.pem"
openssl pkey -in "$DATA/pub.key" -aes256 -passout "pass:correct horse" \
	-out "$T/enc.key" 2>/dev/null || fail "cannot make the encrypted key"
chmod 600 "$T/enc.key"
for c in ok interrupt long; do
	python3 "$(dirname "$0")/secret_prompt.py" "$BIN" "$T" "$c" >"$T/py" 2>&1 ||
		fail "$c: $(cat "$T/py")"
done
finish
