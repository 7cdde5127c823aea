"""Reference for tests/scm/garch_test.cc: the Gaussian GARCH(1,1) log-likelihood of garch.h
(h_0 = the population variance of x, h_t = omega + alpha (x_{t-1} - mu)^2 + beta h_{t-1})
maximised by scipy's Nelder-Mead in the natural parameters (a different optimiser and
parametrisation from the C++ BFGS), restarted from its own result until it stops moving.
Reads one value per line; prints "name,value" lines. Run with Debian's /usr/bin/python3."""
import sys

import numpy as np
from scipy.optimize import minimize
from scipy.signal import lfilter


def negative_log_likelihood(theta, x, h0):
    mu, omega, alpha, beta = theta
    if omega <= 0 or alpha < 0 or beta < 0 or alpha + beta >= 1:
        return 1e300
    e = x - mu
    # h_t = omega + alpha e_{t-1}^2 + beta h_{t-1}, t >= 1, as a first-order linear filter.
    v = omega + alpha * e[:-1] ** 2
    h = np.concatenate([[h0], lfilter([1.0], [1.0, -beta], v, zi=[beta * h0])[0]])
    return 0.5 * np.sum(np.log(2 * np.pi) + np.log(h) + e ** 2 / h)


def main():
    x = np.loadtxt(sys.argv[1])
    h0 = np.mean((x - x.mean()) ** 2)
    theta = np.array([x.mean(), 0.1 * h0, 0.1, 0.8])
    best = None
    for _ in range(6):
        r = minimize(negative_log_likelihood, theta, args=(x, h0), method="Nelder-Mead",
                     options={"xatol": 1e-11, "fatol": 1e-11, "maxiter": 40000, "maxfev": 80000})
        if best is not None and abs(best.fun - r.fun) < 1e-12:
            best = r
            break
        best = r
        theta = r.x
    for name, value in zip(("mu", "omega", "alpha", "beta"), best.x):
        print(f"{name},{value:.17g}")
    print(f"log_likelihood,{-best.fun:.17g}")


if __name__ == "__main__":
    main()
