"""The `Law` value type (it prints the spec strings the library parses) and one
constructor per family."""

from __future__ import annotations

import math
from dataclasses import dataclass

INF = math.inf
LN2 = math.log(2.0)
QUAD = {"epsabs": 0.0, "epsrel": 1e-11, "limit": 500}

# ===================================================================== law descriptions

PARAMS = {
    "normal": ("loc", "scale"), "laplace": ("loc", "scale"), "logistic": ("loc", "scale"),
    "cauchy": ("loc", "scale"), "gumbel": ("loc", "scale"), "student_t": ("df", "loc", "scale"),
    "uniform": ("low", "high"), "exponential": ("rate",), "gamma": ("concentration", "rate"),
    "beta": ("a", "b"), "lognormal": ("loc", "scale"), "dirac": ("loc",),
    "mixture": ("components", "weights"), "product": ("x", "y"), "mvnormal": ("loc", "cov"),
    "ring": ("k", "radius", "scale"), "grid": ("k", "spacing", "scale"),
}
KEYWORD_FAMILIES = {"mixture", "mvnormal"}
TWO_D = {"product", "mvnormal", "ring", "grid"}


def _num(x: float) -> str:
    x = float(x)
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return repr(x)


def _fmt(v) -> str:
    if isinstance(v, Law):
        return v.spec
    if isinstance(v, tuple):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, int):
        return str(v)
    return _num(v)


@dataclass(frozen=True)
class Law:
    """A law as a family name and its argument values in declared order (hashable)."""

    family: str
    args: tuple

    def __getitem__(self, name: str):
        return self.args[PARAMS[self.family].index(name)]

    @property
    def dim(self) -> int:
        if self.family == "mixture":
            return self["components"][0].dim
        return 2 if self.family in TWO_D else 1

    @property
    def spec(self) -> str:
        names = PARAMS[self.family]
        if self.family in KEYWORD_FAMILIES:
            inner = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(names, self.args, strict=True))
        else:
            inner = ", ".join(_fmt(v) for v in self.args)
        return f"{self.family}({inner})"

    def __str__(self) -> str:
        return self.spec

    def flat(self) -> dict[str, float]:
        """Differentiable parameters under the dotted names of DESIGN.md."""
        out: dict[str, float] = {}
        for name, v in zip(PARAMS[self.family], self.args, strict=True):
            if isinstance(v, Law):
                out.update({f"{name}.{k}": x for k, x in v.flat().items()})
            elif isinstance(v, tuple) and v and isinstance(v[0], Law):
                for i, c in enumerate(v):
                    out.update({f"{name}.{i}.{k}": x for k, x in c.flat().items()})
            elif isinstance(v, tuple) and v and isinstance(v[0], tuple):
                for i, j in ((0, 0), (0, 1), (1, 1)):
                    out[f"{name}.{i}.{j}"] = float(v[i][j])
            elif isinstance(v, tuple):
                for i, x in enumerate(v):
                    out[f"{name}.{i}"] = float(x)
            elif isinstance(v, int):
                continue
            else:
                out[name] = float(v)
        return out

    def replace(self, name: str, value: float) -> Law:
        """A copy with one flat parameter replaced (`cov.0.1` moves both off-diagonals)."""
        head, _, rest = name.partition(".")
        i = PARAMS[self.family].index(head)
        v = self.args[i]
        if isinstance(v, Law):
            new = v.replace(rest, value)
        elif isinstance(v, tuple) and v and isinstance(v[0], Law):
            j, _, sub = rest.partition(".")
            new = tuple(c.replace(sub, value) if k == int(j) else c for k, c in enumerate(v))
        elif isinstance(v, tuple) and v and isinstance(v[0], tuple):
            a, b = (int(s) for s in rest.split("."))
            m = [list(r) for r in v]
            m[a][b] = m[b][a] = float(value)
            new = tuple(tuple(r) for r in m)
        elif isinstance(v, tuple):
            new = tuple(float(value) if k == int(rest) else x for k, x in enumerate(v))
        else:
            if rest:
                raise KeyError(name)
            new = float(value)
        args = list(self.args)
        args[i] = new
        return Law(self.family, tuple(args))


def _law(family: str, *args) -> Law:
    return Law(family, tuple(args))


def normal(loc=0.0, scale=1.0) -> Law:
    return _law("normal", float(loc), float(scale))


def laplace(loc=0.0, scale=1.0) -> Law:
    return _law("laplace", float(loc), float(scale))


def logistic(loc=0.0, scale=1.0) -> Law:
    return _law("logistic", float(loc), float(scale))


def cauchy(loc=0.0, scale=1.0) -> Law:
    return _law("cauchy", float(loc), float(scale))


def gumbel(loc=0.0, scale=1.0) -> Law:
    return _law("gumbel", float(loc), float(scale))


def student_t(df, loc=0.0, scale=1.0) -> Law:
    return _law("student_t", float(df), float(loc), float(scale))


def uniform(low=0.0, high=1.0) -> Law:
    return _law("uniform", float(low), float(high))


def exponential(rate=1.0) -> Law:
    return _law("exponential", float(rate))


def gamma(concentration, rate=1.0) -> Law:
    return _law("gamma", float(concentration), float(rate))


def beta(a, b) -> Law:
    return _law("beta", float(a), float(b))


def lognormal(loc=0.0, scale=1.0) -> Law:
    return _law("lognormal", float(loc), float(scale))


def dirac(loc=0.0) -> Law:
    return _law("dirac", float(loc))


def mixture(components, weights) -> Law:
    return _law("mixture", tuple(components), tuple(float(w) for w in weights))


def product(x: Law, y: Law) -> Law:
    return _law("product", x, y)


def mvnormal(loc=(0.0, 0.0), cov=((1.0, 0.0), (0.0, 1.0))) -> Law:
    return _law("mvnormal", tuple(float(v) for v in loc),
                tuple(tuple(float(v) for v in r) for r in cov))


def ring(k=8, radius=2.0, scale=0.02) -> Law:
    return _law("ring", int(k), float(radius), float(scale))


def grid(k=25, spacing=2.0, scale=0.05) -> Law:
    return _law("grid", int(k), float(spacing), float(scale))
