"""Page state <-> URL query parameters, and the named presets used in talks.

Each page keeps its whole state in one frozen dataclass, and one table of `Field`s
drives both directions (as TensorFlow Playground's ``state.ts`` does):

* `to_query_params(state)` writes every relevant field, in table order;
* `from_query_params(params)` reads them back: a missing key takes its default, a bad
  value is replaced by its default and reported as a human-readable sentence, so the
  page can show ``st.error(...)`` beside a working view instead of a traceback.

`preset=<name>` is read first and supplies the base values; explicit keys override it
(``?preset=dirac&q=dirac(1)``). The written URL keeps ``preset`` only while the state
still equals that preset's state.

This module imports neither Streamlit nor torch at import time (the entry script reads
the presets for its sidebar); spec strings and divergence names are validated lazily
with the library.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

QueryParams = Mapping[str, "str | list[str]"]


# --- presets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A named explorer state for talks: P, Q, the divergence and a one-line caption."""

    name: str
    title: str
    p: str
    q: str
    div: str
    caption: str
    params: tuple[tuple[str, float], ...] = ()


PRESETS: dict[str, Preset] = {pr.name: pr for pr in (
    Preset("js-vanishing", "JS saturates: vanishing gradient",
           "normal(0, 1)", "normal(6, 1)", "js",
           "JS saturates at ln 2 ≈ 0.693147 once P and Q barely overlap, and its gradient "
           "in q.loc all but vanishes: the original GAN's generator stops learning. "
           "Compare W1 in the table below."),
    Preset("parallel-lines", "Parallel lines (WGAN paper)",
           "product(dirac(0), uniform(0, 1))",
           "product(dirac(1), uniform(0, 1))", "w1",
           "Two parallel segments, the WGAN paper's example: W1 equals their distance and "
           "has a useful gradient, while JS is stuck at ln 2 and KL is infinite."),
    Preset("disjoint-kl", "Disjoint supports: KL = ∞",
           "uniform(0, 1)", "uniform(2, 3)", "kl",
           "KL is infinite, JS is ln 2 and TV is 1 whatever the gap between the supports; "
           "only the transport distances see how far apart they are."),
    Preset("dirac", "Two point masses",
           "dirac(0)", "dirac(3)", "js",
           "JS is exactly ln 2 with a zero gradient, however close the two atoms are; "
           "W1 is their distance."),
    Preset("heavy-tails", "Heavy tails: Cauchy vs normal",
           "cauchy(0, 1)", "normal(0, 1)", "kl",
           "KL(Cauchy ‖ Normal) is infinite: the Cauchy puts mass in tails where the "
           "normal's log-density falls like −x²/2. The reverse KL is finite."),
    Preset("correlated-2d", "Correlated 2-D Gaussians",
           "mvnormal(loc=[0, 0], cov=[[1, 0.8], [0.8, 1]])",
           "mvnormal(loc=[0, 0], cov=[[1, -0.8], [-0.8, 1]])", "hellinger",
           "Same marginals, opposite correlations: every 1-D marginal agrees, yet the "
           "joint laws are far apart (squared Hellinger 0.4, KL 3.56)."),
)}


