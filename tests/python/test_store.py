"""mre.Store reads equal the CLI's CSV exports bit for bit on the same store (a small store this
test builds: three series, a feature set, an HMM and a rules regime version, a backtest); bad
input raises the CLI's message as a Python exception."""
import io
import os
import shutil
import tempfile
import unittest

import numpy as np
import pandas as pd

import mre
from support import run_mre

FEATURES = ("name: small\nfrequency: month_end\nstart: 2000-01-31\nfeatures:\n"
            "  - {name: equity_momentum, inputs: [\"^GSPC\"], ops: [{op: returns, horizon: 3}]}\n"
            "  - {name: hy_change, inputs: [BAMLH0A0HYM2], ops: [{op: diff, periods: 1}]}\n")
RULES = ("name: r\nmethod: rules\nfeature_set: small\nrules:\n"
         "  UP:\n    - {feature: equity_momentum, direction: up, scale: 0.05}\n"
         "  DOWN:\n    - {feature: equity_momentum, direction: down, scale: 0.05}\n")
HMM = ("name: h\nmethod: hmm\nfeature_set: small\ncolumns: [equity_momentum, hy_change]\n"
       "hmm: {n_states: 2, covariance: full, n_iter: 200, tol: 1.0e-4, n_init: 2, seed: 42, min_covar: 1.0e-3}\n"
       "walk_forward: {refit_every_months: 60, min_train_rows: 60, min_column_observations: 30}\n")
BACKTEST = ("name: py_toy\nstart: 2003-01-02\nend: 2008-12-31\nrisk_free: DGS3MO\ndelay_days: 1\ncost_bp: 10\n"
            "strategies:\n  - {name: spx, kind: buy_and_hold, asset: \"^GSPC\"}\n"
            "  - {name: timing, kind: regime_version, version: V0, weights: {UP: {\"^GSPC\": 1}, DOWN: {cash: 1}}}\n")


def read_csv(text):
    return pd.read_csv(io.StringIO(text), index_col=0, parse_dates=True, float_precision="round_trip",
                       keep_default_na=False, na_values=[""])


