"""What the explorer's download buttons write: its results as CSV and JSON text.

A researcher who found something on a page takes the numbers away to plot or check
them elsewhere. CSV numbers keep full precision (the shortest text that reads back to
the same float); infinity is ``inf`` / ``-inf`` (NumPy, pandas and spreadsheets read
it) and a value that could not be computed is an empty cell. JSON follows the command
line (``"inf"`` for infinity, see `ganloss_viz.jsondata`). No Streamlit here.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from ganloss_viz.jsondata import jsonable


class FitTrack(Protocol):
    """A direct fit as the explorer keeps it (`ganloss_viz.explore.fitframes.FitRun`)."""

    div: str
    values: Sequence[float]
    trajectory: Sequence[Mapping[str, float]]


def number(x: Any) -> str:
    """One CSV cell for a number: an integer as it is, else ``repr`` of the float,
    ``inf``, ``-inf``, or empty for NaN."""
    if isinstance(x, int | np.integer) and not isinstance(x, bool):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x + 0.0)   # -0.0 -> 0.0


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with `header`; numbers written by `number`, text as it is."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell if isinstance(cell, str) else number(cell) for cell in row])
    return out.getvalue()


def sweep_csv(param: str, x: Sequence[float],
              curves: Mapping[str, tuple[Sequence[float], Sequence[float]]]) -> str:
    """One row per value of `param`: the value, then D and ∂D/∂param of every divergence
    in `curves` ({name: (values, derivatives)}, in the order given)."""
    header = [param]
    for name in curves:
        header += [name, f"d {name} / d {param}"]
    columns = [np.asarray(x, float)]
    for values, grads in curves.values():
        columns += [np.asarray(values, float), np.asarray(grads, float)]
    return csv_text(header, zip(*columns, strict=True))


def landscape_csv(div: str, lx: str, ly: str, x: Sequence[float], y: Sequence[float],
                  z: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> str:
    """One row per grid point (x varies fastest): lx, ly, D, ∂D/∂lx, ∂D/∂ly, where the
    arrays are indexed [j, i] for (x[i], y[j]) as the landscape figure draws them."""
    header = [lx, ly, div, f"d {div} / d {lx}", f"d {div} / d {ly}"]
    rows = ((xi, yj, z[j, i], gx[j, i], gy[j, i])
            for j, yj in enumerate(y) for i, xi in enumerate(x))
    return csv_text(header, rows)


def fit_csv(runs: Sequence[FitTrack]) -> str:
    """One row per divergence and step: D(P ‖ Q) and Q's parameters after that step
    (step 0 is the start)."""
    names = list(dict.fromkeys(name for run in runs for t in run.trajectory for name in t))
    rows = ([run.div, step, value, *(t.get(name, math.nan) for name in names)]
            for run in runs
            for step, (value, t) in enumerate(zip(run.values, run.trajectory, strict=True)))
    return csv_text(["divergence", "step", "D", *(f"q.{n}" for n in names)], rows)


def divergence_command(div: str, p: str, q: str, params: Mapping[str, float]) -> str:
    """The shell command that prints the same result: ``python -m ganloss_viz divergence``."""
    words = ["python", "-m", "ganloss_viz", "divergence", p, q, "--div", div]
    for key, value in params.items():
        words += ["--param", f"{key}={value!r}"]
    return shlex.join([*words, "--json"])


def divergence_object(div: str, value: float, method: str, error: float,
                      grad: Mapping[str, float], accurate: bool = True,
                      grad_notes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The command line's ``divergence --json`` object: div, value, method, error,
    accurate, grad (null for a derivative that is not a number) and grad_notes (which
    derivatives are one-sided, jump or infinite)."""
    return {"div": div, "value": float(value), "method": str(method), "error": float(error),
            "accurate": bool(accurate),
            "grad": {str(k): (None if math.isnan(v) else float(v)) for k, v in grad.items()},
            "grad_notes": {str(k): str(v) for k, v in (grad_notes or {}).items()}}


def divergence_record(div: str, p: str, q: str, params: Mapping[str, float],
                      result: Mapping[str, Any]) -> dict[str, Any]:
    """`divergence_object` of an explorer result, with what reproduces it: p, q, params
    and the command."""
    return {
        **divergence_object(div, result["value"], result["method"], result["error"],
                            result["grad"], result["accurate"], result["grad_notes"]),
        "p": p, "q": q, "params": {str(k): float(v) for k, v in params.items()},
        "command": divergence_command(div, p, q, params),
    }


def divergence_json(div: str, p: str, q: str, params: Mapping[str, float],
                    result: Mapping[str, Any]) -> str:
    """`divergence_record` as indented JSON, infinities as ``"inf"`` like the command line."""
    record = jsonable(divergence_record(div, p, q, params, result))
    return json.dumps(record, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
