#!/usr/bin/env python3
"""Issue 28: `mpirun -n 2 mre ...` stores byte-identical results to the single-process run, for
every command wired to the work-distribution seam (core/work_items.h), and a killed rank leaves
the store as it was.

For each command: two copies of one input store; one runs `mre CMD`, the other
`mpirun -n 2 mre CMD`; every table of both stores is exported (rows sorted, timestamp columns
`*_at` left out: they record when, not what) and compared byte for byte. The content tables the
command writes must be non-empty (so the comparison can fail).

Usage: mpi_cli_test.py MRE MPIRUN SOURCE_DIR   (exit 0: all passed)
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


def run(args, cwd=None, check=True):
    r = subprocess.run(args, cwd=cwd or SRC, env=ENV, capture_output=True, text=True, timeout=300)
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


def compare(name, base_db, args, tables, tmp, threads=None):
    """`threads`: the command's thread option; then one process on 1 thread, one on 2 threads,
    and mpirun -n 2 on 1 thread per rank must all store the same."""
    one, two = os.path.join(tmp, name + "_1.db"), os.path.join(tmp, name + "_2.db")
    shutil.copy(base_db, one)
    shutil.copy(base_db, two)
    single = [threads, "1"] if threads else []
    t0 = time.time()
    r1 = run([MRE] + args + single + ["--db", one])
    t1 = time.time()
    r2 = run(MPI + ["-n", "2", MRE] + args + single + ["--db", two])
    t2 = time.time()
    a, b = export(one), export(two)
    if threads:
        three = os.path.join(tmp, name + "_t.db")
        shutil.copy(base_db, three)
        run([MRE] + args + [threads, "2", "--db", three])
        check(f"{name}: 1 thread == 2 threads (every table)", a == export(three))
    for t in tables:
        check(f"{name}: {t} written", len(a.get(t, [])) > 0, "empty")
    check(f"{name}: 1 process == mpirun -n 2 (every table)", a == b,
          ", ".join(t for t in a if a.get(t) != b.get(t)))
    check(f"{name}: rank 0 alone prints", r1.stdout == r2.stdout, r2.stdout[:300])
    print(f"     {name}: 1 process {t1 - t0:.2f} s, mpirun -n 2 {t2 - t1:.2f} s (wall)")


def classifier_inputs(tmp):
    """A training CSV (six regimes, each its own z-score profile of the ten MR-DS-01 indicators,
    a sticky chain; deterministic) and three files to classify, two before and one after it."""
    names = ["yield_curve_slope_10y2y", "mmd_ust_ratio_10y", "vix_index", "move_index", "investment_grade_credit_spread",
             "high_yield_credit_spread", "tips_breakeven_5y", "swap_spread_10y", "muni_fund_flows_net", "us_cpi_yoy"]
    centre = [0.5, 85.0, 20.0, 100.0, 1.3, 4.5, 2.2, 0.1, 0.0, 2.5]
    scale = [1.0, 10.0, 6.0, 25.0, 0.4, 1.5, 0.4, 0.1, 1.5, 1.0]
    profile = [[1, 0, -1, -1, -1, -1, 0, 0, 0, 0], [-1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [1, 0, 1, 1, 0, 0, 1, 0, 0, 0],
               [-1, 0, 1, 0, 1, 1, 0, 0, 0, 0], [-1.5, 0, 0, 1.5, 1.5, 1.5, 0, 0, 0, 0], [0, 1.5, 0, 0, 0, 0, 0, 0, -1.5, 0]]
    import datetime
    import random
    rng = random.Random(8)
    day = datetime.date(2010, 1, 1)
    regime = 0
    rows = []
    for _ in range(1500):
        if rng.random() > 0.98:
            regime = (regime + 1 + rng.randrange(5)) % 6
        rows.append(day.isoformat() + "," + ",".join(
            "%.6g" % (centre[i] + scale[i] * (profile[regime][i] + 0.3 * rng.gauss(0, 1))) for i in range(10)))
        day += datetime.timedelta(days=1)
    header = "timestamp," + ",".join(names) + "\n"
    paths = []
    for name, part in (("train.csv", rows[:1200]), ("a.csv", rows[:300]), ("b.csv", rows[500:700]), ("c.csv", rows[1200:])):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(header + "\n".join(part) + "\n")
        paths.append(path)
    return paths[0], paths[1:]


with tempfile.TemporaryDirectory() as tmp:
    # The SCM of config/scm (seed 002) on its ten series.
    scm_db = os.path.join(tmp, "scm.db")
    run([MRE, "ingest", "--db", scm_db, "--tickers", "DCOILWTICO,MORTGAGE30US,ZQ=F,ZQ=F.open,EFFR,DGS3MO,TLT,DBC,DX-Y.NYB,^GSPC"])
    run([MRE, "scm", "fit", "--db", scm_db, "--version", "S1"])
    # scm simulate: bootstrap replicates (each its own seed) of a stored scenario run.
    compare("scm simulate", scm_db, ["scm", "simulate", "--scenario", "policy_hike", "--horizon", "40", "--paths", "300",
                                     "--replicates", "60"], ["scenario_runs", "scenarios"], tmp, threads="--threads")
    # scm counterfactual stores nothing: its printed bands must agree.
    cf = ["scm", "counterfactual", "--do", "EFFR=+0.50@2022-03-01..2022-06-30", "--replicates", "60", "--db", scm_db]
    check("scm counterfactual: bands of 1 process == mpirun -n 2",
          run([MRE] + cf).stdout == run(MPI + ["-n", "2", MRE] + cf).stdout)

    # backtest: penalties x refit dates of a small jump strategy.
    bt_db = os.path.join(tmp, "bt.db")
    run([MRE, "ingest", "--db", bt_db, "--tickers", "^GSPC,DGS3MO"])
    run([MRE, "features", "build", "--db", bt_db, "--spec", "config/features/sp500_jm.yml", "--version", "F1"])
    spec = os.path.join(tmp, "bt.yml")
    with open(spec, "w") as f:
        f.write("""name: mpi_toy