# --- the field table machinery ------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One URL query parameter of a page state.

    name: the query parameter and the dataclass attribute (the CLI's name).
    parse: text -> value given the state parsed so far; raises ValueError(why).
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


def number_text(x: float) -> str:
    """Shortest text that reads back as `x`: ``0.5``, ``2`` (not ``2.0``)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


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
            instead = f"using {f.name}={shown} instead" if shown else "ignoring it"
            errors.append(f"URL parameter {f.name}={_short(raw)!r} was not used ({exc}); "
                          f"{instead}.")
            value = default
        state = replace(state, **{f.name: value})
    return state, errors


# --- parsers ------------------------------------------------------------------------


def parse_spec_text(text: str, state: Any = None) -> str:
    """A spec string, validated and made canonical (``normal(0,1)`` -> ``normal(0, 1)``)."""
    from ganloss_viz.distributions import dist
    return dist(text).to_spec()


def divergence_registry() -> Mapping[str, Any]:
    """The divergence registry (`ganloss_viz.DIVERGENCES`), imported on first use."""
    import ganloss_viz as gv
    return gv.DIVERGENCES


def divergence_params(div: str) -> dict[str, float]:
    """The parameters (name -> default) of divergence `div`; {} if unknown."""
    d = divergence_registry().get(div)
    return dict(d.params) if d is not None else {}


def parse_div(text: str, state: Any = None) -> str:
    name = text.strip()
    known = divergence_registry()
    if name not in known:
        raise ValueError(f"unknown divergence; known: {', '.join(known)}")
    return name


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


def parse_alpha(text: str, state: Any = None) -> float:
    return parse_float(text)


def parse_preset(text: str, state: Any = None) -> str:
    name = text.strip()
    if name not in PRESETS:
        raise ValueError(f"unknown preset; known: {', '.join(PRESETS)}")
    return name


# --- the explorer -------------------------------------------------------------------

DEFAULT_P = "normal(0, 1)"
DEFAULT_Q = "normal(1, 2)"
DEFAULT_DIV = "js"


@dataclass(frozen=True)
class ExplorerState:
    """Everything the divergence explorer shows: P, Q, the divergence, its parameters."""

    p: str = DEFAULT_P
    q: str = DEFAULT_Q
    div: str = DEFAULT_DIV
    alpha: float = 0.5
    bandwidth: float = 1.0
    preset: str = ""

    # The divergence's own parameters, passed as keywords to the engine.
    def div_kwargs(self) -> dict[str, float]:
        """{'alpha': ...} / {'bandwidth': ...} for the divergences that take them."""
        return {k: float(getattr(self, k)) for k in divergence_params(self.div)
                if k in ("alpha", "bandwidth")}

    def all_params(self) -> dict[str, float]:
        """Every divergence parameter of the state, used or not by `div`."""
        return {"alpha": float(self.alpha), "bandwidth": float(self.bandwidth)}

    def to_query_params(self) -> dict[str, str]:
        return state_to_query_params(self, EXPLORER_FIELDS)

    @classmethod
    def from_query_params(cls, params: QueryParams) -> tuple[ExplorerState, list[str]]:
        return state_from_query_params(cls, EXPLORER_FIELDS, params)

    @classmethod
    def from_preset(cls, name: str) -> ExplorerState:
        """The state of preset `name` (ValueError if unknown)."""
        pr = PRESETS[parse_preset(name)]
        base = cls(p=pr.p, q=pr.q, div=pr.div, preset=pr.name)
        return replace(base, **{**_div_defaults(base), **dict(pr.params)})

    def matches_preset(self) -> bool:
        """True while the state still equals the state of its `preset`."""
        if not self.preset or self.preset not in PRESETS:
            return False
        return replace(self, preset="") == replace(ExplorerState.from_preset(self.preset),
                                                     preset="")

    def without_stale_preset(self) -> ExplorerState:
        """Drop `preset` once the state no longer equals it."""
        return self if self.matches_preset() else replace(self, preset="")


def _div_defaults(state: ExplorerState) -> dict[str, float]:
    params = divergence_params(state.div)
    return {k: float(v) for k, v in params.items() if k in ("alpha", "bandwidth")}


def _from_preset(attr: str) -> Callable[[ExplorerState], Any]:
    """Default of `attr`: the preset's value when a preset was read, else the class's."""
    def default(state: ExplorerState) -> Any:
        if state.preset:
            return getattr(ExplorerState.from_preset(state.preset), attr)
        return getattr(ExplorerState(), attr)
    return default


def _param_default(attr: str) -> Callable[[ExplorerState], float]:
    """Default of a divergence parameter: the preset's, else the registry's."""
    def default(state: ExplorerState) -> float:
        if state.preset:
            pre = ExplorerState.from_preset(state.preset)
            if pre.div == state.div:
                return getattr(pre, attr)
        return float(divergence_params(state.div).get(attr, getattr(ExplorerState(), attr)))
    return default


def _uses(attr: str) -> Callable[[ExplorerState], bool]:
    return lambda state: attr in divergence_params(state.div)


def _unused(attr: str) -> Callable[[ExplorerState], bool]:
    return lambda state: attr not in divergence_params(state.div)


EXPLORER_FIELDS: tuple[Field, ...] = (
    Field("preset", parse_preset, default=lambda s: "",
          relevant=lambda s: s.matches_preset()),
    Field("p", parse_spec_text, default=_from_preset("p")),
    Field("q", parse_spec_text, default=_from_preset("q")),
    Field("div", parse_div, default=_from_preset("div")),
    Field("alpha", parse_alpha, number_text, _param_default("alpha"), _uses("alpha"),
          _unused("alpha")),
    Field("bandwidth", parse_positive, number_text, _param_default("bandwidth"),
          _uses("bandwidth"), _unused("bandwidth")),
)

