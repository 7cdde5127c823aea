"""mre.DML / mre.LinearDML: double machine learning for the partially linear model (causal/dml.h)."""
import numpy as np

from . import _frames
from . import _mre
from ._frames import seed as _seed
from ._frames import whole

try:
    import pandas as pd
except ImportError:
    pd = None


class DML:
    """Y = theta(X) T + g(W) + e, T = m(W) + v, cross-fitted (Chernozhukov et al. 2018).

    model_y, model_t: learner names of mre's registry (ols, ridge, lasso, forest, ...; see
    mre._mre.regressor_names()). cv: folds (contiguous in time with `embargo` rows dropped each
    side of a test fold; shuffled=True for i.i.d. K-fold). se: hc0 | hc1 | hac | ewc | ewc_hc3 (equal-weighted cosine, t intervals; _hc3: leverage-adjusted).
    W are the controls of both nuisances. X, when given, are regime indicators or probabilities
    (rows summing to 1, one column per regime): the final stage then gives one effect per
    column, theta(X) = X theta_r, and a Wald test that they are equal. Without X theta is one number.
    """

    def __init__(self, model_y="ols", model_t="ols", cv=5, embargo=0, se="hac", hac_lag=-1, shuffled=False,
                 random_state=42):
        self.model_y = model_y
        self.model_t = model_t
        self.cv = cv
        self.embargo = embargo
        self.se = se
        self.hac_lag = hac_lag
        self.shuffled = shuffled
        self.random_state = random_state
        self._result = None

    def fit(self, Y, T, X=None, W=None):
        if W is None:
            raise _mre.InvalidArgumentError("W: the controls are required (one column at least)")
        y = _frames.vector(Y, "Y")
        t = _frames.vector(T, "T")
        w = _frames.matrix(W, "W")
        regimes = None
        self._regime_names = []
        if X is not None:
            regimes = _frames.matrix(X, "X")
            if _frames.is_frame(X) and hasattr(X, "columns"):
                self._regime_names = [str(c) for c in X.columns]
            else:
                self._regime_names = [f"regime_{k}" for k in range(regimes.shape[1])]
        seed = 42 if self.random_state is None else _seed("random_state", self.random_state)
        self._result = _mre.dml_plr(w, t, y, str(self.model_y), str(self.model_t), whole("cv", self.cv), whole("embargo", self.embargo),
                                    not self.shuffled, str(self.se), whole("hac_lag", self.hac_lag), seed, regimes,
                                    self._regime_names)
        self.y_residual_ = self._result.y_residual
        self.t_residual_ = self._result.t_residual
        return self

    def _fitted(self):
        if self._result is None:
            raise _mre.InvalidArgumentError("DML: not fitted yet; call fit first")
        return self._result

    @property
    def coef_(self):
        """theta (no X) or the per-regime effects in X's column order (NaN for a regime the sample
        almost never visits, which the kernel leaves out)."""
        r = self._fitted()
        if not self._regime_names:
            return np.array([r.theta])
        by_name = {e["regime"]: e for e in r.regimes}
        return np.array([by_name[n]["effect"] if n in by_name else np.nan for n in self._regime_names])

    @property
    def intercept_(self):
        return self._fitted().theta

    def effect(self, X=None):
        """theta(X): the effect of one unit of T at each row of X (theta when fitted without X)."""
        r = self._fitted()
        if not self._regime_names:
            if X is None:
                return r.theta
            return _frames.series_like(np.full(len(X), r.theta), X, "effect")
        if X is None:
            raise _mre.InvalidArgumentError("X: required (the model was fitted with regimes X)")
        return _frames.series_like(_frames.matrix(X, "X") @ self.coef_, X, "effect")

    def effect_interval(self, X=None, alpha=0.05):
        """The 95% normal interval (alpha=0.05 only): of theta, or of each row's regime when X's
        rows are one-hot (a mix of regimes needs their covariance, not exposed: UnsupportedError)."""
        if alpha != 0.05:
            raise _mre.UnsupportedError("alpha: only 0.05 (the kernel's 95% interval)")
        r = self._fitted()
        if not self._regime_names:
            if X is None:
                return r.ci_low, r.ci_high
            n = len(X)
            return np.full(n, r.ci_low), np.full(n, r.ci_high)
        z = _frames.matrix(X, "X")
        if not np.all((z == 0) | (z == 1)) or not np.all(z.sum(axis=1) == 1):
            raise _mre.UnsupportedError("X: intervals for a mix of regimes are not available; pass one-hot rows")
        by_name = {e["regime"]: e for e in r.regimes}
        low = np.array([by_name.get(n, {"ci_low": np.nan})["ci_low"] for n in self._regime_names])
        high = np.array([by_name.get(n, {"ci_high": np.nan})["ci_high"] for n in self._regime_names])
        return z @ low, z @ high

    def summary(self):
        """A DataFrame: the average effect (row 'T') and each regime's, with se, 95% CI, p-value."""
        r = self._fitted()
        rows = [{"term": "T", "effect": r.theta, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high,
                 "p_value": r.p_value}]
        for e in r.regimes:
            rows.append({"term": f"T x {e['regime']}", **{k: e[k] for k in ("effect", "se", "ci_low", "ci_high",
                                                                               "p_value")}})
        if pd is None:
            return rows
        frame = pd.DataFrame(rows).set_index("term")
        frame.attrs.update({"n": r.n, "se_type": r.se_type, "hac_lag": r.hac_lag, "r2_outcome": r.r2_outcome,
                            "r2_treatment": r.r2_treatment, "wald_statistic": r.wald_statistic,
                            "wald_dof": r.wald_dof, "wald_p_value": r.wald_p_value, "warnings": list(r.warnings)})
        return frame


