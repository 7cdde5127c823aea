"""mre.local_projection: Jordà's local projections (causal/local_projection.h) as a DataFrame."""
import numpy as np

from . import _frames
from . import _mre
from ._frames import seed as _seed
from ._frames import whole

try:
    import pandas as pd
except ImportError:
    pd = None


def local_projection(y, shock, controls=None, horizons=range(13), lags=2, cumulative=True, inference="hc1"):
    """The impulse response of y to shock: one OLS per horizon h of y_{t+h} - y_{t-1} (cumulative)
    or y_{t+h} on shock_t, an intercept and p lags of the shock, of y's change (or level) and of
    each control. inference: hc1 (lag-augmented HC1, the default) or hac (Newey-West, bandwidth
    at least h + 1). y, shock, controls share the same equally spaced dates; NaN drops the rows
    that need it, per horizon. Returns a DataFrame indexed by horizon (a dict without pandas)."""
    yv = _frames.vector(y, "y")
    sv = _frames.vector(shock, "shock")
    c = np.empty((len(yv), 0)) if controls is None else _frames.matrix(controls, "controls")
    columns, name = _mre.local_projection(yv, sv, np.ascontiguousarray(c), [whole("horizons", h) for h in horizons], whole("lags", lags),
                                          bool(cumulative), str(inference))
    if pd is None:
        return columns
    frame = pd.DataFrame(columns).set_index("horizon")
    frame.attrs["inference"] = name
    return frame
