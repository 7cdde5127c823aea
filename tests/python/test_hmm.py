"""mre.GaussianHMM against the CLI's fit (bit for bit), a numpy Baum-Welch reference (score),
simulated data with known states, and the look-ahead rule of filtered probabilities."""
import json
import os
import tempfile
import unittest

import numpy as np
import pandas as pd

import mre
from support import em_fit, forward, regime_data, run_mre


def frame(data):
    index = pd.date_range("2000-01-31", periods=len(data), freq="M")
    return pd.DataFrame(data, index=index, columns=[f"x{d}" for d in range(data.shape[1])])


class CliAgreement(unittest.TestCase):
    # The CLI reads the CSV written with 17 significant digits (exact round trip) and writes the
    # parameters with 17 digits: equal doubles on both sides, so equality is exact.
    def check_size(self, T, K, D, covariance, seed):
        data, _, _ = regime_data(T, K, D, seed)
        data[5, 0] = np.nan  # a missing cell: the marginalised path on both sides
        df = frame(data)
        with tempfile.TemporaryDirectory() as tmp:
            csv = os.path.join(tmp, "x.csv")
            with open(csv, "w") as f:
                f.write("date," + ",".join(df.columns) + "\n")
                for date, row in zip(df.index, data):
                    f.write(date.date().isoformat() + "," + ",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")
            out = os.path.join(tmp, "m.json")
            run_mre("regimes", "fit", "--data", csv, "--method", "hmm", "--states", str(K), "--covariance", covariance,
                    "--n-init", "3", "--max-iter", "200", "--tol", "1e-4", "--seed", "7", "--out", out)
            with open(out) as f:
                cli = json.load(f)
        model = mre.GaussianHMM(K, covariance, n_iter=200, tol=1e-4, random_state=7, n_init=3).fit(df)
        np.testing.assert_array_equal(model.startprob_, np.array(cli["initial"]))
        np.testing.assert_array_equal(model.transmat_, np.array(cli["transition"]))
        np.testing.assert_array_equal(model.means_, np.array(cli["means"]))
        np.testing.assert_array_equal(model.covars_, np.array(cli["covariances"]))

    def test_parameters_equal_the_cli_fit_bit_for_bit(self):
        self.check_size(600, 3, 4, "full", 11)
        self.check_size(400, 4, 3, "diag", 12)

    def test_filtered_probabilities_equal_cli_predict(self):
        data, _, _ = regime_data(300, 3, 2, 5)
        df = frame(data)
        model = mre.GaussianHMM(3, n_init=2, random_state=3).fit(df)
        with tempfile.TemporaryDirectory() as tmp:
            csv = os.path.join(tmp, "x.csv")
            df.to_csv(csv, index_label="date", float_format="%.17g", date_format="%Y-%m-%d")
            out = os.path.join(tmp, "m.json")
            run_mre("regimes", "fit", "--data", csv, "--states", "3", "--n-init", "2", "--seed", "3", "--out", out)
            for flag, smoothed in (([], False), (["--smoothed"], True)):
                text = run_mre("regimes", "predict", "--model", out, "--data", csv, *flag).stdout
                cli = pd.read_csv(pd.io.common.StringIO(text), index_col=0, parse_dates=True, float_precision="round_trip")
                ours = model.predict_proba(df, smoothed=smoothed)
                np.testing.assert_array_equal(ours.to_numpy(), cli.to_numpy())
                self.assertEqual(list(ours.columns), list(cli.columns))


class NumpyReference(unittest.TestCase):
    def test_score_at_least_the_numpy_reference_fit(self):
        # The reference starts Baum-Welch from K random rows as means (hmmlearn's k-means start is
        # not in numpy; several seeds stand in for it) and runs to the same tolerance.
        for T, K, D, seed in ((800, 3, 3, 21), (1500, 4, 5, 22)):
            data, _, _ = regime_data(T, K, D, seed)
            model = mre.GaussianHMM(K, "full", n_iter=500, tol=1e-4, random_state=1, n_init=10).fit(data)
            best = -np.inf
            for start in range(3):
                rng = np.random.default_rng(start)
                means = data[rng.choice(T, K, replace=False)]
                covs = [np.cov(data.T) + 1e-3 * np.eye(D) for _ in range(K)]
                params = em_fit(data, np.full(K, 1.0 / K), np.full((K, K), 1.0 / K), means, covs)
                best = max(best, forward(data, *params)[1])
            ours = model.score(data)
            # Same optimum up to EM's stopping rule (tol 1e-4 on the gain): 1e-3 absolute slack.
            self.assertGreaterEqual(ours, best - 1e-3, (T, K, D))
            # score is the likelihood the numpy forward pass gives under mre's parameters
            # (relative 1e-10: summation order differs).
            ref = forward(data, model.startprob_, model.transmat_, model.means_, model.covars_)
            self.assertAlmostEqual(ours, ref[1], delta=1e-10 * abs(ref[1]))
            np.testing.assert_allclose(model.predict_proba(data), ref[0], atol=1e-10)

    def test_bic_counts_free_parameters(self):
        data, _, _ = regime_data(500, 3, 2, 4)
        model = mre.GaussianHMM(3, "full", n_init=2).fit(data)
        p = 2 + 3 * 2 + 3 * 2 + 3 * 3  # (K-1) + K(K-1) + K D + K D(D+1)/2
        self.assertAlmostEqual(model.bic(data), -2 * model.score(data) + p * np.log(500), places=9)
        self.assertAlmostEqual(model.aic(data), -2 * model.score(data) + 2 * p, places=9)
        # On the fitting data they are the fit's own (the kernel's information_criteria both times;
        # the fit's log-likelihood comes from its last EM pass, score from the filter: equal to
        # rounding, 1e-12 relative).
        self.assertAlmostEqual(model.bic(data), model.monitor_.bic, delta=1e-12 * abs(model.monitor_.bic))
        self.assertAlmostEqual(model.aic(data), model.monitor_.aic, delta=1e-12 * abs(model.monitor_.aic))