start: 2000-01-03
end: 2006-12-29
risk_free: DGS3MO
delay_days: 1
cost_bp: 10
strategies:
  - name: jm
    kind: jump
    feature_set: sp500_jm
    columns: [downside_deviation_log_10, sortino_20, sortino_60]
    order_by: sortino_20
    labels: [bull, bear]
    jump: {n_init: 3, seed: 42, penalties: [0, 15, 50]}
    walk_forward: {refit_every_months: 6, train_window_years: 5, min_train_years: 3}
    selection: {window_years: 2, min_years: 0.5}
    weights: {bull: {"^GSPC": 1}, bear: {cash: 1}}
""")
    compare("backtest", bt_db, ["backtest", "--spec", spec, "--version", "B1"], ["artefact_versions"], tmp, threads="--threads")

    # effects run: a 2 x 2 x 2 grid of cells.
    ef_db = os.path.join(tmp, "ef.db")
    run([MRE, "ingest", "--db", ef_db])
    run([MRE, "features", "build", "--db", ef_db, "--spec", "config/features/effects.yml", "--version", "FE"])
    run([MRE, "features", "build", "--db", ef_db, "--spec", "config/features/macro_ltv.yml", "--version", "FM"])
    run([MRE, "regimes", "fit", "--db", ef_db, "--spec", "config/regimes/hmm_macro.yml", "--version", "R1"])
    espec = os.path.join(tmp, "eff.yml")
    with open(espec, "w") as f:
        f.write("""name: mpi_small
feature_set: effects
regimes: hmm_macro
treatments: [mp_surprise, cpi_surprise_rt]
outcomes:
  sp500: {feature: sp500, kind: return}
  tlt: {feature: tlt, kind: return}
