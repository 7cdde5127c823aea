"""mre.local_projection against statsmodels OLS with HC1 on the regressors written out here
(Jordà 2005), and simulated data with a known impulse response."""
import unittest

import numpy as np
import pandas as pd
import statsmodels.api as sm

import mre


def simulated(n, seed):
    # y_t = 0.5 y_{t-1} + shock_t + e_t: a unit shock at t moves y_{t+h} by 0.5^h, and y_{t-1} is
    # predetermined, so the response of d = y_{t+h} - y_{t-1} at horizon h is 0.5^h.
    rng = np.random.default_rng(seed)
    shock = rng.standard_normal(n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.5 * y[t - 1] + shock[t] + 0.5 * rng.standard_normal()
    return y, shock


class LocalProjections(unittest.TestCase):
    def test_equals_statsmodels_hc1(self):
        y, shock = simulated(400, 1)
        p = 2
        ours = mre.local_projection(y, shock, horizons=[0, 3, 6], lags=p)
        frame = pd.DataFrame({"y": y, "shock": shock})
        frame["w"] = frame["y"].diff()
        for h in (0, 3, 6):
            data = pd.DataFrame({"d": frame["y"].shift(-h) - frame["y"].shift(1), "shock": frame["shock"]})
            for lag in range(1, p + 1):
                data[f"shock_l{lag}"] = frame["shock"].shift(lag)
                data[f"w_l{lag}"] = frame["w"].shift(lag)
            data = data.dropna()
            fit = sm.OLS(data["d"], sm.add_constant(data.drop(columns="d"))).fit(cov_type="HC1")
            # 1e-9: the same least squares solved two ways (QR here, pinv in statsmodels)
            self.assertAlmostEqual(ours.loc[h, "effect"], fit.params["shock"], delta=1e-9)
            self.assertAlmostEqual(ours.loc[h, "se"], fit.bse["shock"], delta=1e-9)
            self.assertEqual(ours.loc[h, "observations"], len(data))

    def test_recovers_the_known_response(self):
        y, shock = simulated(5000, 2)
        ours = mre.local_projection(y, shock, horizons=range(5), lags=2)
        truth = 0.5 ** np.arange(5)
        # standard errors ~0.01-0.03 at n = 5000: 0.1 is over 3 of them
        np.testing.assert_allclose(ours["effect"].to_numpy(), truth, atol=0.1)

    def test_mismatched_lengths_are_refused(self):
        y, shock = simulated(300, 3)
        with self.assertRaises(ValueError):
            mre.local_projection(y, shock[:200])  # mismatched lengths: InvalidArgument


if __name__ == "__main__":
    unittest.main()
