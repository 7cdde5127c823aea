#!/usr/bin/env python3
# Checks the layering: every `#include "mre/<module>/..."` (or "cli/...", "server/...",
# "python/...") in src/mre/<module>/, cli/, server/ and python/ must name a module that ARCHITECTURE.md's layer table
# allows. Exit 1 with the offending lines.
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
text = open(os.path.join(root, "ARCHITECTURE.md")).read()
table = text.split("<!-- layers:begin -->")[1].split("<!-- layers:end -->")[0]
allowed = {}
for line in table.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 2 and cells[0] not in ("module", "---") and not cells[0].startswith("-"):
        allowed[cells[0]] = {m.strip() for m in cells[1].split(",")}

include = re.compile(r'#include\s+"(?:mre/)?([a-z_]+)/')
third_party = re.compile(r'#include\s+<(sqlite3|libpq|httplib|nlohmann|CLI|yaml-cpp)')
numeric = {"core", "features", "regimes", "causal", "scm", "narrative"}
violations = []
checked = 0
src = os.path.join(root, "src", "mre")
for module in sorted(os.listdir(src)):
    if module not in allowed:
        violations.append(f"src/mre/{module}/: module missing from ARCHITECTURE.md's layer table")
        continue
    for dirpath, _, files in os.walk(os.path.join(src, module)):
        for name in files:
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            for number, line in enumerate(open(path), 1):
                m = include.match(line.strip())
                if m and m.group(1) not in allowed[module]:
                    violations.append(f"{rel}:{number}: {module} may not include mre/{m.group(1)}/")
                t = third_party.match(line.strip())
                if t and (module in numeric or name.endswith(".h")) and module != "codec":
                    violations.append(f"{rel}:{number}: third-party header <{t.group(1)}...> "
                                      "belongs in a .cc file, codec/ or a front end")
            checked += 1
# The front ends (cli/, server/, python/) by the same table: cli/ and server/ call workflows and
# format results and never include a numeric kernel; the Python bindings (python/) may include
# the workflows and the kernels they expose. Nothing may include python/ (no module lists it).
for module in ("cli", "server", "python"):
    if module not in allowed:
        violations.append(f"{module}/: front end missing from ARCHITECTURE.md's layer table")
        continue
    for dirpath, _, files in os.walk(os.path.join(root, module)):
        for name in files:
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            for number, line in enumerate(open(path), 1):
                m = include.match(line.strip())
                if m and m.group(1) not in allowed[module]:
                    violations.append(f"{rel}:{number}: {module} may not include {m.group(1)}/")
            checked += 1
if violations:
    print("\n".join(violations))
    sys.exit(1)
print(f"layering ok: {checked} files, {len(allowed)} modules")
