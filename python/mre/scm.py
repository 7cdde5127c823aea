"""mre.scm: a stored structural causal model (docs/scm.md) for counterfactual and interventional
questions in DoWhy-GCM's spirit, over the same workflows as `mre scm counterfactual` and
`mre scm simulate` (the numbers equal the CLI's on the same store and seeds)."""
import numbers

from . import _mre
from ._frames import seed as _seed
from ._frames import whole
from .store import Store

try:
    import pandas as pd
except ImportError:
    pd = None


def _do_texts(do):
    """{'EFFR': 0.5} -> ['EFFR=+0.5'] (a number shifts the node); {'EFFR': '+0.5@2022-03-01..2022-06-30'}
    -> 'EFFR=+0.5@2022-03-01..2022-06-30' and {'EFFR': '5.25'} (or '=5.25') -> 'EFFR=5.25' (sets):
    the CLI's --do text after 'NODE='; a string or a list of strings -> --do expressions as written."""
    if isinstance(do, str):
        return [do]
    if isinstance(do, dict):
        out = []
        for node, value in do.items():
            if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
                raise _mre.InvalidArgumentError(
                    f"do: '{node}': expected a number (a shift) or the text after NODE in a --do expression, "
                    f"got {type(value).__name__}")
            if isinstance(value, str):
                out.append(f"{node}{value}" if value.startswith("=") else f"{node}={value}")
            else:
                out.append(f"{node}={format(float(value), '+')}")
        return out
    return [str(d) for d in do]


class ScmModel:
    """One stored SCM version (mre.scm.load). interventional_samples simulates forward from a
    start day; counterfactual_samples re-runs history under the intervention (abduction of the
    shocks, action, prediction)."""

    def __init__(self, handle, store):
        self._handle = handle
        self._store = store  # keeps the store open while the model is used

    @property
    def version(self):
        return self._handle.version

    @property
    def nodes(self):
        return list(self._handle.nodes)

    def __repr__(self):
        return f"mre.scm.ScmModel({self.version}: {', '.join(self.nodes)})"

    def counterfactual_samples(self, do, replicates=1000, block_length=20, seed=20, threads=0):
        """The historical counterfactual of `mre scm counterfactual --do ... --format csv`: one row
        per (date, node) from the first intervened date, with the factual and counterfactual
        levels and their difference (the shocks are the data's, so there is one counterfactual
        path; its parameter uncertainty is the residual block bootstrap of the fit, `replicates`
        resamples of `block_length` days seeded by `seed`, in frame.attrs['bands']; on `threads`
        threads, 0: all cores, as the CLI; the numbers do not depend on it)."""
        r = self._handle.counterfactual(_do_texts(do), whole("replicates", replicates),
                                        whole("block_length", block_length), _seed("seed", seed),
                                        whole("threads", threads))
        dates, nodes = r["dates"], r["nodes"]
        factual, counterfactual = r["factual"], r["counterfactual"]
        frame = pd.DataFrame({
            "date": pd.to_datetime([d for d in dates for _ in nodes], format="%Y-%m-%d"),
            "node": [n for _ in dates for n in nodes],
            "factual": factual.reshape(-1),
            "counterfactual": counterfactual.reshape(-1),
            "difference": (counterfactual - factual).reshape(-1),
        })
        for key in ("terminal", "terminal_gap", "terminal_gap_window", "window_end", "uncertainty", "bands", "warnings",
                    "regime_effects"):
            frame.attrs[key] = r[key]
        return frame

    def interventional_samples(self, do, n=10000, horizon=250, seed=42, shocks="gaussian", start=None, threads=0,
                               spec=None, replicates=1000, block_length=20, bootstrap_seed=20, paths_per_replicate=10,
                               name="custom"):
        """Forward scenarios of `mre scm simulate --format csv` (nothing stored): n Monte Carlo
        paths of `horizon` business days from `start` (default: the version's last date) with
        `shocks` (gaussian | student-t | bootstrap | block-bootstrap | regime-bootstrap), a baseline
        and the intervened world on the same shock draws. The kernel keeps each day's quantiles
        over the paths, not the paths: one row per (day, node, scenario) with q05..q95 (natural
        units); frame.attrs['effects'] is the intervention's effect at the horizon (mean and
        quantiles over paths, with bootstrap bands), frame.attrs['dates'] the days' dates.
        spec: the SCM spec whose mean_block the block bootstrap uses (the CLI's --spec)."""
        r = self._handle.scenario(_do_texts(do), str(name), start, whole("horizon", horizon), whole("n", n),
                                  _seed("seed", seed), whole("threads", threads), str(shocks),
                                  None if spec is None else str(spec), whole("replicates", replicates),
                                  whole("block_length", block_length), _seed("bootstrap_seed", bootstrap_seed),
                                  whole("paths_per_replicate", paths_per_replicate))
        frame = pd.DataFrame(r["fans"])
        for key in ("dates", "id", "start", "interventions", "warnings", "regime_effects"):
            frame.attrs[key] = r[key]
        frame.attrs["effects"] = pd.DataFrame([{k: v for k, v in e.items() if k != "band"} for e in r["effects"]]
                                              ).set_index("node") if r["effects"] else pd.DataFrame()
        frame.attrs["effect_bands"] = {e["node"]: e["band"] for e in r["effects"] if "band" in e}
        return frame


def load(version="latest", store=None):
    """The stored SCM version `version` ('latest': the newest) of `store` (an mre.Store, or a
    path or postgresql:// URL opened read-only)."""
    if store is None:
        raise _mre.InvalidArgumentError("store: required (an mre.Store or a store's path or URL)")
    if not isinstance(store, Store):
        store = Store(store)
    return ScmModel(store._handle.scm(str(version)), store)
