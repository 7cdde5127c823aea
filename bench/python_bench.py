#!/usr/bin/python3
"""The Python package's speed (issue 21), in one process: mre.GaussianHMM.fit against the numpy
Baum-Welch of bench/hmm_compare.py on 8,000 x 10, 6 states, 50 EM iterations (full covariance,
one start, tol 0 so both run all 50), and the cost of a 1-row predict_proba (NumPy in, NumPy out;
the DataFrame case measured separately). Usage:
  PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py"""
import os
import sys
import time
import timeit

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mre  # noqa: E402
from hmm_compare import em_iteration, simulated  # noqa: E402


def main():
    T, K, D, iterations = 8000, 6, 10, 50
    x = simulated(T, K, D, 1)
    start = time.perf_counter()
    model = mre.GaussianHMM(K, "full", n_iter=iterations, tol=0.0, random_state=1, n_init=1, threads=1).fit(x)
    mre_seconds = time.perf_counter() - start
    rng = np.random.default_rng(7)
    means = x[rng.choice(T, K, replace=False)]
    covs = [np.cov(x.T) + 1e-3 * np.eye(D) for _ in range(K)]
    pi, A = np.full(K, 1.0 / K), np.full((K, K), 1.0 / K)
    start = time.perf_counter()
    for _ in range(iterations):
        _, pi, A, means, covs = em_iteration(x, pi, A, means, covs)
    numpy_seconds = time.perf_counter() - start
    print(f"GaussianHMM.fit, T={T} D={D} K={K}, {iterations} EM iterations, full covariance, one start (wall):")
    print(f"  mre.GaussianHMM.fit {mre_seconds:8.3f} s  ({model.n_iter_} iterations, incl. k-means++ start)")
    print(f"  numpy reference     {numpy_seconds:8.3f} s  (numpy {np.__version__})")
    print(f"  ratio               {numpy_seconds / mre_seconds:8.1f}x")

    row = np.ascontiguousarray(x[:1])
    n = 20000
    per_call = min(timeit.repeat(lambda: model.predict_proba(row), number=n, repeat=5)) / n
    native = min(timeit.repeat(lambda: mre._mre.hmm_posterior(model._fit.params, row, False), number=n, repeat=5)) / n
    frame = pd.DataFrame(row, index=pd.DatetimeIndex(["2026-12-04"]), columns=[f"x{d}" for d in range(D)])
    per_frame = min(timeit.repeat(lambda: model.predict_proba(frame), number=2000, repeat=5)) / 2000
    print(f"1-row predict_proba (K={K}, D={D}; includes the 6 Cholesky factors and the filter step):")
    print(f"  NumPy in/out        {per_call * 1e6:8.2f} us per call")
    print(f"  native call alone   {native * 1e6:8.2f} us per call (mre._mre.hmm_posterior)")
    print(f"  DataFrame in/out    {per_frame * 1e6:8.2f} us per call (pandas' wrapping)")
    # CPU time of the same calls: the steadier figure on a loaded machine (wall time there
    # includes the time the process waits for a core).
    cpu = min(timeit.repeat(lambda: model.predict_proba(row), number=n, repeat=5, timer=time.process_time)) / n
    cpu_native = min(timeit.repeat(lambda: mre._mre.hmm_posterior(model._fit.params, row, False), number=n, repeat=5,
                                   timer=time.process_time)) / n
    print(f"  NumPy in/out (CPU)  {cpu * 1e6:8.2f} us per call; native call alone {cpu_native * 1e6:.2f} us (CPU)")


if __name__ == "__main__":
    sys.exit(main())
