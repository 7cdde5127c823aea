#!/usr/bin/python3
# Test reference for mre's feature sets: an independent pandas/numpy implementation of
# src/mre/features/feature_set.h (grid, as-of alignment with publication lag and max gap, ops in
# order, binary ops first, `prefer`) and src/mre/features/transforms.h (each transform's formula
# and NaN rules, pandas-default conventions). The C++ feature tests cross-check mre's values
# against the CSV this writes (to 1e-9 relative), and bench/features_pandas.py times it as the
# speed reference, so it is written the way a pandas user would: rolling/expanding built-ins,
# merge_asof, numpy sliding windows; no Python loops over rows.
#
# Not part of mre: a test reference only. Run it with Debian's /usr/bin/python3 (pandas 1.5.3).
#
#   /usr/bin/python3 tests/features/reference_features.py --spec config/features/macro_ltv.yml \
#       --universe config/universe.yml --snapshot data/snapshot --out /tmp/macro_ltv.csv
#
# Output: a wide CSV, `date` then one column per feature in spec order; NaN is an empty field,
# numbers are repr(float) (shortest round-trip form).
import argparse
import datetime as _dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

# Max gap between a grid date and the observation used, beyond the publication lag (§2).
MAX_GAP_DAYS = {"daily": 10, "weekly": 14, "monthly": 35, "quarterly": 100, "annual": 370}

BINARY_OPS = {"spread", "ratio", "correlation"}
FUTURE_OPS = {"winsorize_full_sample", "forward_returns"}


# ---------------------------------------------------------------------------------------------
# Raw data and universe
# ---------------------------------------------------------------------------------------------

def value_column(cols):
    """AdjClose if present, else close/Close, else the second column (as bench/ingest_pandas.py)."""
    for name in ("AdjClose", "close", "Close"):
        if name in cols:
            return name
    return cols[1]


def read_raw(path, until=None):
    """Present observations of one snapshot file as a float Series on a DatetimeIndex.

    As bench/ingest_pandas.py, except float_precision="round_trip": pandas' default parser
    misreads about 5% of the snapshot's numbers by one ulp, and mre parses with std::from_chars
    (correctly rounded), so this keeps both sides' inputs bit-identical."""
    df = pd.read_csv(path, na_values=[".", ""], float_precision="round_trip")
    date_col, val_col = df.columns[0], value_column(list(df.columns))
    df = df[[date_col, val_col]].dropna(subset=[val_col])
    s = pd.Series(df[val_col].astype(float).to_numpy(),
                  index=pd.to_datetime(df[date_col], format="%Y-%m-%d"), name=path.stem)
    s = s.sort_index()
    if until is not None:
        s = s[s.index <= pd.Timestamp(until)]
    return s


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


def load_universe(universe_path):
    with open(universe_path) as f:
        u = yaml.load(f, Loader=_YAML_LOADER)
    return {str(entry["ticker"]): entry for entry in u["series"]}


def load_spec(spec_path):
    with open(spec_path) as f:
        return yaml.load(f, Loader=_YAML_LOADER)


# ---------------------------------------------------------------------------------------------
# Calendar and grid (§1)
# ---------------------------------------------------------------------------------------------

def _observed(d):
    """Saturday -> Friday before, Sunday -> Monday after."""
    wd = d.weekday()
    if wd == 5:
        return d - _dt.timedelta(days=1)
    if wd == 6:
        return d + _dt.timedelta(days=1)
    return d


def _nth_weekday(year, month, weekday, n):
    """n-th (1-based) weekday (Mon=0) of the month; n = -1 for the last one."""
    if n > 0:
        first = _dt.date(year, month, 1)
        return first + _dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = _dt.date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - _dt.timedelta(days=1)
    return last - _dt.timedelta(days=(last.weekday() - weekday) % 7)


