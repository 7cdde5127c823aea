"""Bad input raises a Python exception (ValueError / KeyError / OSError, all mre.Error) with a
message naming the argument, never a crash; ctest runs this file under `python3 -X faulthandler`
so a segfault would fail it with a traceback."""
import unittest

import numpy as np
import pandas as pd

import mre
from support import regime_data


class BadInput(unittest.TestCase):
    def setUp(self):
        data, _, _ = regime_data(200, 2, 2, 1)
        self.df = pd.DataFrame(data, index=pd.date_range("2000-01-31", periods=200, freq="M"), columns=["a", "b"])
        self.model = mre.GaussianHMM(2, n_init=1).fit(self.df)

    def test_hierarchy(self):
        self.assertTrue(issubclass(mre.DataError, ValueError) and issubclass(mre.DataError, mre.Error))
        self.assertTrue(issubclass(mre.InvalidArgumentError, ValueError))
        self.assertTrue(issubclass(mre.NotFoundError, KeyError))
        self.assertTrue(issubclass(mre.StoreError, OSError))
        self.assertTrue(issubclass(mre.UnsupportedError, NotImplementedError))
        # str() is the message itself (KeyError would quote it)
        self.assertEqual(str(mre.NotFoundError("no x")), "no x")

    def test_unsorted_index(self):
        shuffled = self.df.iloc[[1, 0] + list(range(2, 200))]
        with self.assertRaisesRegex(ValueError, "X: row 2: date 2000-01-31 does not come after 2000-02-29"):
            mre.GaussianHMM(2).fit(shuffled)

    def test_non_numeric_column(self):
        bad = self.df.assign(c="x")
        with self.assertRaisesRegex(mre.DataError, "column 'c': not numeric"):
            mre.GaussianHMM(2).fit(bad)

    def test_wrong_shapes(self):
        with self.assertRaisesRegex(mre.InvalidArgumentError, "X: has 3 columns, the model 2 features"):
            self.model.predict_proba(np.zeros((4, 3)))
        with self.assertRaisesRegex(ValueError, "3 dimension"):
            mre.GaussianHMM(2).fit(np.zeros((4, 2, 2)))
        with self.assertRaises(ValueError):
            self.model.predict_proba(np.zeros((0, 2)))

    def test_kernel_checks_name_the_parameter(self):
        with self.assertRaisesRegex(mre.InvalidArgumentError, "n_states"):
            mre.GaussianHMM(1).fit(self.df)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "covariance"):
            mre.GaussianHMM(2, covariance_type="banana").fit(self.df)
        with self.assertRaises(mre.DataError):
            mre.GaussianHMM(2).fit(self.df.assign(a=np.inf))

    def test_nan_in_a_treatment(self):
        rng = np.random.default_rng(0)
        W = rng.standard_normal((100, 2))
        T = rng.standard_normal(100)
        T[10] = np.nan
        with self.assertRaises(ValueError) as caught:
            mre.DML().fit(rng.standard_normal(100), T, W=W)
        self.assertIsInstance(caught.exception, mre.Error)
        with self.assertRaisesRegex(mre.InvalidArgumentError, "model_y"):
            mre.DML(model_y="nope").fit(rng.standard_normal(100), rng.standard_normal(100), W=W)

    def test_jump_model_bad_input(self):
        with self.assertRaises(ValueError):
            mre.JumpModel(2).fit(np.full((10, 2), np.nan))
        with self.assertRaises(mre.InvalidArgumentError):
            mre.JumpModel(2).predict(np.zeros((3, 2)))

    def test_the_gil_is_released_during_a_fit(self):
        # Two fits on two Python threads finish and agree with a fit on one thread.
        import threading
        results = [None, None]

        def work(i):
            results[i] = mre.GaussianHMM(2, n_init=2, threads=1).fit(self.df).means_

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        np.testing.assert_array_equal(results[0], results[1])


if __name__ == "__main__":
    unittest.main()
