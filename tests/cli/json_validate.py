#!/usr/bin/env python3
"""json_validate.py - checks --json output against its documented schema.

usage: json_validate.py SCHEMA_DIR COMMAND FILE...
       json_validate.py SCHEMA_DIR - FILE...   (the schema of each FILE's own command)

Each FILE is the whole stdout of one `ctlsign ... --json` run. It must be
  - UTF-8, one JSON document on one line ending in a newline, nothing else;
  - free of the code points ctlsign never writes raw (trustlist/text.h):
    C0 and C1 controls, DEL, bidi controls, U+2028/U+2029 (escaped as
    \\uNNNN inside strings, they are allowed);
  - an object whose "command" is COMMAND, valid against the schema of
    that command in SCHEMA_DIR (docs/schema/, JSON Schema 2020-12).
COMMAND picks the schema: show, verify, check, "tokens list", and every
"cluster ..." (cluster.json). Exit 0 if every FILE passes, else 1 with one
line per failure on stderr. Needs python3-jsonschema (scripts/deps.sh test).
"""
import json
import os
import sys

import jsonschema

SCHEMAS = {"show": "show.json", "verify": "verify.json", "check": "check.json",
           "tokens list": "tokens-list.json"}


def unsafe(c):
    """The code points trustlist/text.c's ctl_text_unsafe_cp never shows raw."""
    o = ord(c)
    return (o < 0x20 or 0x7f <= o <= 0x9f or o in (0x061c, 0x200e, 0x200f, 0x2028, 0x2029)
            or 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069)


def load(schema_dir, command):
    """The validator of command's schema, or None if it has none."""
    name = "cluster.json" if command.split(" ")[0] == "cluster" else SCHEMAS.get(command)
    if name is None:
        return None
    schema = json.load(open(os.path.join(schema_dir, name), encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check(path, schema_dir, command, validator):
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return "not UTF-8: %s" % e
    if command == "-":  # the document says which schema applies
        try:
            command = json.loads(text).get("command")
        except (ValueError, AttributeError):
            command = None
        if not isinstance(command, str):
            command = "(none)"
    if not text.endswith("\n") or "\n" in text[:-1]:
        return "not one line ending in a newline (%d bytes)" % len(raw)
    bad = [c for c in text[:-1] if unsafe(c)]
    if bad:
        return "raw control or bidi code point U+%04X in the output" % ord(bad[0])
    try:
        doc = json.loads(text)
    except ValueError as e:
        return "not JSON: %s" % e
    if not isinstance(doc, dict) or doc.get("command") != command:
        return "not a %r document: %.200s" % (command, text)
    if validator is None:
        validator = load(schema_dir, command)
        if validator is None:
            return "no schema for command %r" % command
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        return "schema: at %s: %s (%d error(s))" % (where, e.message[:300], len(errors))
    return None


def main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: json_validate.py SCHEMA_DIR COMMAND FILE...\n")
        return 2
    schema_dir, command, files = argv[1], argv[2], argv[3:]
    validator = None
    if command != "-":
        validator = load(schema_dir, command)
        if validator is None:
            sys.stderr.write("json_validate: no schema for command %r\n" % command)
            return 2
    failed = 0
    for f in files:
        why = check(f, schema_dir, command, validator)
        if why is not None:
            sys.stderr.write("json_validate: %s: %s\n" % (f, why))
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
