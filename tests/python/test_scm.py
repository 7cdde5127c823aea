"""mre.scm.load: counterfactual and interventional samples equal `mre scm counterfactual --format
csv` and `mre scm simulate --format csv` bit for bit on the same store and seeds (a store this
test builds from the snapshot: the policy-transmission spec's series, one fitted version); bad
input raises the CLI's message."""
import io
import os
import shutil
import tempfile
import unittest

import numpy as np
import pandas as pd

import mre
from support import run_mre

TICKERS = "DCOILWTICO,MORTGAGE30US,ZQ=F,ZQ=F.open,EFFR,DGS3MO,TLT,DBC,DX-Y.NYB,^GSPC"


def read_csv(text):
    return pd.read_csv(io.StringIO(text), float_precision="round_trip", keep_default_na=False, na_values=[""])


def cli_error(*args):
    result = run_mre(*args, check=False)
    assert result.returncode not in (0, 70), result
    return result.stderr.strip().removeprefix("mre: ").removeprefix("error: ")


class ScmSamples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.db = os.path.join(cls.dir, "s.db")
        run_mre("ingest", "--db", cls.db, "--tickers", TICKERS)
        run_mre("scm", "fit", "--db", cls.db, "--version", "S1")
        cls.store = mre.Store(cls.db)
        cls.model = mre.scm.load("S1", store=cls.store)

    @classmethod
    def tearDownClass(cls):
        cls.store.close()
        shutil.rmtree(cls.dir)

    def test_load(self):
        self.assertEqual(self.model.version, "S1")
        self.assertIn("EFFR", self.model.nodes)
        self.assertEqual(mre.scm.load("latest", store=self.db).version, "S1")  # a path opens the store

    def test_counterfactual_equals_cli_csv(self):
        do = "EFFR=+0.50@2022-03-01..2022-06-30"
        cli = read_csv(run_mre("scm", "counterfactual", "--db", self.db, "--version", "S1", "--do", do, "--replicates",
                               "50", "--format", "csv").stdout)
        ours = self.model.counterfactual_samples({"EFFR": "+0.50@2022-03-01..2022-06-30"}, replicates=50)
        self.assertEqual(list(ours.columns), list(cli.columns))
        self.assertEqual(len(ours), len(cli))
        self.assertEqual(list(ours["date"].dt.strftime("%Y-%m-%d")), list(cli["date"]))
        self.assertEqual(list(ours["node"]), list(cli["node"]))
        for column in ("factual", "counterfactual", "difference"):
            np.testing.assert_array_equal(ours[column].to_numpy(), cli[column].to_numpy())
        one_thread = self.model.counterfactual_samples({"EFFR": "+0.50@2022-03-01..2022-06-30"}, replicates=50, threads=1)
        self.assertEqual(one_thread.attrs["bands"], ours.attrs["bands"])  # the bootstrap does not depend on threads
        # The effect is there: EFFR's counterfactual is 0.5 points above the factual in the window.
        effr = ours[(ours["node"] == "EFFR") & (ours["date"] == "2022-04-01")]
        self.assertAlmostEqual(float(effr["difference"].iloc[0]), 0.5, places=9)
        # The bands equal the CLI's JSON (the same bootstrap).
        import json
        cli_json = json.loads(run_mre("scm", "counterfactual", "--db", self.db, "--version", "S1", "--do", do,
                                      "--replicates", "50", "--format", "json").stdout)
        self.assertEqual(ours.attrs["terminal_gap"], cli_json["terminal_return_gap"])
        for ours_band, cli_band in zip(ours.attrs["bands"], cli_json["effects"]):
            self.assertEqual(ours_band["node"], cli_band["node"])
            self.assertEqual(ours_band["last"], cli_band["last"])

    def test_interventional_samples_equal_cli_simulate_csv(self):
        cli = read_csv(run_mre("scm", "simulate", "--db", self.db, "--version", "S1", "--do", "EFFR=+0.25", "--horizon", "5",
                               "--paths", "300", "--seed", "7", "--shocks", "student-t", "--replicates", "50",
                               "--threads", "1", "--format", "csv").stdout)
        ours = self.model.interventional_samples(do={"EFFR": +0.25}, n=300, horizon=5, seed=7, shocks="student-t",
                                                 replicates=50, threads=1)
        self.assertEqual(list(ours.columns), list(cli.columns))
        self.assertEqual(list(ours["node"]), list(cli["node"]))
        self.assertEqual(list(ours["scenario"]), list(cli["scenario"]))
        np.testing.assert_array_equal(ours["day"].to_numpy(), cli["day"].to_numpy())
        for q in ("q05", "q25", "q50", "q75", "q95"):
            np.testing.assert_array_equal(ours[q].to_numpy(), cli[q].to_numpy())
        # The intervened EFFR fan sits 0.25 above the baseline's (common shocks).
        effr = ours[ours["node"] == "EFFR"].set_index(["day", "scenario"])["q50"]
        self.assertAlmostEqual(effr[(5, "intervened")] - effr[(5, "baseline")], 0.25, places=6)
        self.assertAlmostEqual(ours.attrs["effects"].loc["EFFR", "mean"], 0.25, places=6)
        self.assertEqual(len(ours.attrs["dates"]), 5)

    def test_bad_input_gives_the_cli_message(self):
        with self.assertRaises(mre.NotFoundError) as caught:
            mre.scm.load("NOPE", store=self.store)
        self.assertIn(str(caught.exception).strip("'\""), cli_error("scm", "show", "NOPE", "--db", self.db))
        with self.assertRaises(mre.InvalidArgumentError) as caught:
            self.model.counterfactual_samples({"NOPE": 0.5}, replicates=50)
        self.assertIn(str(caught.exception), cli_error("scm", "counterfactual", "--db", self.db, "--version", "S1", "--do",
                                                       "NOPE=+0.5", "--replicates", "50"))
        with self.assertRaisesRegex(mre.InvalidArgumentError, "--do \"EFFR=abc\""):
            self.model.counterfactual_samples("EFFR=abc")
        with self.assertRaisesRegex(mre.InvalidArgumentError, "replicates"):
            self.model.counterfactual_samples({"EFFR": 0.5}, replicates=3)
        with self.assertRaisesRegex(mre.InvalidArgumentError, r"^n: 0 is outside the limits \[1, 1000000\]"):
            self.model.interventional_samples({"EFFR": 0.5}, n=0)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "shock"):
            self.model.interventional_samples({"EFFR": 0.5}, n=10, horizon=2, shocks="cauchy")
        # Not a whole number: int() ran 2.7 as 2 paths, True as 1 and "10" as 10; a negative seed
        # was pybind11's TypeError.
        for bad in (2.7, True, "10"):
            with self.assertRaisesRegex(mre.InvalidArgumentError, r"^n: must be a whole number"):
                self.model.interventional_samples({"EFFR": 0.5}, n=bad, horizon=2)
        with self.assertRaisesRegex(mre.InvalidArgumentError, r"^seed: -1 is outside \[0, "):
            self.model.interventional_samples({"EFFR": 0.5}, n=10, horizon=2, seed=-1)
        with self.assertRaisesRegex(mre.InvalidArgumentError, r"^replicates: must be a whole number"):
            self.model.counterfactual_samples({"EFFR": 0.5}, replicates=50.5)
        with self.assertRaisesRegex(mre.InvalidArgumentError, r"--do \"EFFR=\+0.5@2099-01-01\""):
            self.model.counterfactual_samples({"EFFR": "+0.5@2099-01-01"}, replicates=50)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "do: 'EFFR'"):
            self.model.counterfactual_samples({"EFFR": [1, 2]})
        with self.assertRaises(mre.InvalidArgumentError):
            mre.scm.load("S1")
        closed = mre.Store(self.db)
        closed.close()
        with self.assertRaisesRegex(mre.StoreError, "closed"):
            mre.scm.load("S1", store=closed)


if __name__ == "__main__":
    unittest.main()
