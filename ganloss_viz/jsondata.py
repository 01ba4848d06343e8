"""JSON-ready data: the one cleaner behind the CLI's ``--json``, the exports and downloads.

JSON has no infinity and no NaN. Infinities become the strings ``"inf"`` / ``"-inf"``
(what the command line writes, DESIGN.md). A NaN is a bug where a result promises
numbers (:class:`OutputBug`), and the string ``"nan"`` where it is data: a training
run's losses after it diverged (``nan="nan"``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any


class OutputBug(RuntimeError):
    """The result holds a number JSON cannot carry (NaN): a bug, never bad input."""


def jsonable(obj: Any, path: str = "", nan: str | None = None) -> Any:
    """``obj`` as JSON data: infinities as ``"inf"`` / ``"-inf"``, NumPy scalars as
    Python numbers, tuples as lists; a NaN becomes ``nan`` when given, else raises
    OutputBug naming where it sits (``path``), as does anything that is not data."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v, f"{path}.{k}" if path else str(k), nan)
                for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v, f"{path}[{i}]", nan) for i, v in enumerate(obj)]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, numbers.Integral):       # a NumPy integer
        return int(obj)
    if isinstance(obj, float) or hasattr(obj, "__float__"):
        x = float(obj)
        if math.isnan(x):
            if nan is not None:
                return nan
            raise OutputBug(f"NaN at {path or 'the top level'} of the result")
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x + 0.0  # -0.0 -> 0.0
    raise OutputBug(f"{path or 'the result'} is a {type(obj).__name__}, not JSON data")
