"""mre from Python: the Macro Regime Engine's estimators and store as imports.

Thin wrappers over the native module `mre._mre` (pybind11): pandas in and out (a DataFrame with a
DatetimeIndex), NumPy arrays accepted. No statistics are computed here; see docs/python.md.
"""
from ._mre import (  # noqa: F401  (the exception hierarchy, raised by the native code)
    Error,
    InvalidArgumentError,
    DataError,
    StoreError,
    IoError,
    NotFoundError,
    UnsupportedError,
    InternalError,
)
from .hmm import GaussianHMM  # noqa: F401
from .jump import JumpModel  # noqa: F401
from .causal import DML, LinearDML, XLearner  # noqa: F401
from .store import Store  # noqa: F401
from .projections import local_projection  # noqa: F401
from . import scm  # noqa: F401

__all__ = [
    "Error", "InvalidArgumentError", "DataError", "StoreError", "IoError", "NotFoundError",
    "UnsupportedError", "InternalError", "GaussianHMM", "JumpModel", "DML", "LinearDML", "XLearner", "Store", "local_projection", "scm",
]
