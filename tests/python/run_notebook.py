"""Executes a notebook headless (python3-nbclient) against a small store built here (the tickers
the tour reads, one feature set, one HMM regime version, one buy-and-hold backtest), failing on
any cell's error.
Usage: run_notebook.py NOTEBOOK (MRE_BIN, PYTHONPATH as for the other Python tests)."""
import os
import sys
import tempfile

import nbclient
import nbformat

from support import run_mre

FEATURES = ("name: small\nfrequency: month_end\nstart: 2000-01-31\nfeatures:\n"
            "  - {name: equity_momentum, inputs: [\"^GSPC\"], ops: [{op: returns, horizon: 3}]}\n"
            "  - {name: hy_change, inputs: [BAMLH0A0HYM2], ops: [{op: diff, periods: 1}]}\n")
HMM = ("name: h\nmethod: hmm\nfeature_set: small\ncolumns: [equity_momentum, hy_change]\n"
       "hmm: {n_states: 2, covariance: full, n_iter: 200, tol: 1.0e-4, n_init: 2, seed: 42, min_covar: 1.0e-3}\n"
       "walk_forward: {refit_every_months: 60, min_train_rows: 60, min_column_observations: 30}\n")
BACKTEST = ("name: tour\nstart: 2000-01-03\nend: 2020-12-31\nrisk_free: DGS3MO\ndelay_days: 1\ncost_bp: 10\n"
            "strategies:\n  - {name: spx, kind: buy_and_hold, asset: \"^GSPC\"}\n")


def main():
    notebook = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        db = os.environ.get("MRE_DB")
        if not db:
            db = os.path.join(tmp, "tour.db")
            run_mre("ingest", "--db", db, "--tickers", "^GSPC,BAMLH0A0HYM2,DGS3MO")
            for name, text in (("f.yml", FEATURES), ("h.yml", HMM), ("b.yml", BACKTEST)):
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(text)
            run_mre("features", "build", "--db", db, "--spec", os.path.join(tmp, "f.yml"), "--version", "F1")
            run_mre("regimes", "fit", "--db", db, "--spec", os.path.join(tmp, "h.yml"), "--version", "H1")
            run_mre("backtest", "--db", db, "--spec", os.path.join(tmp, "b.yml"), "--version", "B1")
        os.environ["MRE_DB"] = db
        os.environ.setdefault("MRE_PYTHON_PATH", os.environ.get("PYTHONPATH", "").split(os.pathsep)[0])
        nb = nbformat.read(notebook, as_version=4)
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": os.path.dirname(notebook)}}).execute()
        print(f"{notebook}: {len(nb.cells)} cells executed without error")


if __name__ == "__main__":
    main()
