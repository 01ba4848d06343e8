"""What the command line writes: JSON objects, human tables and error lines.

JSON output is one line; infinite numbers become the strings ``"inf"`` / ``"-inf"``
and a NaN anywhere is a bug (:class:`OutputBug`, exit status 1; see
`ganloss_viz.jsondata`). Human output uses
:func:`ganloss_viz.format.fmt` and falls back to ASCII when the stream cannot encode
``∞`` or ``‖``. Errors are always exactly one line on stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from ganloss_viz.format import fmt
from ganloss_viz.jsondata import jsonable

PROG = "ganloss_viz"


# ----------------------------------------------------------------------------- JSON


def to_json(obj: Any) -> str:
    """One line of JSON for ``obj`` (see :func:`jsonable`)."""
    return json.dumps(jsonable(obj), allow_nan=False, ensure_ascii=False)


# ----------------------------------------------------------------------------- human text


def fmt_number(x: float, sig: int = 9) -> str:
    """A number for people: ``sig`` significant figures, ∞ / −∞ (see ganloss_viz.format)."""
    return fmt(x, sig)


def params_text(params: Mapping[str, float]) -> str:
    """``alpha=0.5, bandwidth=1``."""
    return ", ".join(f"{k}={fmt_number(v)}" for k, v in params.items())


def table(values: Mapping[str, float | str]) -> list[str]:
    """Rows ``name  value`` with names left-aligned and numbers (or words) right-aligned."""
    cells = {k: v if isinstance(v, str) else fmt_number(v) for k, v in values.items()}
    left = max(len(k) for k in cells)
    right = max(len(v) for v in cells.values())
    return [f"{k:<{left}}  {v:>{right}}" for k, v in cells.items()]


def printable(text: str, stream: TextIO) -> str:
    """``text`` with ∞ / ‖ spelt in ASCII when ``stream`` cannot encode them."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.replace("∞", "inf").replace("\u2212", "-").replace("‖", "||")
        text = text.encode(encoding, "replace").decode(encoding)
    return text


def print_out(text: str) -> None:
    """Write ``text`` and a newline on stdout."""
    sys.stdout.write(printable(text, sys.stdout) + "\n")
    sys.stdout.flush()


def print_error(message: object) -> None:
    """Write ``ganloss_viz: error: message`` on stderr, folded onto exactly one line."""
    line = " ".join(str(message).split())
    sys.stderr.write(printable(f"{PROG}: error: {line}", sys.stderr) + "\n")
    sys.stderr.flush()
