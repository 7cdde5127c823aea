# Reference side of the ingest benchmark: loads every bundled snapshot CSV into SQLite
# with pandas (read_csv + to_sql), the same work `mre ingest` does, and prints one JSON line.
import argparse
import json
import os
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

SCHEMA = ("CREATE TABLE raw_series(ticker TEXT, asset_class TEXT, dt TEXT, value REAL, "
          "source TEXT, ingested_at TEXT, PRIMARY KEY(ticker, dt, ingested_at)) WITHOUT ROWID")


def value_column(cols):
    """AdjClose if present, else close/Close, else the second column (FRED, MOVE)."""
    for name in ("AdjClose", "close", "Close"):
        if name in cols:
            return name
    return cols[1]


def ingest(files, db):
    """One timed repetition: read + transform + write. Returns (rows, seconds)."""
    if os.path.exists(db):
        os.remove(db)
    conn = sqlite3.connect(db)
    conn.execute(SCHEMA)
    conn.commit()
    t0 = time.perf_counter()
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    frames = []
    for path in files:
        df = pd.read_csv(path, na_values=[".", ""])
        date_col, val_col = df.columns[0], value_column(list(df.columns))
        df = df[[date_col, val_col]].dropna(subset=[val_col])
        frames.append(pd.DataFrame({
            "ticker": path.stem,
            "asset_class": "X",
            "dt": pd.to_datetime(df[date_col], format="%Y-%m-%d").dt.strftime("%Y-%m-%d"),
            "value": df[val_col].astype(float),
            "source": "snapshot",
            "ingested_at": stamp,
        }))
    long = pd.concat(frames, ignore_index=True)
    # A single to_sql call on a sqlite3 connection runs in one transaction, committed at the end.
    long.to_sql("raw_series", conn, if_exists="append", index=False, chunksize=50000, method=None)
    conn.commit()
    seconds = time.perf_counter() - t0
    conn.close()
    return len(long), seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--snapshot", required=True, type=Path)
    ap.add_argument("--db", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    snap = args.snapshot
    files = sorted(snap.glob("fred/*.csv")) + sorted(snap.glob("yahoo/*.csv")) + [snap / "other/futures/ZQ_F.csv"]
    best, rows = None, 0
    for i in range(max(1, args.repeat)):
        rows, seconds = ingest(files, args.db)
        print(f"run {i + 1}: {rows} rows in {seconds:.3f} s", file=sys.stderr)
        best = seconds if best is None else min(best, seconds)
    print(json.dumps({"tool": "pandas", "pandas_version": pd.__version__, "files": len(files),
                      "rows": rows, "best_seconds": best, "rows_per_second": rows / best}))


if __name__ == "__main__":
    main()
