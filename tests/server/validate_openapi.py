#!/usr/bin/python3
"""Validate real API responses against the OpenAPI 3.1 document's response schemas (issue 22).

Usage: /usr/bin/python3 validate_openapi.py OPENAPI.json CASES.jsonl

Each line of CASES.jsonl is {"pointer": JSON pointer to a response schema in the document,
"label": text, "instance": the response body}. Schemas are JSON Schema 2020-12 (OpenAPI 3.1's
dialect); $refs resolve against the document. Every component schema is checked first. Exit 0
when every line validates (and there is at least one); 1 with the problems on stderr otherwise.
Uses Debian's python3-jsonschema.
"""
import json
import sys

import jsonschema
from jsonschema import Draft202012Validator


def resolve(doc, pointer):
    node = doc
    for part in pointer.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("openapi") != "3.1.0":
        print("not OpenAPI 3.1.0", file=sys.stderr)
        return 1
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    resolver = jsonschema.RefResolver.from_schema(doc)
    problems = []
    count = 0
    with open(argv[2], encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            case = json.loads(line)
            count += 1
            schema = resolve(doc, case["pointer"])
            Draft202012Validator.check_schema(schema)
            for e in Draft202012Validator(schema, resolver=resolver).iter_errors(case["instance"]):
                problems.append(f"{case['label']}: at {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{count} responses checked, {len(problems)} problems")
    return 0 if count and not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
