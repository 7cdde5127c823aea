"""Reference for tests/scm/generator_metrics_test.cc: the Quant GAN metrics (Wiese et al. 2020,
section 6) written independently in numpy/scipy. Reads a JSON file {real, generated (list of
paths), horizons, max_lag, bins, probabilities}; prints "name,value" lines with 17 digits.
Run with Debian's /usr/bin/python3 (numpy, scipy)."""
import json
import sys

import numpy as np
from scipy import stats


def lag_returns(x, t):
    return np.convolve(x, np.ones(t), mode="valid")


def dy(real, gen, bins):
    r = (real - real.mean()) / real.std()
    g = (gen - gen.mean()) / gen.std()
    lo, hi = r.min(), r.max()
    width = (hi - lo) / bins
    hr, _ = np.histogram(r, bins=bins, range=(lo, hi))
    hg, _ = np.histogram(g, bins=bins, range=(lo, hi))
    hr = hr / (len(r) * width)
    hg = hg / (len(g) * width)
    both = (hr > 0) & (hg > 0)
    return float(np.sum(np.abs(np.log(hr[both]) - np.log(hg[both]))))


def corr_vector(x, y, lags):
    return np.array([np.corrcoef(x[tau:], y[:-tau])[0, 1] for tau in range(1, lags + 1)])


def main():
    d = json.load(open(sys.argv[1]))
    real = np.array(d["real"])
    gen = [np.array(p) for p in d["generated"]]
    lags = d["max_lag"]
    out = []
    for t in d["horizons"]:
        r = lag_returns(real, t)
        g = np.concatenate([lag_returns(p, t) for p in gen])
        out.append((f"emd{t}", stats.wasserstein_distance(r, g)))
        out.append((f"dy{t}", dy(r, g, d["bins"])))
    for name, f in (("acf_r", lambda x: x), ("acf_abs", np.abs), ("acf_squared", np.square)):
        c_real = corr_vector(f(real), f(real), lags)
        c_gen = np.mean([corr_vector(f(p), f(p), lags) for p in gen], axis=0)
        out.append((name, np.linalg.norm(c_real - c_gen)))
    l_real = corr_vector(real ** 2, real, lags)
    l_gen = np.mean([corr_vector(p ** 2, p, lags) for p in gen], axis=0)
    out.append(("leverage", np.linalg.norm(l_real - l_gen)))
    pooled = np.concatenate(gen)
    out.append(("kurtosis_real", stats.kurtosis(real)))
    out.append(("kurtosis_generated", stats.kurtosis(pooled)))
    for i, p in enumerate(d["probabilities"]):
        out.append((f"q_real{i}", np.quantile(real, p)))
        out.append((f"q_generated{i}", np.quantile(pooled, p)))
    for name, value in out:
        print(f"{name},{float(value):.17g}")


if __name__ == "__main__":
    main()
