"""The Study page's state: one dataclass, one field table, one URL.

Query parameters: ``preset`` (a named view for talks, STUDY_PRESETS: it sets the
filters that the URL does not give), ``source`` (``shipped``: the study that ships
with the repository; ``session``: a file uploaded or a study run in this session),
and the filters ``losses``, ``targets`` (comma-separated names, targets also as spec
strings; empty: all), ``lr`` (comma-separated learning rates, ``default`` for the
losses' own; empty: all), ``score`` (what the best-of-k curves rank settings by:
``success`` or ``w1``) and ``criterion`` (what the heatmaps count: ``success`` or
``coverage``). Names are checked against the registries here, then against
the results shown (`StudyState.restricted`): a name the results do not have is
reported and dropped, never a traceback. Nothing here imports Streamlit; the library
(and torch) only when a URL's names are checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from .fields import (
    Field,
    _short,
    number_text,
    parse_choice,
    state_from_query_params,
    state_to_query_params,
)

SOURCES = ("shipped", "session")
SCORES = ("success", "w1")
CRITERIA = ("success", "coverage")     # ganloss_viz.study.summary.CRITERIA
DEFAULT_LR = "default"


def _names(text: str, state=None) -> tuple[str, ...]:
    """Comma-separated names (at parenthesis depth 0, so spec strings keep their commas)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return tuple(dict.fromkeys(p for p in parts if p))


def _bad(values: list[str], what: str, known) -> ValueError:
    shown = ", ".join(_short(v, 40) for v in values[:5]) + (", …" if len(values) > 5 else "")
    return ValueError(f"unknown {what} {shown}; known: {', '.join(known)}")


def _losses(text: str, state=None) -> tuple[str, ...]:
    """Loss names of the registry (a study's results hold no other)."""
    from .train import losses

    names = _names(text)
    bad = [n for n in names if n not in losses()]
    if bad:
        raise _bad(bad, "loss", losses())
    return names


def _targets(text: str, state=None) -> tuple[str, ...]:
    """Target names of the registry, or 1-D / 2-D spec strings (a study may use either)."""
    from ganloss_viz.targets import get_target

    from .train import targets

    names = _names(text)
    bad = []
    for name in names:
        if name not in targets():
            try:
                get_target(name)
            except ValueError:
                bad.append(name)
    if bad:
        raise _bad(bad, "target", [*targets(), "or a spec string"])
    return names


def _lrs(text: str, state=None) -> tuple[float | None, ...]:
    out: list[float | None] = []
    for part in _names(text):
        if part == DEFAULT_LR:
            out.append(None)
            continue
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"{_short(part, 40)!r} is not a learning rate (a number or "
                             f"'{DEFAULT_LR}')") from None
        if not value > 0 or value == float("inf"):
            raise ValueError(f"learning rates must be > 0, got {_short(part, 40)!r}")
        out.append(value)
    return tuple(dict.fromkeys(out))


def lr_text(lr: float | None) -> str:
    return DEFAULT_LR if lr is None else number_text(lr)


@dataclass(frozen=True)
class StudyPreset:
    """A named view of the shipped study: a title and the filters it sets."""

    name: str
    title: str
    losses: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    lr: tuple[float | None, ...] = ()
    score: str = "success"
    criterion: str = "success"


STUDY_PRESETS: dict[str, StudyPreset] = {p.name: p for p in (
    StudyPreset("study-1d", "Studies: the 1-D targets", targets=("bimodal", "trimodal")),
    StudyPreset("study-2d", "Studies: 8 and 25 Gaussians", targets=("ring8", "grid25"),
                score="w1", criterion="coverage"),
    StudyPreset("study-penalties", "Studies: penalties and critics",
                losses=("ns", "ns_r1", "wgan", "wgan_gp", "wgan_lp", "hinge")),
)}
FILTERS = ("losses", "targets", "lr", "score", "criterion")


@dataclass(frozen=True)
class StudyState:
    """preset: the named view it came from ("" if none); source: "shipped" or "session";
    losses, targets, lr: the filters (empty: all); score: "success" or "w1" (the
    best-of-k curves); criterion: what the heatmaps count, "success" (all modes, HQ >=
    0.5) or "coverage" (all modes)."""

    preset: str = ""
    source: str = "shipped"
    losses: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    lr: tuple[float | None, ...] = ()
    score: str = "success"
    criterion: str = "success"

    def to_query_params(self) -> dict[str, str]:
        return state_to_query_params(self, STUDY_FIELDS)

    @classmethod
    def from_query_params(cls, params) -> tuple[StudyState, list[str]]:
        """The state of a URL: a preset's filters where the URL gives none of its own."""
        state, errors = state_from_query_params(cls, STUDY_FIELDS, params)
        if state.preset:
            preset = STUDY_PRESETS[state.preset]
            state = replace(state, **{f: getattr(preset, f) for f in FILTERS
                                      if f not in params})
        return state, errors

    def without_stale_preset(self) -> StudyState:
        """The state, its preset name dropped once the filters differ from the preset's."""
        if self.preset and any(getattr(self, f) != getattr(STUDY_PRESETS[self.preset], f)
                               for f in FILTERS):
            return replace(self, preset="")
        return self

    def restricted(self, losses: Iterable[str], targets: Iterable[str],
                   lrs: Iterable[float | None]) -> tuple[StudyState, list[str]]:
        """The state with only the filter values the results have, and a sentence for
        each value dropped."""
        errors = []
        kept = {}
        for name, have, show in (("losses", set(losses), str), ("targets", set(targets), str),
                                 ("lr", set(lrs), lr_text)):
            values = getattr(self, name)
            bad = [v for v in values if v not in have]
            if bad:
                shown = ", ".join(_short(show(v), 40) for v in bad[:5])
                errors.append(f"these {name} are not in the results and were left out of the "
                              f"filter: {shown}{', …' if len(bad) > 5 else ''}")
            kept[name] = tuple(v for v in values if v in have)
        return replace(self, **kept), errors


STUDY_FIELDS: tuple[Field, ...] = (
    Field("preset", lambda t, s: parse_choice(t, STUDY_PRESETS, "preset"),
          relevant=lambda s: bool(s.preset)),
    Field("source", lambda t, s: parse_choice(t, SOURCES, "source")),
    Field("losses", _losses, show=",".join, relevant=lambda s: bool(s.losses)),
    Field("targets", _targets, show=",".join, relevant=lambda s: bool(s.targets)),
    Field("lr", _lrs, show=lambda v: ",".join(lr_text(x) for x in v),
          relevant=lambda s: bool(s.lr)),
    Field("score", lambda t, s: parse_choice(t, SCORES, "score")),
    Field("criterion", lambda t, s: parse_choice(t, CRITERIA, "criterion")),
)

__all__ = ["CRITERIA", "DEFAULT_LR", "FILTERS", "SCORES", "SOURCES", "STUDY_FIELDS",
           "STUDY_PRESETS", "StudyPreset", "StudyState", "lr_text"]
