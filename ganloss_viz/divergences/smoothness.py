"""Where a divergence is not differentiable: support ends and atoms that P and Q share.

At a point where an end of one measure's support (or an atom) sits exactly on an end
or atom of the other, moving it one way creates a region where only one measure has
mass and moving it the other way a region where only the other has: the two one-sided
derivatives differ (one is often infinite). Autograd would return one number for
both; the engine reports such parameters as one-sided instead.
"""

from __future__ import annotations

import numpy as np
import torch

from ..distributions.law1d import Continuous1D
from ..distributions.measure import _cat
from .analytic import have_common_part
from .transport import TAIL_ORDER

ONE_SIDED = "one_sided"
JUMP = "jump"
TAILS = "tails"
KINK = "kink"
ZERO_WEIGHT = "zero_weight"
OVERFLOW = "overflow"
FAILED = "failed"
# notes whose gradient entry is nan (the others, "inf" and "-inf", carry the infinity)
NAN_NOTES = (ONE_SIDED, JUMP, TAILS, KINK, ZERO_WEIGHT, OVERFLOW, FAILED)
NOTES = {
    ONE_SIDED: "one-sided: a support end of P lies on one of Q; moving it one way or the "
               "other gives different derivatives",
    JUMP: "not differentiable: an atom of P lies on one of Q; moving it splits them and "
          "the divergence jumps",
    TAILS: "not differentiable: the value is finite only because the heavy tails of P and "
           "Q cancel exactly; moving this parameter either way makes it +∞",
    KINK: "not differentiable: P = Q, and this distance grows like |change| whichever way "
          "this parameter moves (one-sided derivatives of opposite sign)",
    ZERO_WEIGHT: "one-sided: this weight is 0 and cannot go lower; the derivative from "
                 "above is not computed here (give the weight a small positive value)",
    OVERFLOW: "not computed: the value itself lies beyond the float range",
    FAILED: "not computed: the derivative failed numerically here",
    "inf": "+∞: the divergence rises infinitely steeply",
    "-inf": "−∞: the divergence falls infinitely steeply",
}


def _support_ends(M) -> torch.Tensor:
    """Attached finite support ends of a 1-D measure's continuous components."""
    ends = [e for law in M.comps for e in (law.lo, law.hi) if isinstance(e, torch.Tensor)]
    return _cat(ends)


def _marks_per_axis(M) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(support ends, atoms) of a realised measure along each axis (1-D factors only)."""
    if M.dim == 1:
        return [(_support_ends(M), M.atom_loc)]
    if M.factors is not None:
        return [(_support_ends(f), f.atom_loc) for f in M.factors]
    return []


def _has_marks(M) -> bool:
    """Any support end or atom at all (most pairs: none, and nothing to check)."""
    factors = [M] if M.dim == 1 else list(M.factors or [])
    return any(f.has_atoms or any(isinstance(e, torch.Tensor) for law in f.comps
                                  for e in (law.lo, law.hi)) for f in factors)


def _axes_that_matter(P, Q) -> list[int]:
    """Axes along which moving an end can change a density-based divergence: in a
    product, an axis matters only if the factors along the other axis share mass (two
    parallel lines are singular whatever their ends do)."""
    if P.dim == 1:
        return [0]
    if P.factors is None or Q.factors is None:
        return []
    return [a for a in (0, 1) if have_common_part(P.factors[1 - a], Q.factors[1 - a])]


def one_sided(P, Q, leaves: dict[str, torch.Tensor]) -> dict[str, str]:
    """{parameter: ONE_SIDED} for every leaf that moves a support end lying exactly on
    another support end, {parameter: JUMP} for one that moves an atom lying on another
    atom (of the other measure, or of another component). An atom on a support end is
    no kink: it is singular to the density on both sides."""
    names = [k for k, t in leaves.items() if t.requires_grad]
    wanted = [leaves[k] for k in names]
    notes: dict[str, str] = {}
    if not wanted or not (_has_marks(P) and _has_marks(Q)):
        return notes
    marks_p, marks_q = _marks_per_axis(P), _marks_per_axis(Q)
    for axis in _axes_that_matter(P, Q):
        (ends_p, atoms_p), (ends_q, atoms_q) = marks_p[axis], marks_q[axis]
        for kind, marks in ((ONE_SIDED, _cat([ends_p, ends_q])),
                            (JUMP, _cat([atoms_p, atoms_q]))):
            marks = marks.reshape(-1)
            value = marks.detach()
            same = value.unsqueeze(0) == value.unsqueeze(1)
            same.fill_diagonal_(False)
            for i in same.any(1).nonzero().reshape(-1).tolist():
                if not marks[i].requires_grad:
                    continue
                got = torch.autograd.grad(marks[i], wanted, retain_graph=True,
                                          allow_unused=True)
                notes.update({n: kind for n, g in zip(names, got, strict=True)
                              if g is not None and float(g.abs()) > 0})
    return notes


def _tail_tensors(law) -> list[torch.Tensor]:
    """The tensors of a power-tailed law that set its tail (all but its location)."""
    out = []
    for k, v in vars(law).items():
        if torch.is_tensor(v) and k != "loc":
            out.append(v)
        elif isinstance(v, Continuous1D):
            out.extend(_tail_tensors(v))
    return out


def tails_matched(div: str, P, Q, leaves: dict[str, torch.Tensor]) -> dict[str, str]:
    """{parameter: TAILS} for every leaf that moves a tail which must cancel for the
    distance to be finite: W1 of two Cauchy laws of one scale is |Δloc|, of any two
    other scales +∞, so its derivative in either scale does not exist (the quadrature
    would report a number near 0). Index, scale and the heavy components' weights move
    a power tail's leading term; locations do not."""
    order = TAIL_ORDER.get(div)
    if order is None or P.dim != 1 or min(P.tails()[0], Q.tails()[0]) > order:
        return {}
    names = [k for k, t in leaves.items() if t.requires_grad]
    parts = []
    for M in (P, Q):
        for i, law in enumerate(M.comps):
            if law.tail_alpha <= order:
                parts += [t.sum() for t in _tail_tensors(law) if t.requires_grad]
                parts.append(M.comp_w[..., i].sum())
    parts = [t for t in parts if t.requires_grad]
    if not parts or not names:
        return {}
    got = torch.autograd.grad(torch.stack(parts).sum(), [leaves[k] for k in names],
                              retain_graph=True, allow_unused=True)
    return {n: TAILS for n, g in zip(names, got, strict=True)
            if g is not None and float(g.abs().sum()) > 0}


