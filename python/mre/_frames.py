"""Input and output conversion shared by the estimators: pandas or NumPy in, the same kind out.

Only shape, type and order checks live here (the messages name the argument, as the CLI names
the file and line); every number is computed by the native module.
"""
import numpy as np

from ._mre import DataError, InvalidArgumentError

try:
    import pandas as pd
except ImportError:  # pandas is optional: NumPy in, NumPy out
    pd = None


def is_frame(x):
    return pd is not None and isinstance(x, (pd.DataFrame, pd.Series))


def check_index(index, what):
    """A DatetimeIndex must be strictly increasing (the CLI's CSV rule)."""
    if pd is None or not isinstance(index, pd.DatetimeIndex):
        return
    if len(index) > 1:
        values = index.asi8
        bad = np.nonzero(values[1:] <= values[:-1])[0]
        if bad.size:
            row = int(bad[0]) + 1
            raise DataError(
                f"{what}: row {row + 1}: date {index[row].date().isoformat()} does not come after "
                f"{index[row - 1].date().isoformat()} (rows must be sorted, no duplicates)")


def matrix(x, what="X"):
    """A 2-D float64 C-contiguous array from a DataFrame, Series, array or list."""
    if type(x) is np.ndarray and x.dtype == np.float64 and x.ndim == 2 and x.flags.c_contiguous:
        return x  # the common case, without copies or checks (the native side checks shapes)
    if is_frame(x):
        check_index(x.index, what)
        frame = x.to_frame() if isinstance(x, pd.Series) else x
        for name, dtype in frame.dtypes.items():
            if not (np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.bool_)):
                raise DataError(f"{what}: column '{name}': not numeric (dtype {dtype})")
        return np.ascontiguousarray(frame.to_numpy(dtype=np.float64))
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DataError(f"{what}: not numeric ({e})") from None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise InvalidArgumentError(f"{what}: expected a 2-D array (rows are dates), got {array.ndim} dimension(s)")
    return np.ascontiguousarray(array)


def vector(x, what):
    """A 1-D float64 array from a Series, a one-column DataFrame, an array or a list."""
    if is_frame(x):
        check_index(x.index, what)
        if isinstance(x, pd.DataFrame):
            if x.shape[1] != 1:
                raise InvalidArgumentError(f"{what}: expected one column, got {x.shape[1]}")
            x = x.iloc[:, 0]
        if not (np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.bool_)):
            raise DataError(f"{what}: not numeric (dtype {x.dtype})")
        return np.ascontiguousarray(x.to_numpy(dtype=np.float64))
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DataError(f"{what}: not numeric ({e})") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise InvalidArgumentError(f"{what}: expected a 1-D array, got shape {array.shape}")
    return np.ascontiguousarray(array)


def index_of(x):
    return x.index if is_frame(x) else None


def frame_like(values, x, columns):
    """`values` as a DataFrame on x's index when x was pandas, else the array itself."""
    if type(x) is np.ndarray or not is_frame(x):
        return values
    return pd.DataFrame(values, index=x.index, columns=columns)


def series_like(values, x, name):
    if is_frame(x):
        return pd.Series(values, index=x.index, name=name)
    return values


def whole(name, value, lo=None, hi=None):
    """`value` as an int when it is a whole number (a Python or NumPy integer, not a bool) within
    [lo, hi] when given; an InvalidArgumentError naming `name` otherwise. int() truncated 2.7 to 2
    paths, True to 1 and parsed "10": a value silently replaced by another."""
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name}: must be a whole number (got {value!r})")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InvalidArgumentError(f"{name}: {int(value)} is outside [{lo}, {hi}]")
    return int(value)


def seed(name, value):
    """A seed: a whole number in [0, 2^64 - 1] (a negative one was a raw TypeError)."""
    return whole(name, value, 0, 2**64 - 1)
