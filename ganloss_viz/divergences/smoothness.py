"""Where a divergence is not differentiable: support ends and atoms that P and Q share.

At a point where an end of one measure's support (or an atom) sits exactly on an end
or atom of the other, moving it one way creates a region where only one measure has
mass and moving it the other way a region where only the other has: the two one-sided
derivatives differ (one is often infinite). Autograd would return one number for
both; the engine reports such parameters as one-sided instead.
"""

from __future__ import annotations

import torch

from ..distributions.measure import _cat
from .analytic import have_common_part

ONE_SIDED = "one_sided"
JUMP = "jump"
NOTES = {
    ONE_SIDED: "one-sided: a support end of P lies on one of Q; moving it one way or the "
               "other gives different derivatives",
    JUMP: "not differentiable: an atom of P lies on one of Q; moving it splits them and "
          "the divergence jumps",
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
