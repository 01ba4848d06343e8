"""The field-table machinery shared by every page state, and the value parsers.

Each page keeps its whole state in one frozen dataclass, and one table of `Field`s
drives both directions (as TensorFlow Playground's ``state.ts`` does):

* `state_to_query_params(state, table)` writes every relevant field, in table order;
* `state_from_query_params(cls, table, params)` reads them back: a missing key takes
  its default, a bad value is replaced by its default and reported as a sentence, so
  the page can show ``st.error(...)`` beside a working view instead of a traceback.

Parsers take ``(text, state parsed so far)`` and raise ``ValueError(why)``. Nothing
here imports Streamlit or torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

QueryParams = Mapping[str, "str | list[str]"]


@dataclass(frozen=True)
class Field:
    """One URL query parameter of a page state.

    name: the query parameter and the dataclass attribute (the CLI's name).
    parse: (text, state parsed so far) -> value; raises ValueError(why).
    show: value -> URL text.
    default: the state's default value given the state parsed so far (None: the
        dataclass default).
    relevant: whether the field is written to the URL for a given state.
    ignored: whether a value in the URL is ignored (silently) given the state parsed
        so far, e.g. ``alpha`` when the divergence has no parameter alpha.
    """

    name: str
    parse: Callable[[str, Any], Any]
    show: Callable[[Any], str] = str
    default: Callable[[Any], Any] | None = None
    relevant: Callable[[Any], bool] = lambda state: True
    ignored: Callable[[Any], bool] = lambda state: False


def _last(value: str | list[str]) -> str:
    """st.query_params semantics: a repeated key means its last value."""
    if isinstance(value, (list, tuple)):
        return str(value[-1]) if value else ""
    return str(value)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def state_to_query_params(state: Any, table: tuple[Field, ...]) -> dict[str, str]:
    """The URL query parameters of `state`: every relevant field, in table order."""
    out: dict[str, str] = {}
    for f in table:
        if f.relevant(state):
            out[f.name] = f.show(getattr(state, f.name))
    return out


def state_from_query_params(cls: type, table: tuple[Field, ...],
                            params: QueryParams) -> tuple[Any, list[str]]:
    """(state, errors): parse `params` field by field; bad values fall back to defaults."""
    state = cls()
    errors: list[str] = []
    for f in table:
        default = f.default(state) if f.default is not None else getattr(cls(), f.name)
        if f.name not in params or f.ignored(state):
            state = replace(state, **{f.name: default})
            continue
        raw = _last(params[f.name])
        try:
            value = f.parse(raw, state)
        except ValueError as exc:
            shown = f.show(default)
            instead = (f"using {f.name}={shown} instead" if shown
                       else "using the automatic default instead" if default is None
                       else "ignoring it")
            errors.append(f"URL parameter {f.name}={_short(raw)!r} was not used ({exc}); "
                          f"{instead}.")
            value = default
        state = replace(state, **{f.name: value})
    return state, errors


# --- text <-> values ------------------------------------------------------------------


def number_text(x: float) -> str:
    """Shortest text that reads back as `x`: ``0.5``, ``2`` (not ``2.0``)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def parse_float(text: str) -> float:
    try:
        x = float(text.strip())
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(x):
        raise ValueError("not a finite number")
    return x


def parse_positive(text: str, state: Any = None) -> float:
    x = parse_float(text)
    if not x > 0:
        raise ValueError("must be > 0")
    return x


def int_parser(low: int, high: int) -> Callable[[str, Any], int]:
    """A parser of whole numbers in [low, high] (the cap is named in the error)."""
    def parse(text: str, state: Any = None) -> int:
        try:
            x = int(text.strip())
        except ValueError:
            raise ValueError("not a whole number") from None
        if not low <= x <= high:
            raise ValueError(f"must be between {low} and {high}")
        return x
    return parse


def parse_interval(text: str) -> tuple[float, float]:
    """``"-10,10"`` -> (-10.0, 10.0): two finite numbers, the first below the second."""
    parts = [t for t in text.replace(";", ",").split(",")]
    if len(parts) != 2:
        raise ValueError("not two numbers 'from,to'")
    lo, hi = (parse_float(t) for t in parts)
    if not lo < hi:
        raise ValueError("the first number must be below the second")
    return lo, hi


def interval_text(pair: tuple[float, float] | None) -> str:
    return "" if pair is None else f"{number_text(pair[0])},{number_text(pair[1])}"


