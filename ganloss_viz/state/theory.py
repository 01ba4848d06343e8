"""The theory page's state: the pair P, Q behind its live numbers, and its presets.

Query parameters: ``p`` and ``q`` (spec strings, the explorer's names) and
``preset=<name>`` (a pair for talks; explicit keys override it). The preset is written
back only while P and Q are still the preset's. Spec strings are validated lazily
with the library, so importing this module imports neither torch nor Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from .explorer import parse_spec_text
from .fields import (
    Field,
    QueryParams,
    parse_choice,
    state_from_query_params,
    state_to_query_params,
)

DEFAULT_P = "normal(0, 1)"
DEFAULT_Q = "normal(1, 2)"   # unequal scales: KL differs both ways


@dataclass(frozen=True)
class TheoryPreset:
    """A named pair for talks: P, Q, a title for the sidebar, a one-line caption, and the
    anchor of the section it illustrates (the page opens there)."""

    name: str
    title: str
    p: str
    q: str
    caption: str
    section: str


THEORY_PRESETS: dict[str, TheoryPreset] = {pr.name: pr for pr in (
    TheoryPreset("overlapping-normals", "Overlapping normals",
                 "normal(0, 1)", "normal(1, 1)",
                 "Two unit normals one apart: every divergence is finite, and every loss's "
                 "discriminator at its optimum lands on the divergence it names.", "tables"),
    TheoryPreset("disjoint-supports", "Disjoint supports",
                 "uniform(0, 1)", "uniform(2, 3)",
                 "No overlap: KL is ∞, JS is stuck at ln 2 and TV at 1 with zero gradients, "
                 "the optimal discriminator is perfect, and W1 alone sees the gap.", "disjoint"),
    TheoryPreset("different-widths", "KL is asymmetric",
                 "normal(0, 1)", "normal(0, 3)",
                 "A narrow P and a wide Q: KL(P‖Q) and KL(Q‖P) differ more than fourfold, "
                 "while JS, Hellinger and TV are the same both ways.", "kl"),
    TheoryPreset("point-masses", "Two point masses",
                 "dirac(0)", "dirac(3)",
                 "Two atoms: JS = ln 2 exactly with a zero gradient, however close they are, "
                 "while the Wasserstein critic still has slope 1.", "disjoint"),
)}


@dataclass(frozen=True)
class TheoryState:
    """preset: the preset it came from ("" if none); p, q: canonical spec strings."""

    preset: str = ""
    p: str = DEFAULT_P
    q: str = DEFAULT_Q

    def to_query_params(self) -> dict[str, str]:
        return state_to_query_params(self, THEORY_FIELDS)

    @classmethod
    def from_query_params(cls, params: QueryParams) -> tuple[TheoryState, list[str]]:
        state, errors = state_from_query_params(cls, THEORY_FIELDS, params)
        return state.without_stale_preset(), errors

    @classmethod
    def from_preset(cls, name: str) -> TheoryState:
        pr = THEORY_PRESETS[parse_preset(name)]
        return cls(preset=pr.name, p=parse_spec_text(pr.p), q=parse_spec_text(pr.q))

    def matches_preset(self) -> bool:
        if self.preset not in THEORY_PRESETS:
            return False
        pre = TheoryState.from_preset(self.preset)
        return (self.p, self.q) == (pre.p, pre.q)

    def without_stale_preset(self) -> TheoryState:
        return self if self.matches_preset() else replace(self, preset="")


def parse_preset(text: str, state: Any = None) -> str:
    return parse_choice(text, THEORY_PRESETS, "preset")


def _from_preset(attr: str):
    """Default of p or q: the preset's while a preset was read, else the page's default."""
    def default(state: TheoryState) -> str:
        if state.preset in THEORY_PRESETS:
            return getattr(TheoryState.from_preset(state.preset), attr)
        return getattr(TheoryState(), attr)
    return default


THEORY_FIELDS: tuple[Field, ...] = (
    Field("preset", parse_preset, default=lambda s: "",
          relevant=lambda s: s.matches_preset()),
    Field("p", parse_spec_text, default=_from_preset("p")),
    Field("q", parse_spec_text, default=_from_preset("q")),
)

assert {f.name for f in THEORY_FIELDS} == {f.name for f in fields(TheoryState)}

__all__ = ["DEFAULT_P", "DEFAULT_Q", "THEORY_FIELDS", "THEORY_PRESETS", "TheoryPreset",
           "TheoryState"]
