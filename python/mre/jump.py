"""mre.JumpModel: statistical jump models (regimes/jump/; docs/jump_models.md) in a scikit-learn shape."""
import numpy as np

from . import _frames
from . import _mre
from ._frames import seed as _seed
from ._frames import whole


class JumpModel:
    """A discrete (cont=False) or continuous (cont=True) statistical jump model on X as given
    (standardise first if the columns' scales differ), as `mre regimes fit --method jump`."""

    def __init__(self, n_components=2, jump_penalty=0.0, cont=False, n_init=10, random_state=42, max_iter=1000,
                 tol=1e-8, grid_size=0.05):
        self.n_components = n_components
        self.jump_penalty = jump_penalty
        self.cont = cont
        self.n_init = n_init
        self.random_state = random_state
        self.max_iter = max_iter
        self.tol = tol
        self.grid_size = grid_size
        self._fit = None

    def _config(self):
        seed = 42 if self.random_state is None else _seed("random_state", self.random_state)
        return _mre.jump_config(whole("n_components", self.n_components), float(self.jump_penalty), bool(self.cont),
                                float(self.grid_size), whole("n_init", self.n_init), whole("max_iter", self.max_iter), float(self.tol), seed)

    def fit(self, X):
        """Coordinate descent from n_init k-means++ starts; the lowest objective wins."""
        self._fit = _mre.jump_fit(_frames.matrix(X, "X"), self._config())
        self.centers_ = self._fit.centers
        self.labels_ = _frames.series_like(np.asarray(self._fit.labels, dtype=np.int64), X, "state")
        self.proba_ = _frames.frame_like(self._fit.probabilities, X, self._columns())
        self.objective_ = self._fit.objective
        self.n_iter_ = self._fit.iterations
        self.converged_ = self._fit.converged
        return self

    def _columns(self):
        return [f"state_{k}" for k in range(self.n_components)]

    def _infer(self, X, online):
        if self._fit is None:
            raise _mre.InvalidArgumentError("JumpModel: not fitted yet; call fit first")
        return _mre.jump_infer(_frames.matrix(X, "X"), self._fit.centers, self._config(), online)

    def predict(self, X):
        """The whole-sample DP path under the fitted centroids (uses later rows: a diagnostic)."""
        return _frames.series_like(np.asarray(self._infer(X, False)[1], dtype=np.int64), X, "state")

    def predict_online(self, X):
        """Online states: row t from rows 0..t only (look-ahead-free)."""
        return _frames.series_like(np.asarray(self._infer(X, True)[1], dtype=np.int64), X, "state")

    def predict_proba(self, X, online=True):
        return _frames.frame_like(self._infer(X, online)[0], X, self._columns())
