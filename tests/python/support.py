"""Shared by the Python tests: where the mre binary is, running it, and a numpy Gaussian HMM
reference (scaled forward filter and Baum-Welch, written from Rabiner 1989 sections V.A and
IV.C as bench/hmm_compare.py does)."""
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from hmm_compare import em_iteration as _em_iteration  # noqa: E402

MRE = os.environ.get("MRE_BIN", "build/mre")
SOURCE_DIR = os.environ.get("MRE_SOURCE_DIR", ".")


def run_mre(*args, check=True):
    result = subprocess.run([MRE, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"mre {' '.join(args)}: exit {result.returncode}\n{result.stderr}")
    return result


def log_emission(x, means, covs):
    T, D = x.shape
    out = np.empty((T, len(means)))
    for k, (mu, c) in enumerate(zip(means, covs)):
        L = np.linalg.cholesky(c)
        z = np.linalg.solve(L, (x - mu).T)
        out[:, k] = -0.5 * (D * np.log(2 * np.pi) + 2 * np.log(np.diag(L)).sum() + (z * z).sum(axis=0))
    return out


def forward(x, pi, A, means, covs):
    """Filtered probabilities and log p(x) (complete rows)."""
    logb = log_emission(x, means, covs)
    shift = logb.max(axis=1, keepdims=True)
    b = np.exp(logb - shift)
    T, K = b.shape
    alpha = np.empty((T, K))
    loglik = 0.0
    a = pi * b[0]
    for t in range(T):
        if t:
            a = (alpha[t - 1] @ A) * b[t]
        alpha[t] = a / a.sum()
        loglik += np.log(a.sum()) + shift[t, 0]
    return alpha, loglik


def em_fit(x, pi, A, means, covs, n_iter=500, tol=1e-4, min_covar=1e-3):
    """Baum-Welch with full covariances and the same diagonal floor as mre; returns parameters.
    One iteration is bench/hmm_compare.py's em_iteration (one numpy reference for both)."""
    previous = -np.inf
    for _ in range(n_iter):
        loglik, pi, A, means, covs = _em_iteration(x, pi, A, means, covs, min_covar)
        if loglik - previous < tol:
            break
        previous = loglik
    return pi, A, means, np.array(covs)


def regime_data(T, K, D, seed, switch=0.03, spread=3.0):
    """A K-state Markov chain with Gaussian emissions around well-separated centres."""
    rng = np.random.default_rng(seed)
    centers = spread * rng.standard_normal((K, D))
    data = np.empty((T, D))
    states = np.empty(T, dtype=int)
    state = 0
    for t in range(T):
        if rng.uniform() < switch:
            state = int(rng.integers(K))
        states[t] = state
        data[t] = centers[state] + rng.standard_normal(D)
    return data, states, centers