class StoreReads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.db = os.path.join(cls.dir, "s.db")
        run_mre("ingest", "--db", cls.db, "--tickers", "^GSPC,BAMLH0A0HYM2,DGS3MO")
        for name, text in (("f.yml", FEATURES), ("rules.yml", RULES), ("hmm.yml", HMM), ("bt.yml", BACKTEST)):
            with open(os.path.join(cls.dir, name), "w") as f:
                f.write(text)
        run_mre("features", "build", "--db", cls.db, "--spec", os.path.join(cls.dir, "f.yml"), "--version", "F1")
        run_mre("regimes", "fit", "--db", cls.db, "--spec", os.path.join(cls.dir, "rules.yml"), "--version", "V0")
        run_mre("regimes", "fit", "--db", cls.db, "--spec", os.path.join(cls.dir, "hmm.yml"), "--version", "H1")
        run_mre("backtest", "--db", cls.db, "--spec", os.path.join(cls.dir, "bt.yml"), "--version", "B1")
        cls.store = mre.Store(cls.db)

    @classmethod
    def tearDownClass(cls):
        cls.store.close()
        shutil.rmtree(cls.dir)

    def test_series_equal_series_show(self):
        for ticker, start, end in (("^GSPC", None, None), ("BAMLH0A0HYM2", "2010-01-01", "2012-06-30")):
            args = ["series", "show", ticker, "--db", self.db]
            if start:
                args += ["--from", start, "--to", end]
            cli = read_csv(run_mre(*args).stdout)
            ours = self.store.series(ticker, start=start, end=end)
            self.assertTrue(ours.index.equals(cli.index))
            np.testing.assert_array_equal(ours[ticker].to_numpy(), cli["value"].to_numpy())
        both = self.store.series(["^GSPC", "BAMLH0A0HYM2"], start="2020-01-01")
        self.assertEqual(list(both.columns), ["^GSPC", "BAMLH0A0HYM2"])
        self.assertTrue(both.index.is_monotonic_increasing)

    def test_as_of_equals_series_show_as_of(self):
        for as_of in ("1990-01-01", "2100-01-01T00:00:00Z"):
            cli = read_csv(run_mre("series", "show", "^GSPC", "--as-of", as_of, "--db", self.db).stdout)
            ours = self.store.series("^GSPC", as_of=as_of)
            self.assertEqual(len(ours), len(cli))
            np.testing.assert_array_equal(ours["^GSPC"].to_numpy(), cli["value"].to_numpy())
        self.assertEqual(len(self.store.series("^GSPC", as_of="1990-01-01")), 0)

    def test_dates_may_be_timestamps_and_bad_arguments_name_themselves(self):
        # QA 2026-12-07: start=pd.Timestamp(...) and regimes(None) raised pybind11's bare TypeError.
        import datetime
        text = self.store.series("^GSPC", start="2010-01-04", end="2010-02-26")
        for start, end in ((pd.Timestamp("2010-01-04"), pd.Timestamp("2010-02-26")),
                           (datetime.date(2010, 1, 4), np.datetime64("2010-02-26"))):
            ours = self.store.series("^GSPC", start=start, end=end)
            self.assertTrue(ours.index.equals(text.index))
        self.assertTrue(self.store.regimes("V0", start=pd.Timestamp("2005-01-31")).index.equals(
            self.store.regimes("V0", start="2005-01-31").index))
        self.assertTrue(self.store.features("F1", end=datetime.date(2005, 1, 31)).index.equals(
            self.store.features("F1", end="2005-01-31").index))
        # as_of: a naive time is UTC, as the CLI's --as-of.
        self.assertEqual(len(self.store.series("^GSPC", as_of=pd.Timestamp("1990-01-01"))), 0)
        self.assertEqual(len(self.store.series("^GSPC", as_of=pd.Timestamp("2100-01-01 12:00"))),
                         len(self.store.series("^GSPC")))
        for call, message in (
                (lambda: self.store.regimes(None), "version: expected a version tag (text), got None"),
                (lambda: self.store.backtests(7), "version: expected a version tag (text), got 7"),
                (lambda: self.store.series("^GSPC", start=20100104), "start: expected a date"),
                (lambda: self.store.series("^GSPC", end=pd.Timestamp("2010-01-04 15:30")),
                 "end: 2010-01-04T15:30:00 has a time of day"),
                (lambda: self.store.series("^GSPC", start=pd.NaT), "start: expected a date, got NaT"),
                (lambda: self.store.series("^GSPC", as_of=1.5), "as_of: expected a date or time")):
            with self.assertRaises(mre.InvalidArgumentError) as caught:
                call()
            self.assertIn(message, str(caught.exception))

    def test_features_equal_features_export(self):
        cli = read_csv(run_mre("features", "export", "--version", "F1", "--db", self.db).stdout)
        ours = self.store.features("F1")
        self.assertEqual(list(ours.columns), list(cli.columns))
        self.assertTrue(ours.index.equals(cli.index))
        np.testing.assert_array_equal(ours.to_numpy(), cli.to_numpy())

    def test_regimes_equal_regimes_show(self):
        for version in ("V0", "H1"):
            cli = read_csv(run_mre("regimes", "show", version, "--db", self.db).stdout)
            ours = self.store.regimes(version)
            self.assertEqual(list(ours.columns), list(cli.columns))
            self.assertTrue(ours.index.equals(cli.index))
            self.assertEqual(list(ours["regime"]), list(cli["regime"].fillna("").astype(str)))  # buy-and-hold: empty
            np.testing.assert_array_equal(ours.drop(columns="regime").to_numpy(),
                                          cli.drop(columns="regime").to_numpy())

    def test_backtests_equal_backtest_show_csv(self):
        cli = pd.read_csv(io.StringIO(run_mre("backtest", "show", "B1", "--format", "csv", "--db", self.db).stdout),
                          float_precision="round_trip", keep_default_na=False, na_values=[""])
        ours = self.store.backtests("B1")
        self.assertEqual(list(ours.columns), list(cli.columns))
        self.assertEqual(list(ours["strategy"]), list(cli["strategy"]))
        self.assertEqual(list(ours["metric"]), list(cli["metric"]))
        np.testing.assert_array_equal(ours["value"].to_numpy(), cli["value"].to_numpy())
        self.assertEqual(set(ours["strategy"]), {"spx", "timing"})
        self.assertIn("year_2008", set(ours["metric"]))
        wide = ours.pivot(index="strategy", columns="metric", values="value")
        self.assertEqual(wide.shape[0], 2)
        self.assertEqual(self.store.versions("backtests"), ["B1"])
        with self.assertRaisesRegex(mre.InvalidArgumentError, "kind: unknown 'nope'"):
            self.store.versions("nope")

    def test_daily_backtests_equal_backtest_show_csv_daily(self):
        text = run_mre("backtest", "show", "B1", "--format", "csv", "--daily", "--db", self.db).stdout
        cli = pd.read_csv(io.StringIO(text), float_precision="round_trip", keep_default_na=False, na_values=[""],
                          parse_dates=["date"]).set_index("date")
        ours = self.store.backtests("B1", daily=True)
        self.assertEqual(list(ours.columns), list(cli.columns))
        self.assertTrue(ours.index.equals(pd.DatetimeIndex(cli.index, name="date")))
        self.assertEqual(list(ours["strategy"]), list(cli["strategy"]))
        self.assertEqual(list(ours["regime"]), list(cli["regime"].fillna("").astype(str)))  # buy-and-hold: empty
        for column in ("ret", "equity", "drawdown", "exposure", "turnover"):
            np.testing.assert_array_equal(ours[column].to_numpy(), cli[column].to_numpy(), err_msg=column)
        self.assertEqual(set(ours.loc[ours["strategy"] == "timing", "regime"]), {"UP", "DOWN"})

    def test_unknown_versions_raise_the_cli_message(self):
        for method, args, cli_args in (
                (self.store.features, ("NOPE",), ["features", "export", "--version", "NOPE"]),
                (self.store.regimes, ("NOPE",), ["regimes", "show", "NOPE"]),
                (self.store.effects, ("NOPE",), ["effects", "show", "NOPE"]),
                (self.store.backtests, ("NOPE",), ["backtest", "show", "NOPE"]),
                (self.store.series, ("NOPE",), ["series", "show", "NOPE"])):
            cli = run_mre(*cli_args, "--db", self.db, check=False)
            self.assertEqual(cli.returncode, 4)
            with self.assertRaises(KeyError) as caught:
                method(*args)
            self.assertIsInstance(caught.exception, mre.NotFoundError)
            self.assertIn(str(caught.exception), cli.stderr)

    def test_the_store_is_read_only_and_a_closed_store_raises(self):
        before = os.path.getmtime(self.db)
        store = mre.Store(self.db)
        store.features("F1")
        store.close()
        with self.assertRaises(OSError) as caught:
            store.features("F1")
        self.assertIsInstance(caught.exception, mre.StoreError)
        self.assertEqual(os.path.getmtime(self.db), before)
        with self.assertRaises(mre.StoreError):
            mre.Store(os.path.join(self.dir, "absent.db"))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "absent.db")))


