"""mre.JumpModel equals the CLI's jump fit bit for bit; online states ignore later rows."""
import json
import os
import tempfile
import unittest

import numpy as np
import pandas as pd

import mre
from support import regime_data, run_mre


class JumpModel(unittest.TestCase):
    def test_centers_and_online_states_equal_the_cli(self):
        data, states, _ = regime_data(400, 2, 3, 31, switch=0.02)
        df = pd.DataFrame(data, index=pd.date_range("2001-01-01", periods=400, freq="D"), columns=["a", "b", "c"])
        with tempfile.TemporaryDirectory() as tmp:
            csv = os.path.join(tmp, "x.csv")
            df.to_csv(csv, index_label="date", float_format="%.17g", date_format="%Y-%m-%d")
            out = os.path.join(tmp, "m.json")
            run_mre("regimes", "fit", "--data", csv, "--method", "jump", "--states", "2", "--penalty", "20",
                    "--n-init", "10", "--seed", "42", "--out", out)
            with open(out) as f:
                cli = json.load(f)
            viterbi = pd.read_csv(pd.io.common.StringIO(run_mre("regimes", "predict", "--model", out, "--data", csv,
                                                                "--viterbi").stdout))
        model = mre.JumpModel(2, jump_penalty=20.0, n_init=10, random_state=42).fit(df)
        np.testing.assert_array_equal(model.centers_, np.array(cli["centers"]))
        np.testing.assert_array_equal(model.predict(df).to_numpy(), viterbi["state"].to_numpy())
        # known answer: the simulated regimes up to relabelling (penalty 20 on well-separated data);
        # the online states lag each switch by a few rows (they see no later rows), so they agree less
        def agreement(labels):
            return max(np.mean(labels == states), np.mean(labels == 1 - states))
        self.assertGreater(agreement(model.predict(df).to_numpy()), 0.95)
        online = model.predict_online(df).to_numpy()
        self.assertGreater(agreement(online), 0.85)
        # no look-ahead: online states of the first 300 rows do not change when rows are removed
        np.testing.assert_array_equal(model.predict_online(df.iloc[:300]).to_numpy(), online[:300])


if __name__ == "__main__":
    unittest.main()
