#!/usr/bin/env bash
# Checksums of what `mre run` stores, for "behaviour unchanged" checks across a refactor:
# runs `mre run` on the bundled data into a fresh SQLite store, then prints one SHA-256 per
# (table, version) of every content table, rows ordered by every column, without the columns
# that hold the run's own wall-clock times (created_at, ingested_at, ...); ISO times inside text
# that fall within the run (data watermarks) are replaced by "<run-time>". Version tags made by
# `--version auto` hash the data watermark (the ingest time), so they differ between any two
# runs: each tag is replaced by its prefix (the spec name; a scenario by its name), everywhere.
# Monitor runs are tagged by their time (M_YYYYMMDDTHHMMSSffffff): each such tag is replaced by
# "M_<run-time>". A spec hash whose spec text holds a replaced tag (an SCM spec naming its regime
# version, a monitor run) hashes the run's own tags: it is listed as "<run-tag-hash>".
# Usage: tools/run_checksums.sh [path/to/mre] [output file]   (default build/mre, stdout)
#        tools/run_checksums.sh --listing STORE.db START END [output file]: the listing of a store
#        an `mre run` made between START and END (seconds since the epoch), without running again.
set -euo pipefail
if [ "${1:-}" = "--listing" ]; then
  db=$2 start=$3 end=$4 out=${5:-/dev/stdout}
else
  mre=${1:-build/mre}
  out=${2:-/dev/stdout}
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  start=$(date -u +%s)
  "$mre" run --db "$dir/run.db" >"$dir/run.log" 2>&1 || { cat "$dir/run.log" >&2; exit 1; }
  end=$(date -u +%s)
  db=$dir/run.db
fi
/usr/bin/python3 - "$db" "$start" "$end" >"$out" <<'PY'
import hashlib, re, sqlite3, sys
from datetime import datetime, timezone

db, start, end = sys.argv[1], int(sys.argv[2]) - 3600, int(sys.argv[3]) + 3600
clock = {"created_at", "ingested_at", "written_at", "approved_at", "applied_at", "started_at",
         "finished_at", "last_ingested_at"}
skip_tables = {"schema_version", "runs"}
iso = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")

def scrub(text):
    if tag_re is not None:
        text = tag_re.sub(lambda m: tags[m.group(0)], text)
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
tags = {}
for table in tables:
    cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
    if table == "scenario_runs":
        for tag, name in con.execute("SELECT id, name FROM scenario_runs"):
            tags[tag] = "SC-<" + name + ">"
    elif "version" in cols and table not in ("schema_version",):
        for (tag,) in con.execute(f"SELECT DISTINCT version FROM {table}"):
            m = re.match(r"^(.*)_[0-9a-f]{8}$", tag)
            if m:
                tags[tag] = m.group(1) + "_<auto>"
            elif re.match(r"^M_\d{8}T\d{6,12}$", tag):
                tags[tag] = "M_<run-time>"
tag_re = re.compile("|".join(re.escape(t) for t in sorted(tags, key=len, reverse=True))) if tags else None
total = hashlib.sha256()
for table in tables:
    if table in skip_tables:
        continue
    cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in clock]
    group = "version" if "version" in cols else ("id" if "id" in cols else None)
    order = ", ".join(cols)
    rows = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}").fetchall()
    if "spec_hash" in cols and tag_re is not None:
        h = cols.index("spec_hash")
        texts = [i for i, c in enumerate(cols) if c in ("spec", "spec_text", "version")]
        rows = [tuple("<run-tag-hash>" if i == h and any(
                    isinstance(row[j], str) and tag_re.search(row[j]) and
                    (cols[j] != "version" or row[j].startswith("M_")) for j in texts) else v
                      for i, v in enumerate(row)) for row in rows]
    by = {}
    for row in rows:
        key = scrub(row[cols.index(group)]) if group else "*"
        by.setdefault(key, hashlib.sha256())
        by[key].update(("\x1f".join(cell(v) for v in row) + "\n").encode())
    counts = {}
    for row in rows:
        key = scrub(row[cols.index(group)]) if group else "*"
        counts[key] = counts.get(key, 0) + 1
    lines = [f"{table}\t{key}\t{counts[key]}\t{by[key].hexdigest()}" for key in sorted(by)]
    if not rows:
        lines = [f"{table}\t-\t0\tempty"]
    for line in lines:
        print(line)
        total.update((line + "\n").encode())
# The whole store: a hash of the lines above (independent of the tags' own sort order).
print(f"ALL\t-\t-\t{total.hexdigest()}")
PY
