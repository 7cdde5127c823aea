#!/usr/bin/python3
"""Validate JSON documents, one per line, against a JSON Schema.

Usage: /usr/bin/python3 validate.py SCHEMA.json LINES.jsonl

Uses Debian's python3-jsonschema (run with /usr/bin/python3 so the system package is found).
Blank lines are skipped. Exit status: 0 when every line is valid (and there is at least one),
1 otherwise, with the first problem (line number, JSON path, message) on stderr.
"""
import json
import sys

try:
    import jsonschema
except ImportError as e:  # python3-jsonschema missing, or not run with /usr/bin/python3
    print(f"validate.py: cannot import jsonschema ({e}); install python3-jsonschema and run with /usr/bin/python3",
          file=sys.stderr)
    sys.exit(1)


def main(argv):
    if len(argv) != 3:
        print("usage: validate.py SCHEMA.json LINES.jsonl", file=sys.stderr)
        return 1
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print(f"{argv[1]}: bad schema: {e}", file=sys.stderr)
        return 1
    validator = validator_class(schema)
    try:
        with open(argv[2], encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        print(f"{argv[2]}: {e}", file=sys.stderr)
        return 1
    checked = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except ValueError as e:
            print(f"{argv[2]}:{number}: not valid JSON: {e}", file=sys.stderr)
            return 1
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            path = "/".join(str(p) for p in first.absolute_path) or "(root)"
            print(f"{argv[2]}:{number}: {path}: {first.message}", file=sys.stderr)
            return 1
        checked += 1
    if checked == 0:
        print(f"{argv[2]}: no JSON documents to validate", file=sys.stderr)
        return 1
    print(f"{checked} document(s) valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
