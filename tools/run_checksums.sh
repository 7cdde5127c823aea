#!/usr/bin/env bash
# Checksums of what `mre run` stores, for "behaviour unchanged" checks across a refactor:
# runs `mre run` on the bundled data into a fresh SQLite store, then prints one SHA-256 per
# (table, version) of every content table, rows ordered by every column, without the columns
# that hold the run's own wall-clock times (created_at, ingested_at, ...); ISO times inside text
# that fall within the run (data watermarks) are replaced by "<run-time>".
# Usage: tools/run_checksums.sh [path/to/mre] [output file]   (default build/mre, stdout)
set -euo pipefail
mre=${1:-build/mre}
out=${2:-/dev/stdout}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
start=$(date -u +%s)
"$mre" run --db "$dir/run.db" >"$dir/run.log" 2>&1 || { cat "$dir/run.log" >&2; exit 1; }
end=$(date -u +%s)
/usr/bin/python3 - "$dir/run.db" "$start" "$end" >"$out" <<'PY'
import hashlib, re, sqlite3, sys
from datetime import datetime, timezone

db, start, end = sys.argv[1], int(sys.argv[2]) - 3600, int(sys.argv[3]) + 3600
clock = {"created_at", "ingested_at", "written_at", "approved_at", "applied_at", "started_at",
         "finished_at", "last_ingested_at"}
skip_tables = {"schema_version", "runs"}
iso = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")

def scrub(text):
    def one(m):
        t = datetime.strptime(m.group(0)[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
        return "<run-time>" if start <= t <= end else m.group(0)
    return iso.sub(one, text)

def cell(v):
    if isinstance(v, str):
        return scrub(v)
    if isinstance(v, float):
        return v.hex()
    return repr(v)

con = sqlite3.connect(db)
tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
total = hashlib.sha256()
for table in tables:
    if table in skip_tables:
        continue
    cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in clock]
    group = "version" if "version" in cols else ("id" if "id" in cols else None)
    order = ", ".join(cols)
    rows = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}").fetchall()
    by = {}
    for row in rows:
        key = row[cols.index(group)] if group else "*"
        by.setdefault(key, hashlib.sha256())
        by[key].update(("\x1f".join(cell(v) for v in row) + "\n").encode())
        total.update((table + "\x1f" + "\x1f".join(cell(v) for v in row) + "\n").encode())
    counts = {}
    for row in rows:
        key = row[cols.index(group)] if group else "*"
        counts[key] = counts.get(key, 0) + 1
    if not rows:
        print(f"{table}\t-\t0\tempty")
    for key in sorted(by):
        print(f"{table}\t{key}\t{counts[key]}\t{by[key].hexdigest()}")
print(f"ALL\t-\t-\t{total.hexdigest()}")
PY