def us_federal_holidays(first_year, last_year):
    """Observed US federal holidays falling in years first_year..last_year, as they were in each
    year (as core/calendar.cc): MLK Day from 1986; Washington's Birthday, Memorial Day and
    Columbus Day on Mondays from 1971 (Feb 22, May 30, Oct 12 before); Veterans Day on the 4th
    Monday of October 1971-1977; Juneteenth from 2021. Fixed-date holidays move Saturday ->
    Friday, Sunday -> Monday.

    Generated for one year either side so that a Saturday New Year's Day of last_year + 1 shows
    up as Dec 31 of last_year; only dates inside [first_year, last_year] are returned."""
    d = _dt.date
    days = set()
    for y in range(first_year - 1, last_year + 2):
        monday_act = y >= 1971
        days.add(_observed(d(y, 1, 1)))                                    # New Year's Day
        if y >= 1986:
            days.add(_nth_weekday(y, 1, 0, 3))                             # Martin Luther King Jr.
        days.add(_nth_weekday(y, 2, 0, 3) if monday_act else _observed(d(y, 2, 22)))  # Washington
        days.add(_nth_weekday(y, 5, 0, -1) if monday_act else _observed(d(y, 5, 30)))  # Memorial
        if y >= 2021:
            days.add(_observed(d(y, 6, 19)))                               # Juneteenth
        days.add(_observed(d(y, 7, 4)))                                    # Independence Day
        days.add(_nth_weekday(y, 9, 0, 1))                                 # Labor Day
        days.add(_nth_weekday(y, 10, 0, 2) if monday_act else _observed(d(y, 10, 12)))  # Columbus
        days.add(_nth_weekday(y, 10, 0, 4) if 1971 <= y <= 1977
                 else _observed(d(y, 11, 11)))                             # Veterans Day
        days.add(_nth_weekday(y, 11, 3, 4))                                # Thanksgiving
        days.add(_observed(d(y, 12, 25)))                                  # Christmas Day
    return pd.DatetimeIndex(sorted(x for x in days if first_year <= x.year <= last_year))


def make_grid(first, last, frequency):
    """Grid dates from `first` to `last` (both Timestamps), as a DatetimeIndex."""
    if frequency == "daily":
        hol = us_federal_holidays(first.year, last.year)
        days = pd.date_range(first, last, freq="D")
        return days[(days.weekday < 5) & ~days.isin(hol)]
    if frequency == "weekly":
        start = first + pd.Timedelta(days=(4 - first.weekday()) % 7)   # Friday closing its week
        return pd.date_range(start, last, freq="7D")
    if frequency == "month_end":
        start = first + pd.offsets.MonthEnd(0)                           # rolls forward, or stays
        return pd.date_range(start, last, freq="M")
    raise ValueError(f"unknown frequency {frequency!r}")


# ---------------------------------------------------------------------------------------------
# Alignment (§2)
# ---------------------------------------------------------------------------------------------

def align(raw, grid, lag_days, max_gap_days):
    """Last observation with obs_date + lag <= t; NaN when t - obs_date > lag + max_gap."""
    right = pd.DataFrame({"available": raw.index + pd.Timedelta(days=lag_days),
                          "obs_date": raw.index, "value": raw.to_numpy()})
    left = pd.DataFrame({"date": grid})
    m = pd.merge_asof(left, right, left_on="date", right_on="available", direction="backward")
    stale = (m["date"] - m["obs_date"]).dt.days > lag_days + max_gap_days
    return m["value"].mask(stale).to_numpy(dtype=float)


# ---------------------------------------------------------------------------------------------
# Transforms (transforms.h). Each takes and returns a float numpy array on grid positions.
# ---------------------------------------------------------------------------------------------

def _nan_where(values, cond):
    out = np.asarray(values, dtype=float).copy()
    out[cond] = np.nan
    return out


def winsorize_expanding(x, p, min_periods):
    s = pd.Series(x)
    present = s.notna().cumsum().to_numpy()
    lo = s.expanding(min_periods=1).quantile(p).to_numpy()
    hi = s.expanding(min_periods=1).quantile(1.0 - p).to_numpy()
    with np.errstate(invalid="ignore"):
        clipped = np.minimum(np.maximum(x, lo), hi)
    return np.where(present >= min_periods, clipped, x)


