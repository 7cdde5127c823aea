"""mre.DML with OLS nuisances against residual-on-residual DML written with python3-sklearn
(same contiguous folds), and simulated data with a known effect."""
import unittest

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold

import mre


def simulated(n, theta, seed, regimes=None):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, 3))
    T = W @ np.array([0.8, -0.5, 0.3]) + rng.standard_normal(n)
    Y = theta * T + W @ np.array([1.0, 0.5, -2.0]) + rng.standard_normal(n)
    return Y, T, W


class SklearnReference(unittest.TestCase):
    def test_ols_nuisances_equal_sklearn_residual_on_residual(self):
        Y, T, W = simulated(503, 0.7, 1)
        model = mre.LinearDML(model_y="ols", model_t="ols", cv=5, embargo=0, se="hc1").fit(Y, T, W=W)
        # sklearn: KFold without shuffling gives the same contiguous blocks (the first n % k one
        # row longer); nuisances refitted on the other folds; theta = sum(ry rt) / sum(rt^2).
        ry = np.empty_like(Y)
        rt = np.empty_like(T)
        for train, test in KFold(n_splits=5, shuffle=False).split(W):
            ry[test] = Y[test] - LinearRegression().fit(W[train], Y[train]).predict(W[test])
            rt[test] = T[test] - LinearRegression().fit(W[train], T[train]).predict(W[test])
        theta = (ry @ rt) / (rt @ rt)
        # 1e-8: the tolerance; both sides solve the same least squares (QR vs lstsq).
        self.assertAlmostEqual(model.effect(), theta, delta=1e-8)
        np.testing.assert_allclose(model.y_residual_, ry, atol=1e-8)
        np.testing.assert_allclose(model.t_residual_, rt, atol=1e-8)
        # HC1 standard error of the no-intercept final regression, by hand.
        u = ry - theta * rt
        n = len(Y)
        se = np.sqrt(n / (n - 1) * np.sum(rt ** 2 * u ** 2)) / (rt @ rt)
        self.assertAlmostEqual(model.summary().loc["T", "se"], se, delta=1e-10)

    def test_embargo_drops_rows_next_to_each_test_fold(self):
        Y, T, W = simulated(300, 0.5, 2)
        ours = mre.DML(cv=3, embargo=4, se="hc0").fit(Y, T, W=W)
        ry = np.empty_like(Y)
        rt = np.empty_like(T)
        for train, test in KFold(n_splits=3, shuffle=False).split(W):
            keep = train[(train < test[0] - 4) | (train > test[-1] + 4)]
            ry[test] = Y[test] - LinearRegression().fit(W[keep], Y[keep]).predict(W[test])
            rt[test] = T[test] - LinearRegression().fit(W[keep], T[keep]).predict(W[test])
        self.assertAlmostEqual(ours.effect(), (ry @ rt) / (rt @ rt), delta=1e-8)


class KnownEffect(unittest.TestCase):
    def test_recovers_the_simulated_effect_and_per_regime_effects(self):
        n = 4000
        rng = np.random.default_rng(3)
        W = rng.standard_normal((n, 2))
        regime = (np.arange(n) // 200) % 2  # alternating blocks of two regimes
        T = W @ np.array([0.5, 0.5]) + rng.standard_normal(n)
        Y = np.where(regime == 0, 1.0, -0.5) * T + W @ np.array([1.0, -1.0]) + rng.standard_normal(n)
        index = pd.date_range("1990-01-01", periods=n, freq="D")
        X = pd.DataFrame({"calm": (regime == 0) * 1.0, "stress": (regime == 1) * 1.0}, index=index)
        model = mre.DML(cv=5, se="hac").fit(pd.Series(Y, index=index), pd.Series(T, index=index), X=X,
                                            W=pd.DataFrame(W, index=index))
        summary = model.summary()
        self.assertEqual(list(summary.index), ["T", "T x calm", "T x stress"])
        # standard errors ~0.02 at n = 4000; 5 of them leave a 1-in-10^6 false failure
        self.assertAlmostEqual(summary.loc["T x calm", "effect"], 1.0, delta=0.1)
        self.assertAlmostEqual(summary.loc["T x stress", "effect"], -0.5, delta=0.1)
        self.assertLess(summary.attrs["wald_p_value"], 1e-6)
        effects = model.effect(X.iloc[:3])
        np.testing.assert_array_equal(effects.to_numpy(), np.full(3, summary.loc["T x calm", "effect"]))
        low, high = model.effect_interval(X.iloc[[0, 250]])
        self.assertEqual(low[0], summary.loc["T x calm", "ci_low"])
        self.assertEqual(high[1], summary.loc["T x stress", "ci_high"])


if __name__ == "__main__":
    unittest.main()
