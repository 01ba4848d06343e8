"""Safe parser and formatter for distribution spec strings.

A *spec string* describes a distribution as a call, for example::

    normal(0, 1)
    normal(loc=0, scale=1)
    mvnormal(loc=[0, 1], cov=[[1, 0.5], [0.5, 2]])
    product(dirac(0), uniform(0, 1))
    mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.3, 0.7])

Grammar (positional arguments come before keyword arguments)::

    spec  := NAME "(" [value ("," value)*] [NAME "=" value ("," NAME "=" value)*] ")"
    value := number | "[" [value ("," value)*] "]" | spec
    number:= ["-" | "+"] int-or-float-literal          (finite; stored as float)

The text is parsed with :func:`ast.parse` and the resulting tree is walked with
an explicit whitelist; nothing is ever evaluated. Names are only accepted as a
family name (the callee) or a keyword, never as values. Whether a family name is
known is for the caller to decide. Every problem is reported as a
:class:`ValueError` that quotes the offending fragment and says what is allowed.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import warnings
from dataclasses import dataclass

__all__ = [
    "MAX_DEPTH",
    "MAX_LIST_LENGTH",
    "MAX_SPEC_LENGTH",
    "Spec",
    "Value",
    "format_number",
    "format_spec",
    "parse_spec",
]

MAX_SPEC_LENGTH = 2000
"""Maximum length of a spec string, in characters (checked before parsing)."""

MAX_DEPTH = 8
"""Maximum nesting of calls and lists; the top-level call is depth 1."""

MAX_LIST_LENGTH = 64
"""Maximum number of elements in one list."""


@dataclass(frozen=True)
class Spec:
    """A parsed distribution spec: a family name with positional and keyword values."""

    name: str
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()


Value = float | tuple["Value", ...] | Spec
"""A spec value: a float, a tuple of values (a written list), or a nested Spec."""

_ALLOWED = "values are numbers, lists of numbers, or nested specs like normal(0, 1)"
_SNIPPET = 40
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _snippet(text: str) -> str:
    """Quote ``text`` for an error message, truncated to about 40 characters."""
    if len(text) > _SNIPPET:
        text = text[: _SNIPPET - 3] + "..."
    return repr(text)


class _Walker:
    """Converts a whitelisted expression tree into :class:`Spec` objects."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> ValueError:
        """A ValueError that quotes the whole spec, then ``message``."""
        return ValueError(f"bad spec {_snippet(self.source)}: {message}")

    def fragment(self, node: ast.AST) -> str:
        """The quoted, truncated source text of ``node``."""
        segment = ast.get_source_segment(self.source, node)
        return _snippet(segment if segment is not None else type(node).__name__)

    def reject(self, node: ast.AST, why: str = "", allowed: str = _ALLOWED) -> ValueError:
        """Error for a disallowed node, quoting it, with an optional reason."""
        why = f" ({why})" if why else ""
        return self.fail(f"{self.fragment(node)} is not allowed here{why}; {allowed}")

    def check_name(self, name: str, node: ast.AST, what: str) -> None:
        """Require a plain ASCII identifier (Python would NFKC-normalize others)."""
        if not _NAME_RE.fullmatch(name) or keyword.iskeyword(name):
            raise self.fail(
                f"{what} {self.fragment(node)} must be ASCII letters, digits and underscores"
            )

    def spec(self, node: ast.expr, depth: int) -> Spec:
        """Convert a Call node (the family name must be a plain name)."""
        if depth > MAX_DEPTH:
            raise self.fail(f"nested too deeply at {self.fragment(node)} (at most {MAX_DEPTH})")
        if not isinstance(node, ast.Call):
            raise self.reject(node, "expected a call")
        if not isinstance(node.func, ast.Name):
            raise self.reject(
                node.func, "the family must be a plain name", "a spec is a call like normal(0, 1)"
            )
        self.check_name(node.func.id, node.func, "family name")
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.reject(arg, "*-unpacking is not allowed")
            args.append(self.value(arg, depth))
        kwargs: list[tuple[str, Value]] = []
        seen: set[str] = set()
        for kw in node.keywords:
            if kw.arg is None:
                raise self.reject(kw, "**-unpacking is not allowed")
            self.check_name(kw.arg, kw, "keyword")
            if kw.arg in seen:
                raise self.fail(f"keyword {kw.arg!r} is given more than once")
            seen.add(kw.arg)
            kwargs.append((kw.arg, self.value(kw.value, depth)))
        return Spec(node.func.id, tuple(args), tuple(kwargs))

    def value(self, node: ast.expr, depth: int) -> Value:
        """Convert a value node appearing inside a container at ``depth``."""
        if isinstance(node, ast.Call):
            return self.spec(node, depth + 1)
        if isinstance(node, (ast.List, ast.Tuple)):
            if depth + 1 > MAX_DEPTH:
                raise self.fail(f"nested too deeply at {self.fragment(node)} (at most {MAX_DEPTH})")
            if len(node.elts) > MAX_LIST_LENGTH:
                raise self.fail(
                    f"list {self.fragment(node)} has {len(node.elts)} elements"
                    f" (at most {MAX_LIST_LENGTH})"
                )
            return tuple(self.element(elt, depth + 1) for elt in node.elts)
        return self.number(node)

    def element(self, node: ast.expr, depth: int) -> Value:
        """Convert one list element (``*x`` is rejected)."""
        if isinstance(node, ast.Starred):
            raise self.reject(node, "*-unpacking is not allowed")
        return self.value(node, depth)

    def number(self, node: ast.expr) -> float:
        """Convert a (possibly signed) int/float literal to a finite float."""
        negate = False
        operand = node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            negate = isinstance(node.op, ast.USub)
            operand = node.operand
        if not isinstance(operand, ast.Constant):
            raise self.reject(node, _why_not(operand))
        raw = operand.value
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise self.reject(node, _why_not(operand))
        try:
            number = float(raw)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(f"{self.fragment(node)} is not a finite number")
        return -number if negate else number


