"""Families, parameters and the `Distribution` value object.

A `Family` declares its parameters (`Param`: name, kind, constraint, default) and knows
how to turn parameter tensors into a realised measure (`measure.Measure1D` /
`measure.Measure2D`). A `Distribution` is an immutable, validated choice of family and
parameter values; it parses from and prints to the spec-string grammar, lists its
differentiable parameters under dotted names (``loc``, ``cov.0.1``,
``components.1.loc``) and realises itself with any of them replaced by tensors, which
is how the divergence engine takes gradients and vectorises sweeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import torch

from .constraints import Constraint, real
from .spec import Spec, format_number, format_spec, parse_spec

SCALAR, VECTOR, MATRIX, INT, DIST, DISTS, WEIGHTS = (
    "scalar", "vector", "matrix", "int", "dist", "dists", "weights",
)
MAX_COMPONENTS = 64


@dataclass(frozen=True)
class Param:
    """One declared parameter of a family."""

    name: str
    kind: str = SCALAR
    constraint: Constraint = real
    default: Any = 0.0
    doc: str = ""


class Family:
    """Base class of a parametric family; subclasses declare `name`, `dim`, `params`."""

    name: str = ""
    dim: int | None = 1          # None: taken from the components (mixture)
    params: tuple[Param, ...] = ()
    keyword_spec: bool = False   # print as name=value (mixture, mvnormal)
    doc: str = ""

    def check(self, values: Mapping[str, Any]) -> str | None:
        """Cross-parameter validation; return an error message or None."""
        return None

    def dim_of(self, values: Mapping[str, Any]) -> int:
        return int(self.dim)  # type: ignore[arg-type]

    def build(self, values: Mapping[str, Any]):
        """Realise the measure from parameter tensors (float64, batch shape (...,))."""
        raise NotImplementedError


FAMILIES: dict[str, Family] = {}


def register(family_cls: type[Family]) -> type[Family]:
    """Class decorator adding a family to the registry under its `name`."""
    FAMILIES[family_cls.name] = family_cls()
    return family_cls


def _bad(family: str, message: str) -> ValueError:
    return ValueError(f"{family}: {message}")


def _as_number(family: str, p: Param, v: Any) -> float:
    if not isinstance(v, float):
        raise _bad(family, f"parameter '{p.name}' must be a number, got {_show(v)}")
    return v


def _show(v: Any) -> str:
    if isinstance(v, Distribution):
        return v.to_spec()
    if isinstance(v, Spec):
        return format_spec(v)
    if isinstance(v, tuple):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, float):
        return format_number(v)
    return repr(v)


def _coerce(family: Family, p: Param, v: Any) -> Any:
    """Check one raw parameter value (from a Spec) against its declaration."""
    fam = family.name
    if p.kind in (SCALAR, INT):
        x = _as_number(fam, p, v)
        if not p.constraint.check(x):
            raise _bad(fam, f"parameter '{p.name}' = {_show(v)} is not allowed; "
                            f"it must be {p.constraint!r}")
        return int(x) if p.kind == INT else x
    if p.kind == VECTOR:
        if not (isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, float) for x in v)):
            raise _bad(fam, f"parameter '{p.name}' must be a list of 2 numbers, got {_show(v)}")
        return v
    if p.kind == MATRIX:
        ok = (isinstance(v, tuple) and len(v) == 2
              and all(isinstance(r, tuple) and len(r) == 2 for r in v)
              and all(isinstance(x, float) for r in v for x in r))
        if not ok:
            raise _bad(fam, f"parameter '{p.name}' must be a 2x2 matrix [[a, b], [b, c]], "
                            f"got {_show(v)}")
        return v
    if p.kind == DIST:
        return dist(v)
    if p.kind == DISTS:
        if not isinstance(v, tuple) or not v:
            raise _bad(fam, f"parameter '{p.name}' must be a non-empty list of specs")
        if len(v) > MAX_COMPONENTS:
            raise _bad(fam, f"at most {MAX_COMPONENTS} components are allowed, got {len(v)}")
        return tuple(dist(x) for x in v)
    if p.kind == WEIGHTS:
        if not (isinstance(v, tuple) and v and all(isinstance(x, float) for x in v)):
            raise _bad(fam, f"parameter '{p.name}' must be a list of numbers, got {_show(v)}")
        if any(not p.constraint.check(x) for x in v):
            raise _bad(fam, f"every entry of '{p.name}' must be {p.constraint!r}, got {_show(v)}")
        return v
    raise AssertionError(p.kind)


@dataclass(frozen=True, eq=False)
class Distribution:
    """A validated member of a family: use `dist(spec)` to make one."""

    family: Family
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.family.name

    @property
    def dim(self) -> int:
        return self.family.dim_of(self.values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Distribution):
            return False
        if self.family.name != other.family.name or self.values != other.values:
            return False        # distinct values print distinct specs (shortest repr)
        return self.to_spec() == other.to_spec()

    def __hash__(self) -> int:
        return hash(self.to_spec())

    def __repr__(self) -> str:
        return f"dist({self.to_spec()!r})"

    # --- spec strings ---------------------------------------------------------------
    def to_spec(self) -> str:
        """The canonical spec string; `dist(d.to_spec()) == d`."""
        return format_spec(self.to_spec_tree())

    def to_spec_tree(self) -> Spec:
        def conv(v: Any) -> Any:
            if isinstance(v, Distribution):
                return v.to_spec_tree()
            if isinstance(v, tuple):
                return tuple(conv(x) for x in v)
            return float(v)

        items = [(p.name, conv(self.values[p.name])) for p in self.family.params]
        if self.family.keyword_spec:
            return Spec(self.name, (), tuple(items))
        return Spec(self.name, tuple(v for _, v in items), ())

    # --- parameters -----------------------------------------------------------------
    def flat_params(self) -> dict[str, float]:
        """Differentiable parameters under dotted names, e.g. {'loc': 0.0, 'cov.0.1': 0.5}.

        A covariance matrix contributes its upper triangle; `cov.0.1` moves both
        off-diagonal entries together (the matrix stays symmetric). Integer
        parameters (ring/grid sizes, ...) are not differentiable and are left out.
        """
        out: dict[str, float] = {}
        for p in self.family.params:
            v = self.values[p.name]
            if p.kind == SCALAR:
                out[p.name] = v
            elif p.kind in (VECTOR, WEIGHTS):
                for i, x in enumerate(v):
                    out[f"{p.name}.{i}"] = x
            elif p.kind == MATRIX:
                for i, j in ((0, 0), (0, 1), (1, 1)):
                    out[f"{p.name}.{i}.{j}"] = v[i][j]
            elif p.kind == DIST:
                out.update({f"{p.name}.{k}": x for k, x in v.flat_params().items()})
            elif p.kind == DISTS:
                for i, d in enumerate(v):
                    out.update({f"{p.name}.{i}.{k}": x for k, x in d.flat_params().items()})
        return out

    def has_joint_constraints(self) -> bool:
        """True when a valid value of one parameter depends on others (low < high, ...)."""
        if type(self.family).check is not Family.check:
            return True
        children = [v for p in self.family.params if p.kind in (DIST, DISTS)
                    for v in ((self.values[p.name],) if p.kind == DIST else self.values[p.name])]
        return any(c.has_joint_constraints() for c in children)

    def flat_constraints(self) -> dict[str, Constraint]:
        """The constraint of each flat parameter (matrix entries: real; checked jointly)."""
        out: dict[str, Constraint] = {}
        for p in self.family.params:
            v = self.values[p.name]
            if p.kind == SCALAR:
                out[p.name] = p.constraint
            elif p.kind in (VECTOR, WEIGHTS):
                out.update({f"{p.name}.{i}": p.constraint for i in range(len(v))})
            elif p.kind == MATRIX:
                out.update({f"{p.name}.{i}.{j}": real for i, j in ((0, 0), (0, 1), (1, 1))})
            elif p.kind == DIST:
                out.update({f"{p.name}.{k}": c for k, c in v.flat_constraints().items()})
            elif p.kind == DISTS:
                for i, d in enumerate(v):
                    out.update({f"{p.name}.{i}.{k}": c for k, c in d.flat_constraints().items()})
        return out

    def with_params(self, updates: Mapping[str, float]) -> Distribution:
        """A copy with some flat parameters replaced (validated like a new spec)."""
        unknown = set(updates) - set(self.flat_params())
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter(s) {sorted(unknown)}; "
                             f"known: {sorted(self.flat_params())}")
        values: dict[str, Any] = {}
        for p in self.family.params:
            v = self.values[p.name]
            pre = p.name + "."
            if p.kind == SCALAR:
                v = float(updates.get(p.name, v))
            elif p.kind in (VECTOR, WEIGHTS):
                v = tuple(float(updates.get(f"{pre}{i}", x)) for i, x in enumerate(v))
            elif p.kind == MATRIX:
                off = float(updates.get(f"{pre}0.1", v[0][1]))
                v = ((float(updates.get(f"{pre}0.0", v[0][0])), off),
                     (off, float(updates.get(f"{pre}1.1", v[1][1]))))
            elif p.kind == DIST:
                sub = {k[len(pre):]: x for k, x in updates.items() if k.startswith(pre)}
                v = v.with_params(sub) if sub else v
            elif p.kind == DISTS:
                v = tuple(
                    d.with_params(sub) if (sub := {k[len(f"{pre}{i}."):]: x
                                                   for k, x in updates.items()
                                                   if k.startswith(f"{pre}{i}.")}) else d
                    for i, d in enumerate(v))
            values[p.name] = v
        return make(self.family, values)

    def realize(self, tensors: Mapping[str, torch.Tensor] | None = None):
        """The measure with flat parameters taken from `tensors` where given.

        Tensors are float64 and may carry a batch shape (B,) and `requires_grad`;
        the others come from this distribution's values.
        """
        tensors = tensors or {}

        def t(name: str, x: float) -> torch.Tensor:
            if name in tensors:
                return tensors[name]
            return torch.tensor(x, dtype=torch.float64)

        values: dict[str, Any] = {}
        for p in self.family.params:
            v = self.values[p.name]
            pre = p.name + "."
            if p.kind == SCALAR:
                values[p.name] = t(p.name, v)
            elif p.kind == INT:
                values[p.name] = int(v)
            elif p.kind in (VECTOR, WEIGHTS):
                values[p.name] = _stack([t(f"{pre}{i}", x) for i, x in enumerate(v)])
            elif p.kind == MATRIX:
                a, b, c = (t(f"{pre}0.0", v[0][0]), t(f"{pre}0.1", v[0][1]),
                           t(f"{pre}1.1", v[1][1]))
                values[p.name] = _stack([_stack([a, b]), _stack([b, c])])
            elif p.kind == DIST:
                values[p.name] = v.realize(_sub(tensors, pre))
            elif p.kind == DISTS:
                values[p.name] = [d.realize(_sub(tensors, f"{pre}{i}.")) for i, d in enumerate(v)]
        return self.family.build(values)


def _sub(tensors: Mapping[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix):]: x for k, x in tensors.items() if k.startswith(prefix)}


def _stack(xs: list[torch.Tensor]) -> torch.Tensor:
    """Stack along a new last axis, broadcasting batch shapes."""
    return torch.stack(torch.broadcast_tensors(*xs), dim=-1)


def make(family: Family, values: Mapping[str, Any]) -> Distribution:
    """Validate already-typed values (floats, tuples, Distributions) for `family`."""
    message = family.check(values)
    if message:
        raise _bad(family.name, message)
    return Distribution(family, dict(values))


def from_spec(spec: Spec) -> Distribution:
    """Build a validated Distribution from a parsed Spec."""
    family = FAMILIES.get(spec.name)
    if family is None:
        raise ValueError(f"unknown distribution family '{spec.name}'; "
                         f"known: {', '.join(FAMILIES)}")
    declared = family.params
    if len(spec.args) > len(declared):
        raise _bad(spec.name, f"takes at most {len(declared)} positional arguments "
                              f"({', '.join(p.name for p in declared)}), got {len(spec.args)}")
    raw: dict[str, Any] = {p.name: v for p, v in zip(declared, spec.args, strict=False)}
    names = [p.name for p in declared]
    for k, v in spec.kwargs:
        if k not in names:
            raise _bad(spec.name, f"unknown parameter '{k}'; parameters are {', '.join(names)}")
        if k in raw:
            raise _bad(spec.name, f"parameter '{k}' given twice")
        raw[k] = v
    values: dict[str, Any] = {}
    for p in declared:
        if p.name not in raw:
            if p.default is None:
                raise _bad(spec.name, f"missing parameter '{p.name}'")
            values[p.name] = p.default
        else:
            values[p.name] = _coerce(family, p, raw[p.name])
    return make(family, values)


@lru_cache(maxsize=512)
def _from_string(text: str) -> Distribution:
    """Parsed once per spec string (Distributions are immutable): a sweep, a landscape
    and every rerun of a page ask again for the same few (a fifth of one JS value's
    time went to parsing its two specs)."""
    return from_spec(parse_spec(text))


def dist(x: str | Spec | Distribution) -> Distribution:
    """A distribution from a spec string (``"normal(0, 1)"``), a `Spec` or a Distribution.

    Raises ValueError naming the bad part and the allowed choices.
    """
    if isinstance(x, Distribution):
        return x
    if isinstance(x, Spec):
        return from_spec(x)
    if isinstance(x, str):
        return _from_string(x)
    raise ValueError(f"expected a spec string like 'normal(0, 1)', got {type(x).__name__}")


