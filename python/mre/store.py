"""mre.Store: a read-only view of an mre store (SQLite file or postgresql:// URL) as DataFrames."""
import datetime

import numpy as np

from . import _mre

try:
    import pandas as pd
except ImportError:
    pd = None


def _index(dates):
    return pd.DatetimeIndex(pd.to_datetime(dates, format="%Y-%m-%d"), name="date")


def _date(value, what):
    """start / end: None, 'YYYY-MM-DD' text, or a date, datetime, pd.Timestamp or np.datetime64 at
    midnight (the store's dates are days); anything else raises InvalidArgumentError naming it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (datetime.date, np.datetime64)):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise _mre.InvalidArgumentError(f"{what}: expected a date, got {value!r}")
        if stamp != stamp.normalize():
            raise _mre.InvalidArgumentError(
                f"{what}: {stamp.isoformat()} has a time of day; the store's dates are days "
                f"(pass {stamp.date().isoformat()})")
        return stamp.date().isoformat()
    raise _mre.InvalidArgumentError(
        f"{what}: expected a date ('YYYY-MM-DD', datetime.date or pd.Timestamp), got "
        f"{type(value).__name__}")


def _as_of(value):
    """as_of: None, ISO text, a date (that day's start, UTC) or a datetime / pd.Timestamp (naive
    ones are read as UTC, as the CLI's --as-of)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.datetime, np.datetime64)):
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise _mre.InvalidArgumentError(f"as_of: expected a date or time, got {value!r}")
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise _mre.InvalidArgumentError(
        f"as_of: expected a date or time (ISO text, datetime or pd.Timestamp), got "
        f"{type(value).__name__}")


def _tag(value, what="version"):
    """A version tag must be text: None or a number raised pybind11's bare TypeError."""
    if isinstance(value, str):
        return value
    raise _mre.InvalidArgumentError(f"{what}: expected a version tag (text), got {value!r}")


class Store:
    """Opens an existing store read-only (`mre` never creates one from here).

    Each method returns a DataFrame with a DatetimeIndex named 'date' and the values the CLI
    exports (`mre series show`, `mre features export`, `mre regimes show`, `mre effects show`).
    """

    def __init__(self, path_or_url):
        if pd is None:
            raise _mre.UnsupportedError("mre.Store needs pandas (Debian: python3-pandas)")
        self._handle = _mre.StoreHandle(str(path_or_url))

    def close(self):
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        try:
            return f"mre.Store({self._handle.describe()})"
        except _mre.Error:
            return "mre.Store(closed)"

    def versions(self, kind):
        """The version tags of one kind of artefact ('features', 'regimes', 'effects', 'backtests'
        or 'scm'), as `mre features list` / `mre regimes list` / ... / `mre scm list` show them."""
        return list(self._handle.versions(_tag(kind, "kind")))

    def series(self, tickers, start=None, end=None, as_of=None):
        """Raw series as stored (as known at `as_of`, an ISO date or time, when given): one column
        per ticker, outer-joined on date (NaN where a ticker has no value)."""
        single = isinstance(tickers, str)
        names = [tickers] if single else list(tickers)
        start, end, as_of = _date(start, "start"), _date(end, "end"), _as_of(as_of)
        columns = {}
        for ticker in names:
            dates, values = self._handle.series(_tag(ticker, "ticker"), start, end, as_of)
            columns[ticker] = pd.Series(np.asarray(values, dtype=np.float64), index=_index(dates))
        frame = pd.concat(columns, axis=1) if columns else pd.DataFrame()
        frame.index.name = "date"
        return frame

    def features(self, version, start=None, end=None):
        """A feature version: one column per feature (a proxy column keeps its name; the proxies
        are listed in frame.attrs['proxies'])."""
        dates, names, proxies, values = self._handle.features(_tag(version), _date(start, "start"),
                                                              _date(end, "end"))
        frame = pd.DataFrame(values, index=_index(dates), columns=names)
        frame.attrs["proxies"] = {n: p for n, p in zip(names, proxies) if p}
        return frame

    def regimes(self, version, start=None, end=None):
        """A regime version: 'regime' (the label), 'score' and one probability column 'p_<label>'
        per regime (filtered, as stored)."""
        dates, labels, score, names, probabilities = self._handle.regimes(
            _tag(version), _date(start, "start"), _date(end, "end"))
        frame = pd.DataFrame(probabilities, index=_index(dates), columns=[f"p_{n}" for n in names])
        frame.insert(0, "score", np.asarray(score))
        frame.insert(0, "regime", labels)
        return frame

    def classify(self, obs, version, advance=False, allow_unapproved=False, instrument_type=""):
        """Classifies one observation with a trained hierarchical classifier (docs/classifier.md)
        from the stored filter state: obs is a dict (or JSON text) with "timestamp", the ten
        MR-DS-01 indicators and optionally "instrument_type", as `mre classify --input`. Returns
        the MR-DS-02 record as a dict. advance=False (the default) writes nothing; advance=True
        appends the new filter state, as `mre classify` does (and needs a writable store)."""
        import json
        text = obs if isinstance(obs, str) else json.dumps(obs)
        return json.loads(self._handle.classify(text, _tag(version), bool(advance), bool(allow_unapproved),
                                                str(instrument_type)))

    def backtests(self, version, daily=False):
        """A backtest version as `mre backtest show VERSION --format csv`: one row per (strategy,
        metric) with its value (NaN where the CLI prints nothing), metric names as the CLI's
        (annual_return, ..., year_YYYY). daily=True: the daily path of every strategy as
        `--format csv --daily` (strategy, ret, equity, drawdown, exposure, turnover, regime)
        indexed by date. frame.pivot(index="strategy", columns="metric", values="value") gives one
        row per strategy."""
        columns = self._handle.backtest(_tag(version), bool(daily))
        frame = pd.DataFrame(columns)
        if daily:
            frame.index = _index(frame.pop("date"))
        return frame

    def effects(self, version):
        """An effects version: one row per (treatment, outcome, horizon, method, learner)."""
        return pd.DataFrame(self._handle.effects(_tag(version)))
