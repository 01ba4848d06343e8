"""The theory page's content as data: its two tables, read from the registries, and
its worked examples, computed by the library.

Nothing here is typed twice: the f-divergence table is the divergence registry's
LaTeX of f, f*, the f-GAN output activation and the optimal critic T* = f'(p/q), and
the loss table is the loss registry's `minimises`, `divergence` and `identity`. The
tables come out as Markdown with ``$...$`` math (what `st.markdown` renders with
KaTeX). Pure: no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from .distributions import dist
from .divergences import DIVERGENCES, Divergence, divergence
from .divergences.registry import GROUP_F
from .format import fmt, markdown_table
from .losses import LOSSES, Loss

LN2 = math.log(2.0)
LN4 = math.log(4.0)


# --- Markdown tables -----------------------------------------------------------------


def math_cell(latex: str) -> str:
    r"""Inline math for a Markdown table cell (``|`` would end the cell: ``\vert``)."""
    return "$" + latex.replace("|", r"\vert ") + "$" if latex else "—"


def text_cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"


def nowrap(text: str) -> str:
    """A short cell kept on one line (no-break spaces): ``[0, ln 2]``."""
    return text_cell(text).replace(" ", "\u00a0")


# --- the f-divergence table ------------------------------------------------------------


@dataclass(frozen=True)
class FdivRow:
    """One registered f-divergence: its name, label, LaTeX of f, f*, the activation
    and the optimal critic (u = p/q), and its range."""

    name: str
    label: str
    f: str
    f_conj: str
    activation: str
    critic: str
    range_text: str


def fdiv_rows(registry: Mapping[str, Divergence] = DIVERGENCES) -> list[FdivRow]:
    """A row for every f-divergence of `registry`, in registry order.

    ValueError when one lacks the LaTeX of its generator (the table would have a hole).
    """
    rows = []
    for d in registry.values():
        if d.group != GROUP_F:
            continue
        cells = (d.f_latex, d.f_conj_latex, d.activation_latex, d.optimal_critic_latex)
        if not all(cells):
            raise ValueError(f"f-divergence '{d.name}' lacks the LaTeX of f, f*, its "
                             "activation or its optimal critic (f_latex, ...)")
        rows.append(FdivRow(d.name, d.label, *cells, d.range_text))
    return rows


FDIV_HEADER = ("divergence", "$f(u)$", "$f^*(t)$", "activation $g_f(v)$",
               "optimal critic $T^*(u) = f'(u)$", "range", "$D_f(P\\|Q)$ here")


def fdiv_table(rows: Sequence[FdivRow], values: Mapping[str, str]) -> str:
    """The f-divergence table; `values[name]` is the live D_f(P‖Q), already formatted."""
    body = [[f"**{text_cell(r.label)}** `{r.name}`", math_cell(r.f), math_cell(r.f_conj),
             math_cell(r.activation), math_cell(r.critic), nowrap(r.range_text),
             values.get(r.name, "—")] for r in rows]
    return markdown_table(FDIV_HEADER, body, right=(6,))


# --- the loss table ----------------------------------------------------------------------


@dataclass(frozen=True)
class LossRow:
    """One registered loss: what its generator minimises at the optimal discriminator,
    the registry divergence its optimal D loss measures (or None), and that identity."""

    name: str
    label: str
    minimises: str
    divergence: str | None
    identity: str


def loss_rows(registry: Mapping[str, Loss] = LOSSES) -> list[LossRow]:
    """A row for every loss of `registry`, in registry order."""
    return [LossRow(x.name, x.label, x.minimises, x.divergence, x.identity)
            for x in registry.values()]


@dataclass(frozen=True)
class LiveCheck:
    """A loss's identity checked for one pair: the D loss at the optimal D (integrated),
    the identity's prediction from the divergence, or why there is no check."""

    at_optimum: float | None = None
    predicted: float | None = None
    message: str = ""

    @property
    def difference(self) -> float | None:
        if self.at_optimum is None or self.predicted is None:
            return None
        if self.at_optimum == self.predicted:        # equal infinities included
            return 0.0
        return self.at_optimum - self.predicted


LOSS_HEADER = ("loss", "G minimises", "divergence", "identity at the optimal D",
               "D loss at D*", "identity predicts", "difference")