def _why_not(node: ast.AST) -> str:
    """A short reason why ``node`` is not an acceptable value."""
    if isinstance(node, ast.Name):
        if node.id.lower() in ("nan", "inf", "infinity"):
            return "only finite numbers are allowed"
        return "names are not values"
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return "booleans are not numbers here; write 0 or 1"
        if isinstance(node.value, complex):
            return "complex numbers are not allowed"
        if isinstance(node.value, (str, bytes)):
            return "strings are not allowed"
        return ""
    if isinstance(node, ast.Attribute):
        return "attribute access is not allowed"
    if isinstance(node, ast.Subscript):
        return "indexing is not allowed"
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare)):
        return "arithmetic is not allowed; write the number itself"
    return ""


def parse_spec(text: str) -> Spec:
    """Parse a spec string such as ``"normal(0, 1)"`` into a :class:`Spec`.

    Surrounding whitespace is ignored. Raises :class:`ValueError` (naming the
    offending fragment) for anything outside the grammar or the limits
    :data:`MAX_SPEC_LENGTH`, :data:`MAX_DEPTH` and :data:`MAX_LIST_LENGTH`.
    """
    if not isinstance(text, str):
        raise ValueError(f"bad spec {text!r:.40}: expected a string like normal(0, 1)")
    if len(text) > MAX_SPEC_LENGTH:
        raise ValueError(
            f"bad spec {_snippet(text)}: too long ({len(text)} characters,"
            f" at most {MAX_SPEC_LENGTH})"
        )
    source = text.strip()
    if not source:
        raise ValueError("bad spec '': empty; write a spec like normal(0, 1)")
    if not source.isascii():
        position, char = next((i, c) for i, c in enumerate(source) if not c.isascii())
        raise ValueError(
            f"bad spec {_snippet(source)}: character {char!r} at position {position}"
            " is not allowed; specs are plain ASCII"
        )
    try:
        with warnings.catch_warnings():
            # The tokenizer warns on stderr about odd literals ("1if 2", "\\d"): one line
            # per bad input in a server's log. The ValueError below reports them. "ignore",
            # not "error": the filters are process-wide, and another thread's warning
            # must not become an exception.
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = ""
        if exc.lineno == 1 and exc.offset:
            where = f" near {_snippet(source[exc.offset - 1 :])}"
        raise ValueError(
            f"bad spec {_snippet(source)}: not valid spec syntax ({exc.msg}){where};"
            " write a spec like normal(0, 1)"
        ) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ValueError(
            f"bad spec {_snippet(source)}: too complex to parse; write a spec like normal(0, 1)"
        ) from None
    walker = _Walker(source)
    if not isinstance(tree.body, ast.Call):
        raise walker.fail(
            f"a spec must be a call like normal(0, 1), not {walker.fragment(tree.body)}"
        )
    return walker.spec(tree.body, 1)


def format_number(x: float) -> str:
    """Shortest text that parses back to ``x``: ``2.0 -> "2"``, ``0.1 -> "0.1"``."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"cannot format {x!r:.40}: not a number")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot format {x!r}: not a finite number")
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def _format_value(value: Value) -> str:
    if isinstance(value, Spec):
        return format_spec(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_format_value(item) for item in value) + "]"
    return format_number(value)


def _check_name(name: object, what: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or keyword.iskeyword(name):
        raise ValueError(f"cannot format spec: {what} {name!r:.40} is not a plain ASCII name")


def format_spec(spec: Spec) -> str:
    """Canonical text for ``spec``: ``name(pos, ..., key=value, ...)``.

    ``parse_spec(format_spec(s)) == s`` for every spec whose text fits the
    parser's limits. Raises :class:`ValueError` for malformed specs (bad names,
    non-finite numbers, values of the wrong type).
    """
    if not isinstance(spec, Spec):
        raise ValueError(f"cannot format {spec!r:.40}: not a Spec")
    _check_name(spec.name, "family name")
    parts = [_format_value(arg) for arg in spec.args]
    seen: set[str] = set()
    for key, value in spec.kwargs:
        _check_name(key, "keyword")
        if key in seen:
            raise ValueError(f"cannot format spec: keyword {key!r} is given more than once")
        seen.add(key)
        parts.append(f"{key}={_format_value(value)}")
    return f"{spec.name}({', '.join(parts)})"