@unittest.skipUnless(os.environ.get("MRE_FULL_STORE"), "needs a store made by `mre run` (MRE_FULL_STORE=path)")
class EffectsOnAFullStore(unittest.TestCase):
    def test_effects_equal_effects_show(self):
        db = os.environ["MRE_FULL_STORE"]
        text = run_mre("effects", "list", "--db", db).stdout.splitlines()
        version = text[1].split(",")[0]
        cli = pd.read_csv(io.StringIO(run_mre("effects", "show", version, "--db", db).stdout),
                          float_precision="round_trip", keep_default_na=False)
        with mre.Store(db) as store:
            ours = store.effects(version)
        self.assertEqual(list(ours.columns), list(cli.columns))
        for column in cli.columns:
            np.testing.assert_array_equal(ours[column].to_numpy(), cli[column].to_numpy(), err_msg=column)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(os.environ.get("MRE_FULL_STORE"), "needs a store made by `mre run` (MRE_FULL_STORE=path)")
class ClassifyOnAFullStore(unittest.TestCase):
    def test_classify_equals_the_cli_and_writes_nothing_unless_asked(self):
        import hashlib
        import json
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "copy.db")
            shutil.copyfile(os.environ["MRE_FULL_STORE"], db)
            version = run_mre("classify", "list", "--db", db).stdout.splitlines()[1].split(",")[0]
            with mre.Store(db) as store:
                indicators = [v for v in store.versions("features") if v.startswith("F_indicators")][-1]
                row = store.features(indicators).dropna().iloc[-1]
                obs = {"timestamp": "2030-01-02", **{k: float(v) for k, v in row.items()}}
                def digest():
                    with open(db, "rb") as f:
                        return hashlib.sha256(f.read()).hexdigest()
                before = digest()
                ours = store.classify(obs, version, allow_unapproved=True)
                self.assertEqual(digest(), before)
            path = os.path.join(tmp, "obs.json")
            with open(path, "w") as f:
                json.dump(obs, f)
            cli = json.loads(run_mre("classify", "--version", version, "--input", path, "--allow-unapproved",
                                     "--db", db).stdout)
            self.assertEqual(ours, cli)
            with mre.Store(db) as store:
                with self.assertRaises(ValueError):  # the CLI advanced the state past this timestamp's day
                    store.classify({**obs, "timestamp": "2029-01-01"}, version, allow_unapproved=True)
