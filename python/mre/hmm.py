"""mre.GaussianHMM: hmmlearn's shape over mre's Gaussian HMM kernel (regimes/hmm/)."""
import numpy as np

from . import _frames
from . import _mre
from ._frames import seed as _seed
from ._frames import whole


class GaussianHMM:
    """A Gaussian hidden Markov model fitted by EM (Baum-Welch) with restarts.

    The same kernel and settings as `mre regimes fit --method hmm`: n_init starts (k-means++ and
    random), the best log-likelihood wins, min_covar added to every covariance diagonal. Rows
    with NaN are marginalised (missing dimensions integrated out), never dropped.
    acceleration="squarem" takes EM's steps in extrapolated pairs (Varadhan & Roland 2008): the
    same fixed points in fewer iterations, each E-step counted in n_iter (docs/classifier.md);
    "none" is plain Baum-Welch.
    """

    def __init__(self, n_components=6, covariance_type="full", n_iter=1000, tol=1e-4, random_state=42,
                 n_init=10, min_covar=1e-3, threads=0, acceleration="none"):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state
        self.n_init = n_init
        self.min_covar = min_covar
        self.threads = threads
        self.acceleration = acceleration
        self._fit = None

    # -- fitting
    def fit(self, X):
        """Fits by EM on X (T x D, rows are dates). Releases the GIL while fitting."""
        data = _frames.matrix(X, "X")
        seed = 42 if self.random_state is None else _seed("random_state", self.random_state)
        self._fit = _mre.hmm_fit(data, whole("n_components", self.n_components), str(self.covariance_type), whole("n_iter", self.n_iter),
                                 float(self.tol), whole("n_init", self.n_init), seed, float(self.min_covar), whole("threads", self.threads),
                                 str(self.acceleration))
        self.n_features_in_ = data.shape[1]
        self.feature_names_in_ = list(map(str, X.columns)) if _frames.is_frame(X) and hasattr(X, "columns") else None
        return self

    def _params(self):
        if self._fit is None:
            raise _mre.InvalidArgumentError("GaussianHMM: not fitted yet; call fit first")
        return self._fit.params

    @property
    def startprob_(self):
        return np.asarray(self._params().startprob)

    @property
    def transmat_(self):
        return self._params().transmat

    @property
    def means_(self):
        return self._params().means

    @property
    def covars_(self):
        """Full K x D x D covariance matrices whatever the type (as hmmlearn's covars_)."""
        return self._params().covars

    @property
    def monitor_(self):
        return self._fit

    @property
    def converged_(self):
        return self._params() is not None and self._fit.converged

    @property
    def n_iter_(self):
        self._params()
        return self._fit.iterations

    @property
    def log_likelihood_(self):
        self._params()
        return self._fit.log_likelihood

    def _columns(self):
        return [f"state_{k}" for k in range(self.n_components)]

    # -- inference
    def predict_proba(self, X, smoothed=False):
        """P(state | data). Filtered by default: row t uses rows up to t only (no look-ahead);
        smoothed=True gives P(s_t | all rows), which uses later rows."""
        probabilities = _mre.hmm_posterior(self._params(), _frames.matrix(X, "X"), bool(smoothed))[0]
        if type(X) is np.ndarray:
            return probabilities
        return _frames.frame_like(probabilities, X, self._columns())

    def predict(self, X, algorithm="filtered"):
        """Most likely states: the argmax of the filtered probabilities (look-ahead-free, the
        default), or the Viterbi path (algorithm="viterbi", hmmlearn's default; uses later rows)."""
        if algorithm == "viterbi":
            states = np.asarray(_mre.hmm_viterbi(self._params(), _frames.matrix(X, "X")), dtype=np.int64)
        elif algorithm == "filtered":
            probabilities, _ = _mre.hmm_posterior(self._params(), _frames.matrix(X, "X"), False)
            states = np.argmax(probabilities, axis=1)
        else:
            raise _mre.InvalidArgumentError(f"algorithm: unknown '{algorithm}' (expected filtered or viterbi)")
        return _frames.series_like(states, X, "state")

    def score(self, X):
        """log p(X | parameters), as hmmlearn's score."""
        return _mre.hmm_posterior(self._params(), _frames.matrix(X, "X"), False)[1]

    def _criteria(self, X):
        data = _frames.matrix(X, "X")
        score = _mre.hmm_posterior(self._params(), data, False)[1]
        return _mre.hmm_information_criteria(self._params(), score, data.shape[0])

    def bic(self, X):
        """-2 score + p ln(T) with p the free parameters of the covariance type (the kernel's)."""
        return self._criteria(X)[1]

    def aic(self, X):
        """-2 score + 2 p (the kernel's)."""
        return self._criteria(X)[0]