class KnownAnswer(unittest.TestCase):
    def test_recovers_simulated_states_and_means(self):
        data, states, centers = regime_data(3000, 3, 2, 8, switch=0.02, spread=4.0)
        model = mre.GaussianHMM(3, n_init=5, random_state=0).fit(frame(data))
        # match fitted states to true ones by the nearest centre
        order = [int(np.argmin(((model.means_ - c) ** 2).sum(axis=1))) for c in centers]
        self.assertEqual(sorted(order), [0, 1, 2])
        # sampling error of a mean over ~1000 unit-variance draws: ~0.03; 0.15 leaves room
        np.testing.assert_allclose(model.means_[order], centers, atol=0.15)
        predicted = model.predict(frame(data), algorithm="viterbi").to_numpy()
        accuracy = np.mean(np.array(order)[states] == predicted)
        self.assertGreater(accuracy, 0.97)


class Acceleration(unittest.TestCase):
    def test_squarem_reaches_the_plain_em_optimum_in_fewer_iterations(self):
        # Overlapping states (spread 0.6): plain EM needs many iterations. From the same start
        # (n_init 1, the same seed) SQUAREM stops at the same fixed point (tol 1e-9 per EM step:
        # both end within ~1e-6 of it; 1e-4 allows for EM's slow rate here) in fewer E-steps.
        data, _, _ = regime_data(2000, 3, 2, 21, spread=0.6)
        df = frame(data)
        kw = dict(n_iter=20000, tol=1e-9, n_init=1, random_state=4, min_covar=0.0)
        plain = mre.GaussianHMM(3, **kw).fit(df)
        fast = mre.GaussianHMM(3, acceleration="squarem", **kw).fit(df)
        self.assertTrue(plain.converged_ and fast.converged_)
        self.assertAlmostEqual(fast.log_likelihood_, plain.log_likelihood_, delta=1e-4)
        self.assertLess(fast.n_iter_, plain.n_iter_)
        with self.assertRaises(mre.InvalidArgumentError) as caught:
            mre.GaussianHMM(3, acceleration="anderson").fit(df)
        self.assertIn("acceleration", str(caught.exception))
        # Counts and seeds must be whole numbers (int() made 2.5 states 2 and True 1).
        with self.assertRaisesRegex(mre.InvalidArgumentError, r"^n_components: must be a whole number"):
            mre.GaussianHMM(2.5).fit(df)
        with self.assertRaisesRegex(mre.InvalidArgumentError, r"^random_state: -1 is outside"):
            mre.GaussianHMM(3, random_state=-1).fit(df)


class NoLookAhead(unittest.TestCase):
    def test_filtered_probabilities_ignore_later_rows(self):
        data, _, _ = regime_data(400, 3, 3, 9)
        df = frame(data)
        model = mre.GaussianHMM(3, n_init=2).fit(df)
        full = model.predict_proba(df)
        cut = model.predict_proba(df.iloc[:250])
        pd.testing.assert_frame_equal(full.iloc[:250], cut, check_exact=True, check_freq=False)
        smooth_full = model.predict_proba(df, smoothed=True)
        smooth_cut = model.predict_proba(df.iloc[:250], smoothed=True)
        self.assertFalse(np.array_equal(smooth_full.iloc[:250].to_numpy(), smooth_cut.to_numpy()))


class PandasAndMissing(unittest.TestCase):
    def test_dataframe_in_dataframe_out(self):
        data, _, _ = regime_data(300, 2, 2, 10)
        df = frame(data)
        model = mre.GaussianHMM(2, n_init=2).fit(df)
        proba = model.predict_proba(df)
        self.assertTrue(proba.index.equals(df.index))
        self.assertEqual(list(proba.columns), ["state_0", "state_1"])
        self.assertTrue(model.predict(df).index.equals(df.index))
        np.testing.assert_array_equal(model.predict_proba(data), proba.to_numpy())

    def test_a_row_with_no_values_is_the_one_step_prediction(self):
        data, _, _ = regime_data(300, 2, 2, 10)
        model = mre.GaussianHMM(2, n_init=2).fit(data)
        gap = data.copy()
        gap[100] = np.nan
        p = model.predict_proba(gap)
        # filtered(t) = filtered(t-1) A when row t carries no information (1e-14: one product)
        np.testing.assert_allclose(p[100], p[99] @ model.transmat_, atol=1e-14)
        partial = data.copy()
        partial[50, 1] = np.nan
        mre.GaussianHMM(2, n_init=2).fit(partial)  # NaN rows are marginalised, not refused


if __name__ == "__main__":
    unittest.main()