def winsorize_full_sample(x, p):
    s = pd.Series(x)
    lo, hi = s.quantile(p), s.quantile(1.0 - p)
    return s.clip(lo, hi).to_numpy()


def expanding_zscore(x, min_periods):
    s = pd.Series(x)
    mean = s.expanding(min_periods=min_periods).mean().shift(1)
    std = s.expanding(min_periods=min_periods).std().shift(1)
    return ((s - mean) / std.mask(std == 0)).to_numpy()


def rolling_slope(x, window):
    n = len(x)
    out = np.full(n, np.nan)
    if n >= window:
        w = np.arange(window, dtype=float) - (window - 1) / 2.0
        w /= w @ w
        out[window - 1:] = np.lib.stride_tricks.sliding_window_view(x, window) @ w
    return out


def rolling_std(x, window):
    return pd.Series(x).rolling(window, min_periods=window).std().to_numpy()


def rolling_mean(x, window):
    return pd.Series(x).rolling(window, min_periods=window).mean().to_numpy()


def ewm_mean(x, halflife, min_periods):
    return pd.Series(x).ewm(halflife=halflife, adjust=True, ignore_na=False,
                            min_periods=max(min_periods, 1)).mean().to_numpy()


def ewm_downside_deviation(x, halflife, min_periods, log):
    s = pd.Series(x)
    dd = np.sqrt(ewm_mean(s.clip(upper=0.0).pow(2).to_numpy(), halflife, min_periods))
    if log:
        with np.errstate(divide="ignore"):
            dd = np.where(dd > 0, np.log(np.where(dd > 0, dd, 1.0)), np.where(np.isnan(dd), np.nan, np.nan))
    return dd


def ewm_sortino(x, halflife, min_periods):
    mean = ewm_mean(x, halflife, min_periods)
    dd = ewm_downside_deviation(x, halflife, min_periods, False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dd > 0, mean / np.where(dd > 0, dd, 1.0), np.nan)


def _shift(x, k):
    return pd.Series(x).shift(k).to_numpy()


def difference(x, k):
    return x - _shift(x, k)


