"""mre.XLearner: equal to an X-learner written in the test with numpy least squares and
python3-sklearn's unpenalised logistic regression (Kunzel et al. 2019, eqs. for mu0, mu1, D0, D1,
tau0, tau1 and tau = e tau0 + (1 - e) tau1), and recovers a known heterogeneous effect on
simulated data; bad input raises the kernel's message (the one `mre effects` prints)."""
import unittest

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import mre


def ols(X, y):
    design = np.column_stack([np.ones(len(X)), X])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    return lambda Z: beta[0] + Z @ beta[1:]


def reference_cate(X, t, y, Z):
    """The X-learner with OLS outcome and effect models and a logistic propensity, at rows Z."""
    treated, control = t == 1, t == 0
    mu0 = ols(X[control], y[control])
    mu1 = ols(X[treated], y[treated])
    tau1 = ols(X[treated], y[treated] - mu0(X[treated]))
    tau0 = ols(X[control], mu1(X[control]) - y[control])
    e = LogisticRegression(penalty=None, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, t)
    p = e.predict_proba(Z)[:, 1]
    return p * tau0(Z) + (1 - p) * tau1(Z), p


def simulate(n, seed):
    """tau(x) = 1 + 2 x1, confounded treatment: P(T = 1 | x) = logistic(0.8 x2 - 0.3 x1)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    p = 1 / (1 + np.exp(-(0.8 * X[:, 1] - 0.3 * X[:, 0])))
    t = (rng.uniform(size=n) < p).astype(float)
    tau = 1 + 2 * X[:, 0]
    y = 0.5 * X[:, 0] - X[:, 1] + tau * t + rng.standard_normal(n)
    return X, t, y, tau


class XLearnerMatchesReference(unittest.TestCase):
    def test_equals_numpy_sklearn_x_learner(self):
        X, t, y, _ = simulate(400, 1)
        Z = np.random.default_rng(2).standard_normal((50, 2))
        model = mre.XLearner(models="ols", propensity_model="logistic", n_bootstrap=0).fit(y, t, X=X)
        ref_train, p_train = reference_cate(X, t, y, X)
        ref_new, _ = reference_cate(X, t, y, Z)
        # Tolerance 1e-7: mre's logistic adds a 1e-6 ridge on the standardised slopes (so separable
        # data stay finite); on 400 rows it moves the propensity by about 1e-9. OLS by QR against
        # lstsq agrees to rounding.
        np.testing.assert_allclose(model.propensity_, p_train, atol=1e-7, rtol=0)
        np.testing.assert_allclose(model.cate_, ref_train, atol=1e-7, rtol=0)
        np.testing.assert_allclose(model.effect(Z), ref_new, atol=1e-7, rtol=0)
        self.assertAlmostEqual(model.ate(), ref_train.mean(), delta=1e-7)
        # effect() on the fitting rows is the kernel's CATE bit for bit (the same fitted learners).
        np.testing.assert_array_equal(model.effect(X), model.cate_)

    def test_recovers_a_known_heterogeneous_effect(self):
        X, t, y, tau = simulate(3000, 3)
        model = mre.XLearner(n_bootstrap=30, random_state=5).fit(y, t, X=X)
        grid = np.column_stack([np.linspace(-2, 2, 9), np.zeros(9)])
        # tau is linear in x1 and OLS learners are correctly specified for mu0, mu1 and the imputed
        # effects, so the CATE is close to 1 + 2 x1 (3000 rows, noise sd 1: se of the slope ~0.04).
        np.testing.assert_allclose(model.effect(grid), 1 + 2 * grid[:, 0], atol=0.2)
        self.assertAlmostEqual(model.ate(), tau.mean(), delta=0.1)
        low, high = model.ate_interval()
        self.assertLess(low, model.ate())
        self.assertGreater(high, model.ate())
        self.assertGreater(model.n_bootstrap_, 20)
        # A learner that cannot represent the heterogeneity (the constant) finds none.
        flat = mre.XLearner(models="constant", n_bootstrap=0).fit(y, t, X=X)
        self.assertLess(np.ptp(flat.effect(grid)), np.ptp(model.effect(grid)) / 4)

    def test_pandas_in_and_out(self):
        X, t, y, _ = simulate(200, 4)
        index = pd.date_range("2000-01-31", periods=200, freq="M")
        frame = pd.DataFrame(X, index=index, columns=["a", "b"])
        model = mre.XLearner(n_bootstrap=0).fit(pd.Series(y, index=index), pd.Series(t, index=index), X=frame)
        effect = model.effect(frame)
        self.assertIsInstance(effect, pd.Series)
        self.assertTrue(effect.index.equals(index))
        np.testing.assert_array_equal(effect.to_numpy(), model.cate_.to_numpy())


class XLearnerBadInput(unittest.TestCase):
    def setUp(self):
        self.X, self.t, self.y, _ = simulate(100, 6)

    def test_nan_in_treatment(self):
        t = self.t.copy()
        t[2] = np.nan
        with self.assertRaises(mre.DataError) as caught:
            mre.XLearner(n_bootstrap=0).fit(self.y, t, X=self.X)
        self.assertIn("treatment: the X-learner needs a binary treatment (0 or 1); row 3 has nan", str(caught.exception))
        self.assertIsInstance(caught.exception, ValueError)

    def test_non_binary_and_one_arm(self):
        with self.assertRaisesRegex(mre.DataError, "row 1 has 2.0"):
            mre.XLearner(n_bootstrap=0).fit(self.y, np.r_[2.0, self.t[1:]], X=self.X)
        with self.assertRaisesRegex(mre.DataError, "at least 2 treated and 2 control rows"):
            mre.XLearner(n_bootstrap=0).fit(self.y, np.ones(100), X=self.X)

    def test_wrong_shapes(self):
        with self.assertRaisesRegex(mre.InvalidArgumentError, "X, treatment and outcome need the same rows"):
            mre.XLearner(n_bootstrap=0).fit(self.y[:-1], self.t, X=self.X)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "T: expected a 1-D array"):
            mre.XLearner(n_bootstrap=0).fit(self.y, np.ones((100, 2)), X=self.X)
        model = mre.XLearner(n_bootstrap=0).fit(self.y, self.t, X=self.X)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "X: has 3 columns, the model 2 features"):
            model.effect(np.ones((4, 3)))
        with self.assertRaisesRegex(mre.DataError, "controls: missing or non-finite"):
            model.effect(np.full((4, 2), np.nan))

    def test_unknown_learner_and_unsupported_interval(self):
        with self.assertRaisesRegex(mre.InvalidArgumentError, "propensity_model: .*unknown classifier 'svm'"):
            mre.XLearner(propensity_model="svm").fit(self.y, self.t, X=self.X)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "models: "):
            mre.XLearner(models="nope").fit(self.y, self.t, X=self.X)
        with self.assertRaises(mre.InvalidArgumentError):
            mre.XLearner().effect(self.X)
        model = mre.XLearner(n_bootstrap=0).fit(self.y, self.t, X=self.X)
        with self.assertRaises(mre.UnsupportedError):
            model.effect_interval(self.X)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "n_bootstrap"):
            mre.XLearner(n_bootstrap=-1).fit(self.y, self.t, X=self.X)


if __name__ == "__main__":
    unittest.main()