horizons: [1, 3]
controls: [fed_funds, inflation, vix]
lags: [1]
learner: auto
learners: [constant, ols, forest]
folds: 5
se: hac
""")
    compare("effects run", ef_db, ["effects", "run", "--spec", espec, "--version", "E1"], ["effect_versions", "causal_effects"], tmp,
            threads="--threads")

    # effects calibrate: (cell, surrogate) items, each seeded alone, on a 2-cell grid (OLS nuisances:
    # seconds) with 20 surrogates per cell.
    cal_db = os.path.join(tmp, "cal.db")
    shutil.copy(ef_db, cal_db)
    cspec = os.path.join(tmp, "cal.yml")
    with open(cspec, "w") as f:
        f.write(open(espec).read().replace("outcomes:\n  sp500: {feature: sp500, kind: return}\n  tlt: {feature: tlt, kind: return}",
                                           "outcomes:\n  sp500: {feature: sp500, kind: return}")
                .replace("horizons: [1, 3]", "horizons: [1]").replace("name: mpi_small", "name: mpi_cal"))
    run([MRE, "effects", "run", "--spec", cspec, "--version", "E2", "--learner", "ols", "--db", cal_db])
    compare("effects calibrate", cal_db, ["effects", "calibrate", "--version", "E2", "--surrogates", "20", "--seed", "7"],
            ["effects_calibration_cells", "effects_calibration_draws"], tmp, threads="--threads")

    # classify historical over several files: one item per file; outputs compared byte for byte.
    cl_db = os.path.join(tmp, "cl.db")
    train_csv, files = classifier_inputs(tmp)
    run([MRE, "classify", "train", "--version", "G1", "--data", train_csv, "--db", cl_db])
    outs = {}
    for name, launcher in (("1", []), ("mpi", MPI + ["-n", "2"])):
        d = os.path.join(tmp, "hist_" + name)
        os.makedirs(d)
        r = run(launcher + [MRE, "classify", "historical", "--version", "G1", "--allow-unapproved", "--in"] + files +
                ["--out-dir", d, "--threads", "1", "--db", cl_db])
        outs[name] = [open(os.path.join(d, os.path.basename(f))).read() for f in files]
    check("classify historical: outputs written", all(len(o.splitlines()) > 10 for o in outs["1"]))
    check("classify historical: 1 process == mpirun -n 2 (every output file)", outs["1"] == outs["mpi"])

    # Bad input: a store the other ranks cannot open. Two working directories stand for two hosts:
    # the relative SQLite path exists only in rank 0's, so rank 1 cannot see it.
    host_a, host_b = os.path.join(tmp, "host_a"), os.path.join(tmp, "host_b")
    os.makedirs(host_a)
    os.makedirs(host_b)
    shutil.copy(scm_db, os.path.join(host_a, "local.db"))
    before = export(os.path.join(host_a, "local.db"))
    sim = [MRE, "scm", "simulate", "--scenario", "policy_hike", "--horizon", "40", "--paths", "300", "--replicates", "60",
           "--db", "local.db", "--spec", os.path.join(SRC, "config/scm/policy_transmission.yml")]
    r = run(MPI + ["-n", "1", "--wdir", host_a] + sim + [":", "-n", "1", "--wdir", host_b] + sim, check=False)
    check("unreachable SQLite store: exit 3", r.returncode == 3, f"{r.returncode} {r.stderr[-500:]}")
    check("unreachable SQLite store: names the rank, the path and PostgreSQL",
          "MPI rank 1" in r.stderr and "'local.db'" in r.stderr and "PostgreSQL" in r.stderr, r.stderr[-800:])
    check("unreachable SQLite store: nothing stored", export(os.path.join(host_a, "local.db")) == before)
    check("unreachable SQLite store: nothing created on the other host", not os.path.exists(os.path.join(host_b, "local.db")))
    r = run(MPI + ["-n", "2", MRE, "scm", "simulate", "--scenario", "policy_hike", "--replicates", "60", "--db", ":memory:"], check=False)
    check(":memory: under mpirun: a clear error", r.returncode == 3 and "private to each process" in r.stderr, r.stderr[-500:])

    # A killed rank: mpirun ends the job, rank 0 never reaches its write, the store is unchanged.
    kill_db = os.path.join(tmp, "kill.db")
    shutil.copy(scm_db, kill_db)
    before = export(kill_db)
    job = subprocess.Popen(MPI + ["-n", "2", MRE, "scm", "simulate", "--scenario", "policy_hike", "--horizon", "40",
                                  "--paths", "300", "--replicates", "5000", "--threads", "1", "--db", kill_db],
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
    check("kill: found rank 1", victim is not None)
    if victim is not None:
        time.sleep(1.5)  # mid-run: the replicates take far longer than this
        os.kill(victim, signal.SIGKILL)
    out, err = job.communicate(timeout=120)
    check("kill: the run fails", job.returncode != 0, f"exit {job.returncode}")
    check("kill: mpirun names the killed rank", "rank 1" in err, err[-800:])
    check("kill: the store is as it was", export(kill_db) == before)

print("FAILED: " + ", ".join(failures) if failures else "all passed")
sys.exit(1 if failures else 0)