class LinearDML(DML):
    """DML with OLS nuisances by default (EconML's LinearDML shape)."""


class XLearner:
    """The X-learner of Kunzel et al. (2019) for a binary treatment (causal/xlearner.h), in
    EconML's shape: fit(Y, T, X=X), effect(X), ate(), ate_interval().

    models: the outcome learner mu0, mu1 (a name of mre's registry: ols, ridge, lasso, forest,
    ...); cate_models: the learner of the imputed effects tau0, tau1 (default: models);
    propensity_model: logistic | forest | boosting. The CATE is e(x) tau0(x) + (1 - e(x)) tau1(x).
    n_bootstrap moving-block resamples (block_length rows, 0: ceil(n^(1/3))) refit everything for
    the average effect's 95% percentile interval; the kernel gives no per-row CATE interval, so
    effect_interval raises UnsupportedError rather than invent one.
    """

    def __init__(self, models="ols", cate_models=None, propensity_model="logistic", n_bootstrap=200, block_length=0,
                 random_state=42):
        self.models = models
        self.cate_models = cate_models
        self.propensity_model = propensity_model
        self.n_bootstrap = n_bootstrap
        self.block_length = block_length
        self.random_state = random_state
        self._fit = None

    def fit(self, Y, T, X=None, W=None):
        """Y, T (0/1) and X with the same rows. W (controls outside the CATE) is not supported:
        put them in X."""
        if X is None:
            raise _mre.InvalidArgumentError("X: required (the features the effect varies with; one column at least)")
        if W is not None:
            raise _mre.UnsupportedError("W: the X-learner here has no separate controls; put them in X")
        y = _frames.vector(Y, "Y")
        t = _frames.vector(T, "T")
        x = _frames.matrix(X, "X")
        seed = 42 if self.random_state is None else _seed("random_state", self.random_state)
        cate_models = self.models if self.cate_models is None else self.cate_models
        self._fit = _mre.xlearner_fit(x, t, y, str(self.models), str(cate_models), str(self.propensity_model),
                                      whole("n_bootstrap", self.n_bootstrap), whole("block_length", self.block_length), seed)
        self.cate_ = _frames.series_like(np.asarray(self._fit.cate), X, "effect")
        self.propensity_ = _frames.series_like(np.asarray(self._fit.propensity), X, "propensity")
        return self

    def _fitted(self):
        if self._fit is None:
            raise _mre.InvalidArgumentError("XLearner: not fitted yet; call fit first")
        return self._fit

    def effect(self, X):
        """tau(x) at each row of X (the fitted learners; equal to cate_ on the fitting rows)."""
        fit = self._fitted()
        return _frames.series_like(np.asarray(fit.effect(_frames.matrix(X, "X"))), X, "effect")

    def propensity(self, X):
        return _frames.series_like(np.asarray(self._fitted().propensity_of(_frames.matrix(X, "X"))), X, "propensity")

    def ate(self):
        """The average effect: the kernel's mean CATE over the fitting rows."""
        return self._fitted().ate

    def ate_interval(self, alpha=0.05):
        """The 95% moving-block bootstrap percentile interval of the average effect on the
        fitting rows (NaN when fewer than 10 resamples could be fitted)."""
        if alpha != 0.05:
            raise _mre.UnsupportedError("alpha: only 0.05 (the kernel's 95% interval)")
        fit = self._fitted()
        return fit.ci_low, fit.ci_high

    def effect_interval(self, X=None, alpha=0.05):
        raise _mre.UnsupportedError("XLearner.effect_interval: the X-learner kernel gives an interval for the average "
                                    "effect only (ate_interval()); per-row CATE intervals are not available")

    @property
    def ate_se_(self):
        return self._fitted().se

    @property
    def n_bootstrap_(self):
        """Resamples that were fitted (resamples without both arms, or that a learner cannot fit, are skipped)."""
        return self._fitted().bootstrap