def _change(now, then, log):
    """now/then - 1, or ln(now/then); NaN when then == 0, or (log) when either <= 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if log:
            return _nan_where(np.log(now / then), (now <= 0) | (then <= 0))
        return _nan_where(now / then - 1.0, then == 0)


def pct_change(x, k, log):
    return _change(x, _shift(x, k), log)


def forward_returns(x, horizon, log):
    return _change(_shift(x, -horizon), x, log)


def momentum(x, window, ratio):
    return pct_change(x, window, False) if ratio else difference(x, window)


def volatility(x, window, log_changes):
    changes = pct_change(x, 1, True) if log_changes else difference(x, 1)
    return rolling_std(changes, window)


def yoy(dates, x):
    """100 * (x_t / x_s - 1), s = last position with date <= date_t - 12 months (month-end clamp;
    a month-end date goes back to the month end a year earlier: 2025-02-28 -> 2024-02-29)."""
    back = dates - pd.DateOffset(months=12)
    back = back.where(~dates.is_month_end, back + pd.offsets.MonthEnd(0))
    s = np.searchsorted(dates.values, back.values, side="right") - 1
    prev = np.where(s >= 0, x[np.maximum(s, 0)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_where(100.0 * (x / prev - 1.0), prev == 0)


def spread(a, b):
    return a - b


def ratio(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_where(a / b, b == 0)


def rolling_correlation(a, b, window):
    sa, sb = pd.Series(a), pd.Series(b)
    corr = sa.rolling(window, min_periods=window).corr(sb).to_numpy()
    sd_a = sa.rolling(window, min_periods=window).std().to_numpy()
    sd_b = sb.rolling(window, min_periods=window).std().to_numpy()
    return _nan_where(corr, (sd_a == 0) | (sd_b == 0) | ~np.isfinite(corr))


def scale(x, factor):
    return factor * x


# ---------------------------------------------------------------------------------------------
# Ops from the YAML form: {op: NAME, param: value, ...} with feature_set.h's defaults.
# ---------------------------------------------------------------------------------------------

def _int(op, key, default):
    return int(op.get(key, default))


def _kind(op, key, default, choices):
    value = str(op.get(key, default))
    if value not in choices:
        raise ValueError(f"op {op['op']}: {key} must be one of {choices}, got {value!r}")
    return value


def apply_unary(op, x, dates):
    name = op["op"]
    if name == "winsorize":
        return winsorize_expanding(x, float(op.get("p", 0.01)), _int(op, "min_periods", 36))
    if name == "winsorize_full_sample":
        return winsorize_full_sample(x, float(op.get("p", 0.01)))
    if name == "zscore":
        return expanding_zscore(x, _int(op, "min_periods", 36))
    if name == "slope":
        return rolling_slope(x, _int(op, "window", 12))
    if name == "momentum":
        kind = _kind(op, "kind", "difference", ("ratio", "difference"))
        return momentum(x, _int(op, "window", 12), kind == "ratio")
    if name == "volatility":
        changes = _kind(op, "changes", "difference", ("difference", "log"))
        return volatility(x, _int(op, "window", 12), changes == "log")
    if name == "returns":
        return pct_change(x, _int(op, "horizon", 1), bool(op.get("log", False)))
    if name == "forward_returns":
        return forward_returns(x, _int(op, "horizon", 1), bool(op.get("log", False)))
    if name == "yoy":
        return yoy(dates, x)
    if name == "diff":
        return difference(x, _int(op, "periods", 1))
    if name == "scale":
        return scale(x, float(op.get("factor", 1.0)))
    if name == "mean":
        return rolling_mean(x, _int(op, "window", 12))
    if name == "ewm_downside_deviation":
        return ewm_downside_deviation(x, float(op.get("halflife", 10.0)), _int(op, "min_periods", 1),
                                      bool(op.get("log", False)))
    if name == "ewm_sortino":
        return ewm_sortino(x, float(op.get("halflife", 20.0)), _int(op, "min_periods", 1))
    raise ValueError(f"unknown or misplaced op {name!r}")


def apply_binary(op, a, b):
    name = op["op"]
    if name == "spread":
        return spread(a, b)
    if name == "ratio":
        return ratio(a, b)
    if name == "correlation":
        return rolling_correlation(a, b, _int(op, "window", 63))
    raise ValueError(f"not a binary op {name!r}")


# ---------------------------------------------------------------------------------------------
# Feature sets
# ---------------------------------------------------------------------------------------------

def ticker_inputs(spec):
    """The spec's inputs that are not features of the set, in first-use order."""
    names = {f["name"] for f in spec["features"]}
    out = []
    for f in spec["features"]:
        for i in f.get("inputs", []):
            i = str(i)
            if i not in names and i not in out:
                out.append(i)
    return out


def _raw_for(ticker, universe, snapshot, until, cache):
    """Raw observations of a universe ticker with a snapshot file, or None (no entry/file)."""
    key = (ticker, str(until))
    if cache is not None and key in cache:
        return cache[key]
    entry = universe.get(ticker)
    raw = None
    if entry is not None and entry.get("file"):
        path = Path(snapshot) / entry["file"]
        if path.exists():
            raw = read_raw(path, until)
    if cache is not None:
        cache[key] = raw
    return raw


