"""Number and table formatting for the app and the command line's human output.

Every number a page shows goes through `fmt`: six significant figures (the explorer
is also a calculator), the infinities as the symbols ∞ and −∞, and text that Python's
`float()` reads back for every finite value (``1.23457e6``, never ``1.23457×10⁶``).
Small tables are written as Markdown (`markdown_table`, `text_table`); text that a
user supplied is shown through `literal`, never as live Markdown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence

INF_TEXT = "∞"
NEG_INF_TEXT = "−∞"   # U+2212 MINUS SIGN, as typeset
NAN_TEXT = "NaN"

METHOD_LABELS = {
    "closed_form": "closed form",
    "quadrature": "quadrature",
    "monte_carlo": "Monte Carlo",
    "analytic_singular": "analytic (singular parts)",
}


def _tidy_exponent(text: str) -> str:
    """``1.5e-07`` -> ``1.5e-7``, ``1.23457e+06`` -> ``1.23457e6``."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def fmt(x: float, sig: int = 6, pad: bool = True) -> str:
    """`x` with `sig` significant figures (default 6); ∞ / −∞ for the infinities.

    pad=True (default) keeps trailing zeros, so every digit shown is significant
    (``0.632720``); integers print as integers (``0``, ``1``, ``18``). pad=False drops
    trailing zeros (``0.5``), for numbers people typed. Fixed notation for
    1e-4 <= |x| < 10**sig, else ``1.23457e-5`` style.
    Examples: ``fmt(0.1281754) == "0.128175"``, ``fmt(math.log(2)) == "0.693147"``.
    """
    x = float(x)
    if math.isnan(x):
        return NAN_TEXT
    if math.isinf(x):
        return INF_TEXT if x > 0 else NEG_INF_TEXT
    if x == 0.0:
        return "0"
    if x == round(x) and abs(x) < 10.0**sig:
        return str(int(x))
    return _tidy_exponent(f"{x:{'#' if pad else ''}.{sig}g}")


def fmt_error(e: float | None, method: str | None = None) -> str:
    """An error estimate: ``"exact"`` for closed forms, else ``±3.2e-9`` (2 figures)."""
    if e is None or (isinstance(e, float) and math.isnan(e)):
        return "n/a"
    if e == 0.0:
        return "exact" if method in (None, "closed_form", "analytic_singular") else "±0"
    if math.isinf(e):
        return "±" + INF_TEXT
    return "±" + _tidy_exponent(f"{abs(e):.2g}")


METHOD_SHORT = {"analytic_singular": "analytic"}


def method_label(method: str, short: bool = False) -> str:
    """Human label for an engine method name (``closed_form`` -> ``closed form``).

    short=True gives at most about 12 characters (for big metric tiles).
    """
    if short and method in METHOD_SHORT:
        return METHOD_SHORT[method]
    return METHOD_LABELS.get(method, method.replace("_", " "))


# Characters Markdown (and Streamlit's directives, :red[...], $...$) could read as syntax.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|$~:])")


def markdown_cell(text: str) -> str:
    """`text` as one literal Markdown table cell: syntax characters escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def literal(text: object) -> str:
    """`text` as Markdown that shows exactly that text, inert: one inline code span.

    For text a user typed or a URL carried (and messages that echo it). Backslash escapes
    are not enough under Streamlit: it still autolinks an escaped ``https://...``, draws
    ``:material/...:`` icons and reads ``$...$`` as LaTeX; inside a code span nothing is
    a link, an image, HTML or a formula. Runs of whitespace become one space (a code
    span cannot hold a paragraph break).
    """
    text = " ".join(str(text).split())
    if not text:
        return ""
    # Streamlit rewrites ":material/" to ":material_" before parsing, code spans
    # included; an invisible word joiner keeps the text as typed.
    text = text.replace(":material/", ":\u2060material/")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                   right: Collection[int] = ()) -> str:
    """A Markdown table of ready cells (Markdown each; plain text goes through
    `markdown_cell`); the columns whose index is in `right` are right-aligned."""
    rule = ["---:" if i in right else ":---" for i in range(len(header))]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in (header, rule, *rows))


def text_table(rows: Sequence[Mapping[str, str]], right: Collection[str] = ()) -> str:
    """A Markdown table of plain-text `rows` (dicts with the same keys, the header), every
    cell shown literally, the columns named in `right` right-aligned (numbers).

    The app's small tables are Markdown rather than data frames: they print as text at
    the page's font size (legible on a projector), and the first view then needs neither
    pandas on the server nor the data grid's scripts in the browser (cold start).
    """
    if not rows:
        return ""
    cols = list(rows[0])
    return markdown_table([markdown_cell(c) for c in cols],
                          [[markdown_cell(r[c]) for c in cols] for r in rows],
                          right={i for i, c in enumerate(cols) if c in right})