def parse_names(text: str, known: Iterable[str], what: str) -> tuple[str, ...]:
    """``"w1,kl"`` -> ('w1', 'kl'): comma-separated names from `known`, no repeats."""
    known = list(known)
    names = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    bad = [n for n in names if n not in known]
    if bad:
        shown = ", ".join(_short(n, 40) for n in bad[:5]) + (", …" if len(bad) > 5 else "")
        raise ValueError(f"unknown {what} {shown}; known: {', '.join(known)}")
    return names


def parse_choice(text: str, known: Iterable[str], what: str) -> str:
    """`text` stripped when it is one of `known`; else ValueError listing them."""
    name, known = text.strip(), list(known)
    if name not in known:
        raise ValueError(f"unknown {what}; known: {', '.join(known)}")
    return name


def at_most(high: float) -> Callable[[str, Any], float]:
    """A parser of numbers in (0, high] (the bound is named in the error)."""
    def parse(text: str, state: Any = None) -> float:
        x = parse_positive(text)
        if x > high:
            raise ValueError(f"must be at most {number_text(high)}")
        return x
    return parse


def widget_values(state: Any, table: tuple[Field, ...]) -> dict[str, Any]:
    """Each field's value as its widget holds it (tuples as lists), in table order."""
    values = {f.name: getattr(state, f.name) for f in table}
    return {n: list(v) if isinstance(v, tuple) else v for n, v in values.items()}


# --- defaults and relevance shared by the page tables ------------------------------------


def preset_or(attr: str, fallback: Callable[[Any], Any], *needs: str) -> Callable[[Any], Any]:
    """Default of `attr`: the preset's value while a preset was read (and the fields in
    `needs` still equal the preset's), else fallback(state). The state's class holds
    its `PRESETS` and builds one with `from_preset(name)`."""
    def default(state: Any) -> Any:
        cls = type(state)
        if state.preset in cls.PRESETS:
            pre = cls.from_preset(state.preset)
            if all(getattr(state, n) == getattr(pre, n) for n in needs):
                return getattr(pre, attr)
        return fallback(state)
    return default


def static(attr: str) -> Callable[[Any], Any]:
    """The dataclass default of `attr` (whatever the state parsed so far)."""
    return lambda state: getattr(type(state)(), attr)


def differs(attr: str) -> Callable[[Any], bool]:
    """Written to the URL when the resolved value differs from the state's `baseline()`
    (what a link with only the page's main choices would give)."""
    return lambda state: getattr(state.resolved(), attr) != getattr(state.baseline(), attr)


PRESET_FIELD = Field("preset", lambda text, state: parse_choice(text, type(state).PRESETS,
                                                                 "preset"),
                     default=lambda s: "", relevant=lambda s: s.matches_preset())


class PresetState:
    """URL round trip and preset bookkeeping of a frozen page state whose presets set
    every field (the Train, Compare and Dirac pages). A subclass defines `resolved()`;
    its module sets the class attributes `FIELDS` (the field table) and `PRESETS` (by
    name) once both exist. A preset names the state fields it sets first in `MAIN`
    (the loss and target, say), then any others in `settings`."""

    FIELDS: tuple[Field, ...] = ()
    PRESETS: dict = {}

    @classmethod
    def from_preset(cls, name: str) -> Any:
        """The state of preset `name`, resolved (ValueError naming the presets if unknown)."""
        pr = cls.PRESETS[parse_choice(name, cls.PRESETS, "preset")]
        main = {f: getattr(pr, f) for f in pr.MAIN}
        return replace(cls(preset=pr.name, **main), **dict(pr.settings)).resolved()

    def to_query_params(self) -> dict[str, str]:
        return state_to_query_params(self, self.FIELDS)

    @classmethod
    def from_query_params(cls, params: QueryParams) -> tuple[Any, list[str]]:
        state, errors = state_from_query_params(cls, cls.FIELDS, params)
        return state.resolved(), errors

    def matches_preset(self) -> bool:
        """Whether the state (resolved) is exactly its preset's."""
        if self.preset not in self.PRESETS:
            return False
        return replace(self.resolved(), preset="") == \
            replace(type(self).from_preset(self.preset), preset="")

    def without_stale_preset(self) -> Any:
        return self if self.matches_preset() else replace(self, preset="")