def compute(spec_path, universe_path, snapshot_dir, until=None, raw_cache=None):
    """The spec's features on its grid: DataFrame indexed by `date`, columns in spec order.

    raw_cache: optional dict shared between calls so that the universe and a file used by
    several specs are read once."""
    spec = load_spec(spec_path)
    if raw_cache is not None:
        key = ("universe", str(universe_path))
        if key not in raw_cache:
            raw_cache[key] = load_universe(universe_path)
        universe = raw_cache[key]
    else:
        universe = load_universe(universe_path)
    features = {f["name"]: f for f in spec["features"]}
    tickers = ticker_inputs(spec)

    raw = {}
    for t in tickers:
        r = _raw_for(t, universe, snapshot_dir, until, raw_cache)
        if r is None:
            raise ValueError(f"{spec['name']}: ticker {t} has no snapshot file in the universe")
        raw[t] = r
    preferred = {}
    for f in spec["features"]:
        if f.get("prefer"):
            r = _raw_for(str(f["prefer"]), universe, snapshot_dir, until, raw_cache)
            if r is not None and len(r) > 0:
                preferred[f["name"]] = (str(f["prefer"]), r)

    # §1 grid
    present = [r for r in raw.values() if len(r) > 0]
    if not present:
        raise ValueError(f"{spec['name']}: no observations")
    first = min(r.index[0] for r in present)
    if spec.get("start") is not None:
        first = max(first, pd.Timestamp(spec["start"]))
    last = max(r.index[-1] for r in present)
    grid = make_grid(first, last, spec["frequency"])

    # §2 alignment
    def aligned(ticker, series):
        entry = universe[ticker]
        lag = int(entry.get("publication_lag_days", 0))
        return align(series, grid, lag, MAX_GAP_DAYS[entry["frequency"]])

    columns = {}
    aligned_cache = {}

    def ticker_values(t):
        if t not in aligned_cache:
            aligned_cache[t] = aligned(t, raw[t])
        return aligned_cache[t]

    def feature_values(name, stack=()):
        if name in columns:
            return columns[name]
        if name in stack:
            raise ValueError(f"{spec['name']}: circular definition through {name}")
        f = features[name]
        if name in preferred:                                              # §4 prefer
            columns[name] = aligned(*preferred[name])
            return columns[name]
        ins = [feature_values(str(i), stack + (name,)) if str(i) in features
               else ticker_values(str(i)) for i in f.get("inputs", [])]
        ops = list(f.get("ops") or [])
        if ops and ops[0]["op"] in BINARY_OPS:                              # §3 ops
            if len(ins) != 2:
                raise ValueError(f"{spec['name']}.{name}: binary op needs two inputs")
            x = apply_binary(ops[0], ins[0], ins[1])
            ops = ops[1:]
        else:
            if len(ins) != 1:
                raise ValueError(f"{spec['name']}.{name}: needs one input (or a binary first op)")
            x = ins[0]
        for op in ops:
            if op["op"] in FUTURE_OPS and not spec.get("allow_future_data", False):
                raise ValueError(f"{spec['name']}.{name}: {op['op']} needs allow_future_data")
            if op["op"] in BINARY_OPS:
                raise ValueError(f"{spec['name']}.{name}: binary op {op['op']} not first")
            x = apply_unary(op, x, grid)
        columns[name] = np.asarray(x, dtype=float)
        return columns[name]

    for f in spec["features"]:
        feature_values(f["name"])

    out = pd.DataFrame({f["name"]: columns[f["name"]] for f in spec["features"]},
                       index=pd.DatetimeIndex(grid, name="date"))
    return out


def write_csv(df, out_path):
    """`date` + feature columns; NaN empty; numbers as repr(float)."""
    def fmt(v):
        return "" if math.isnan(v) else repr(v)
    cols = [[fmt(v) for v in df[c].tolist()] for c in df.columns]
    dates = df.index.strftime("%Y-%m-%d").tolist()
    with open(out_path, "w", newline="") as f:
        f.write(",".join(["date", *df.columns]) + "\n")
        for i, d in enumerate(dates):
            f.write(",".join([d, *(c[i] for c in cols)]) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--spec", required=True, type=Path)
    ap.add_argument("--universe", required=True, type=Path)
    ap.add_argument("--snapshot", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--until", type=lambda s: pd.Timestamp(_dt.date.fromisoformat(s)))
    args = ap.parse_args()
    df = compute(args.spec, args.universe, args.snapshot, until=args.until)
    write_csv(df, args.out)


if __name__ == "__main__":
    main()
