#!/usr/bin/python3
"""Gaussian HMM EM at T = 8,000, K = 6, D = 10, full covariance: mre's EM (bench/hmm_bench,
BM_EmIterations/8000/6/10) against the same EM written in numpy (scaled forward-backward,
Baum-Welch M-step with full covariances and the same 1e-3 floor), in one run. Prints EM
iterations per second of each and the ratio. Usage: /usr/bin/python3 bench/hmm_compare.py
[--build build]. The numpy side's forward-backward loops over time in Python (each step
vectorised over states), as a straightforward numpy implementation does."""
import argparse, json, subprocess, sys, time
import numpy as np

def simulated(T, K, D, seed):
    rng = np.random.default_rng(seed)
    centers = 3.0 * rng.standard_normal((K, D))
    data = np.empty((T, D))
    state = 0
    for t in range(T):
        if rng.uniform() < 0.03:
            state = int(rng.uniform() * K) % K
        data[t] = centers[state] + rng.standard_normal(D)
    return data

def log_emission(x, means, covs):
    T, D = x.shape
    out = np.empty((T, len(means)))
    for k, (mu, c) in enumerate(zip(means, covs)):
        L = np.linalg.cholesky(c)
        z = np.linalg.solve(L, (x - mu).T)
        out[:, k] = -0.5 * (D * np.log(2 * np.pi) + 2 * np.log(np.diag(L)).sum() + (z * z).sum(axis=0))
    return out

def em_iteration(x, pi, A, means, covs, min_covar=1e-3):
    T, D = x.shape
    K = len(pi)
    logb = log_emission(x, means, covs)
    shift = logb.max(axis=1, keepdims=True)
    b = np.exp(logb - shift)
    alpha = np.empty((T, K)); scale = np.empty(T)
    a = pi * b[0]; scale[0] = a.sum(); alpha[0] = a / scale[0]
    for t in range(1, T):
        a = (alpha[t - 1] @ A) * b[t]
        scale[t] = a.sum(); alpha[t] = a / scale[t]
    beta = np.empty((T, K)); beta[-1] = 1.0
    xi = np.zeros((K, K))
    for t in range(T - 2, -1, -1):
        nb = b[t + 1] * beta[t + 1]
        xi += np.outer(alpha[t], nb) * A / scale[t + 1]
        beta[t] = (A @ nb) / scale[t + 1]
    gamma = alpha * beta
    loglik = np.log(scale).sum() + shift.sum()
    pi = gamma[0] / gamma[0].sum()
    A = xi / xi.sum(axis=1, keepdims=True)
    w = gamma.sum(axis=0)
    means = (gamma.T @ x) / w[:, None]
    covs = []
    for k in range(K):
        d = x - means[k]
        covs.append((gamma[:, k, None] * d).T @ d / w[k] + min_covar * np.eye(D))
    return loglik, pi, A, means, covs

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("--iterations", type=int, default=20)
    args = p.parse_args()
    T, K, D = 8000, 6, 10
    x = simulated(T, K, D, 1)
    rng = np.random.default_rng(7)
    means = x[rng.choice(T, K, replace=False)]
    covs = [np.cov(x.T) + 1e-3 * np.eye(D) for _ in range(K)]
    pi = np.full(K, 1.0 / K); A = np.full((K, K), 1.0 / K)
    start = time.process_time()
    for _ in range(args.iterations):
        loglik, pi, A, means, covs = em_iteration(x, pi, A, means, covs)
    numpy_rate = args.iterations / (time.process_time() - start)
    out = subprocess.run([f"{args.build}/bench/hmm_bench", "--benchmark_filter=BM_EmIterations/8000/6/10$",
                          "--benchmark_format=json", "--benchmark_repetitions=3"],
                         check=True, capture_output=True, text=True).stdout
    rates = [b["em_iterations_per_second"] for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    mre_rate = float(np.median(rates))
    print(f"EM iterations/s at T={T}, K={K}, D={D}, full covariance (CPU time):")
    print(f"  mre   {mre_rate:10.1f}  (median of {len(rates)})")
    print(f"  numpy {numpy_rate:10.2f}  (numpy {np.__version__}, {args.iterations} iterations)")
    print(f"  ratio {mre_rate / numpy_rate:10.1f}x")

if __name__ == "__main__":
    sys.exit(main())