def _weight_leaf(name: str) -> bool:
    """A mixture weight's leaf ("p.weights.1", "q.components.0.weights.2")."""
    parts = name.split(".")
    return len(parts) >= 2 and parts[-2] == "weights" and parts[-1].isdigit()


# Levels at which a component of weight 0 is compared with the rest of its mixture, and
# the log-ratio beyond which the log-space mixture (whose exponents stop at 700) no
# longer carries the derivative in that weight.
_PROBE_LEVELS = np.array([1e-9, 1e-6, 1e-3, 0.5, 1 - 1e-3, 1 - 1e-6, 1 - 1e-9])
_UNRESOLVED_LOG_RATIO = 650.0


def _outweighs(comp, rest) -> bool:
    """Whether a 1-D component (a realised measure) holds mass where the rest of its
    mixture is below e^-650 of it: an atom, a support beyond the rest's, a heavier tail
    (a Cauchy of weight 0 beside normals: 1.7 % of its mass lies where it outweighs
    them by e^700)."""
    if comp.has_atoms:
        return True
    for law in comp.comps:
        x = torch.as_tensor(np.atleast_1d(law.quantile_np(_PROBE_LEVELS)), dtype=torch.float64)
        x = x[torch.isfinite(x)]
        lc, lr = law.log_prob(x), rest.log_density(x)
        if bool(((lc - lr > _UNRESOLVED_LOG_RATIO) | (torch.isinf(lr) & torch.isfinite(lc))
                 ).any()):
            return True
    return False


def zero_weights(d, prefix: str) -> dict[str, str]:
    """{parameter: ZERO_WEIGHT} for the mixture weights of `d` (a 1-D Distribution, its
    leaves named `prefix` + ...) that are exactly 0 and whose derivative the engine cannot
    resolve: there is one from above only, and the log-space mixture loses it where the
    component outweighs the rest by more than e^700 (TV's came out 5 % off, Neyman's
    1e58 where it is +∞). Elsewhere (a normal of weight 0 among normals) it is exact."""
    if d.dim != 1 or d.name != "mixture":
        return {}
    out = {}
    comps, weights = d.values["components"], d.values["weights"]
    rest = None                        # realised only when a weight is 0 (rarely)
    with torch.no_grad():
        for i, (c, w) in enumerate(zip(comps, weights, strict=True)):
            if w == 0.0:
                rest = d.realize() if rest is None else rest
                if _outweighs(c.realize(), rest):
                    out[f"{prefix}weights.{i}"] = ZERO_WEIGHT
            out.update(zero_weights(c, f"{prefix}components.{i}."))
    return out


def idle_params(leaves: dict) -> set[str]:
    """The parameters of components whose weight is exactly 0 ("q.components.1.loc" when
    "q.weights.1" is 0): the divergence does not depend on them (derivative 0)."""
    out = set()
    for k, t in leaves.items():
        t = torch.as_tensor(t).detach()
        if _weight_leaf(k) and t.numel() == 1 and float(t) == 0.0:
            head, _, i = k.rpartition(".weights.")
            out.update(n for n in leaves if n.startswith(f"{head}.components.{i}."))
    return out
