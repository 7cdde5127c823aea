#!/usr/bin/env python3
"""Issues 22 and 28: the EM starts of a walk-forward regime fit (`mre regimes fit --spec`) and of
the classifier backfill (`mre classify backfill`) run on the work-distribution seam; the stored
results are byte-identical with --threads 1, --threads 2 and `mpirun -n 2`, and a rank killed
mid-backfill leaves the store as it was.

As tests/cli/mpi_cli_test.py: copies of one input store, every table exported (rows sorted, the
`*_at` timestamp columns left out) and compared; the tables the command writes must be non-empty.
Small inputs: the month-end macro HMM (hmm_macro) and a backfill to mid-2009 with two starts.

Usage: mpi_regimes_test.py MRE MPIRUN SOURCE_DIR   (exit 0: all passed)
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

MRE, MPIRUN, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
MPI = [MPIRUN, "--oversubscribe", "--allow-run-as-root"]
ENV = dict(os.environ, MRE_UNIVERSE=os.path.join(SRC, "config/universe.yml"))
failures = []


def run(args, check=True):
    r = subprocess.run(args, cwd=SRC, env=ENV, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise SystemExit(f"FAILED ({r.returncode}): {' '.join(args)}\n{r.stderr[-3000:]}")
    return r


def export(db):
    """Every table's rows as text, sorted, without the *_at timestamp columns."""
    con = sqlite3.connect(db)
    out = {}
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        cols = [c[1] for c in con.execute(f'PRAGMA table_info("{table}")') if not c[1].endswith("_at")]
        if not cols:
            continue
        rows = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}"').fetchall()
        out[table] = sorted(repr(r) for r in rows)
    con.close()
    return out


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(name)


def compare(name, base_db, args, tables, tmp):
    """One process on 1 thread, one on 2 threads, mpirun -n 2 on 1 thread per rank: the same."""
    dbs = {}
    times = {}
    for how, launcher, threads in (("1", [], "1"), ("2", [], "2"), ("mpi", MPI + ["-n", "2"], "1")):
        dbs[how] = os.path.join(tmp, f"{name.replace(' ', '_')}_{how}.db")
        shutil.copy(base_db, dbs[how])
        t0 = time.time()
        run(launcher + [MRE] + args + ["--threads", threads, "--db", dbs[how]])
        times[how] = time.time() - t0
    a = export(dbs["1"])
    for t in tables:
        check(f"{name}: {t} written", len(a.get(t, [])) > 0, "empty")
    check(f"{name}: 1 thread == 2 threads (every table)", a == export(dbs["2"]))
    b = export(dbs["mpi"])
    check(f"{name}: 1 process == mpirun -n 2 (every table)", a == b,
          ", ".join(t for t in a if a.get(t) != b.get(t)))
    print(f"     {name}: 1 thread {times['1']:.2f} s, 2 threads {times['2']:.2f} s, "
          f"mpirun -n 2 {times['mpi']:.2f} s (wall)")


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "base.db")
    run([MRE, "ingest", "--db", db])
    run([MRE, "features", "build", "--db", db, "--spec", "config/features/macro_ltv.yml", "--version", "FM"])
    run([MRE, "features", "build", "--db", db, "--spec", "config/features/indicators.yml", "--version", "FI"])

    # A walk-forward regime fit: 4 states, 10 starts per fresh refit, 30 semi-annual refits.
    compare("regimes fit (walk-forward)", db,
            ["regimes", "fit", "--spec", "config/regimes/hmm_macro.yml", "--version", "R1", "--quiet"],
            ["regime_models", "regimes_global"], tmp)

    # The classifier backfill: every retrain's fresh starts at once, then the warm-start chain.
    backfill = ["classify", "backfill", "--version", "B1", "--to", "2009-06-30", "--n-init", "2", "--quiet"]
    compare("classify backfill", db, backfill, ["regime_models", "regimes_global"], tmp)

    # A killed rank: the other rank and mpirun end the job, rank 0 never writes, the store is
    # unchanged. The full backfill takes far longer than the 1.5 s before the kill.
    kill_db = os.path.join(tmp, "kill.db")
    shutil.copy(db, kill_db)
    before = export(kill_db)
    job = subprocess.Popen(MPI + ["-n", "2", MRE, "classify", "backfill", "--version", "BK", "--threads", "1",
                                  "--quiet", "--db", kill_db],
                           cwd=SRC, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = None
    deadline = time.time() + 60
    while victim is None and time.time() < deadline and job.poll() is None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    env = f.read().split(b"\0")
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if b"OMPI_COMM_WORLD_RANK=1" in env and cmd and cmd[0].endswith(b"mre") and kill_db.encode() in cmd:
                victim = int(pid)
                break
        time.sleep(0.1)
    check("kill: found rank 1 of the backfill", victim is not None)
    if victim is not None:
        time.sleep(1.5)
        os.kill(victim, signal.SIGKILL)
    out, err = job.communicate(timeout=300)
    check("kill: the backfill fails", job.returncode != 0, f"exit {job.returncode}")
    check("kill: mpirun names the killed rank", "rank 1" in err, err[-800:])
    check("kill: the store is as it was", export(kill_db) == before)

print("FAILED: " + ", ".join(failures) if failures else "all passed")
sys.exit(1 if failures else 0)