def loss_table(rows: Sequence[LossRow], checks: Mapping[str, LiveCheck]) -> str:
    """The loss table with each row's live check (`checks[name]`) for the page's pair."""
    body = []
    for r in rows:
        c = checks.get(r.name, LiveCheck(message="not computed"))
        if c.difference is None:
            live = [text_cell(c.message) or "—", "—", "—"]
        else:
            live = [fmt(c.at_optimum), fmt(c.predicted), fmt(c.difference, sig=2)]
        body.append([f"`{r.name}`", text_cell(r.minimises), f"`{r.divergence}`"
                     if r.divergence else "—", text_cell(r.identity), *live])
    return markdown_table(LOSS_HEADER, body, right=(4, 5, 6))


# --- cross-entropy = entropy + KL: the BCE worked example -----------------------------


def bernoulli(prob_one: float) -> str:
    """The spec of Bernoulli(prob_one) as atoms at 0 and 1 (a Dirac at an end)."""
    if not 0.0 <= prob_one <= 1.0:
        raise ValueError(f"a probability must lie in [0, 1], got {prob_one!r}")
    if prob_one in (0.0, 1.0):
        return f"dirac({int(prob_one)})"
    return (f"mixture(components=[dirac(0), dirac(1)], "
            f"weights=[{1.0 - prob_one!r}, {prob_one!r}])")


def binary_entropy(y: float) -> float:
    """H(Bernoulli(y)) = −y ln y − (1 − y) ln(1 − y) in nats (0 at y = 0 and y = 1)."""
    return sum((-a * math.log(a) for a in (y, 1.0 - y) if 0.0 < a < 1.0), 0.0)


@dataclass(frozen=True)
class BceExample:
    """BCE(y, D) = H(y) + KL(Bernoulli(y) ‖ Bernoulli(D)) for one label y and output D."""

    target: float
    d: float
    bce: float        # from the minimax loss's per-sample terms at the raw output logit(D)
    entropy: float    # H(Bernoulli(y)), closed form
    kl: float         # the divergence engine's KL(Bernoulli(y) ‖ Bernoulli(D))

    @property
    def gap(self) -> float:
        """BCE − (H + KL): zero up to rounding."""
        return self.bce - (self.entropy + self.kl)


def bce_example(target: float, d: float) -> BceExample:
    """The binary cross-entropy of D against label y, split into entropy and KL.

    BCE(y, D) = −y ln D − (1 − y) ln(1 − D) is the minimax discriminator's per-sample
    loss: y·softplus(−v) + (1 − y)·softplus(v) at v = logit(D).
    """
    if not 0.0 < d < 1.0:
        raise ValueError(f"D must lie strictly between 0 and 1, got {d!r}")
    loss = LOSSES["minimax"]
    v = torch.tensor(math.log(d) - math.log1p(-d), dtype=torch.float64)
    bce = target * float(loss.d_real(v)) + (1.0 - target) * float(loss.d_fake(v))
    kl = divergence("kl", bernoulli(target), bernoulli(d)).value
    return BceExample(target, d, bce, binary_entropy(target), kl)


# --- disjoint supports: JS flat at ln 2 ----------------------------------------------------


@dataclass(frozen=True)
class ShiftCheck:
    """A divergence of P and Q, and its derivative as Q slides right (d/dθ of D(P, Q + θ))."""

    p: str
    q: str
    div: str
    value: float
    slope: float


SHIFT_PARAMS = ("q.loc", "q.low", "q.high")   # a slide moves every one of these


def shift_check(div: str, p: str, q: str) -> ShiftCheck:
    """`div` for P and Q and its slope under a slide of Q (the sum of its location-like
    gradients: q.loc, or q.low + q.high); ValueError for a Q without one."""
    moved = [k for k in (f"q.{name}" for name in dist(q).flat_params()) if k in SHIFT_PARAMS]
    if not moved:
        raise ValueError(f"Q = {q} has no location to slide (needs one of "
                         f"{', '.join(SHIFT_PARAMS)})")
    r = divergence(div, p, q)
    return ShiftCheck(p, q, div, r.value, sum(r.grad[k] for k in moved))


__all__ = ["LN2", "LN4", "BceExample", "FdivRow", "LiveCheck", "LossRow", "ShiftCheck",
           "bce_example", "bernoulli", "binary_entropy", "fdiv_rows", "fdiv_table",
           "loss_rows", "loss_table", "math_cell", "shift_check"]
