"""Registration of the continuous 1-D families (the laws live in `continuous`)."""

from __future__ import annotations

from .base import SCALAR, Family, Param, register
from .constraints import positive, real
from .continuous import (
    BetaLaw,
    CauchyLaw,
    ExponentialLaw,
    GammaLaw,
    GumbelLaw,
    LaplaceLaw,
    LogisticLaw,
    LogNormalLaw,
    NormalLaw,
    StudentTLaw,
    UniformLaw,
)
from .measure import Measure1D

# --- family declarations -------------------------------------------------------------

LOC = Param("loc", SCALAR, real, 0.0, "location")
SCALE = Param("scale", SCALAR, positive, 1.0, "scale (> 0)")


def _loc_scale_family(name: str, law: type, doc: str) -> None:
    cls = type(f"{name.title()}Family", (Family,), {
        "name": name, "dim": 1, "params": (LOC, SCALE), "doc": doc,
        "build": lambda self, v: Measure1D.of_law(law(v["loc"], v["scale"])),
    })
    register(cls)


_loc_scale_family("normal", NormalLaw, "Gaussian N(loc, scale^2)")
_loc_scale_family("laplace", LaplaceLaw, "Laplace (double exponential)")
_loc_scale_family("logistic", LogisticLaw, "logistic")
_loc_scale_family("cauchy", CauchyLaw, "Cauchy (no mean: heavy tails)")
_loc_scale_family("gumbel", GumbelLaw, "Gumbel (maximum)")


@register
class StudentTFamily(Family):
    name, dim, doc = "student_t", 1, "Student's t with df degrees of freedom"
    params = (Param("df", SCALAR, positive, None, "degrees of freedom (> 0)"), LOC, SCALE)

    def build(self, v):
        return Measure1D.of_law(StudentTLaw(v["df"], v["loc"], v["scale"]))


@register
class UniformFamily(Family):
    name, dim, doc = "uniform", 1, "uniform on [low, high]"
    params = (Param("low", SCALAR, real, 0.0, "lower end"),
              Param("high", SCALAR, real, 1.0, "upper end (> low)"))

    def check(self, values):
        if not values["low"] < values["high"]:
            return f"needs low < high, got low={values['low']:g}, high={values['high']:g}"
        return None

    def build(self, v):
        return Measure1D.of_law(UniformLaw(v["low"], v["high"]))


@register
class ExponentialFamily(Family):
    name, dim, doc = "exponential", 1, "exponential with rate (mean 1/rate)"
    params = (Param("rate", SCALAR, positive, 1.0, "rate (> 0)"),)

    def build(self, v):
        return Measure1D.of_law(ExponentialLaw(v["rate"]))


@register
class GammaFamily(Family):
    name, dim, doc = "gamma", 1, "gamma with shape `concentration` and `rate`"
    params = (Param("concentration", SCALAR, positive, None, "shape (> 0)"),
              Param("rate", SCALAR, positive, 1.0, "rate (> 0)"))

    def build(self, v):
        return Measure1D.of_law(GammaLaw(v["concentration"], v["rate"]))


@register
class BetaFamily(Family):
    name, dim, doc = "beta", 1, "beta on [0, 1]"
    params = (Param("a", SCALAR, positive, None, "first shape (> 0)"),
              Param("b", SCALAR, positive, None, "second shape (> 0)"))

    def build(self, v):
        return Measure1D.of_law(BetaLaw(v["a"], v["b"]))


@register
class LogNormalFamily(Family):
    name, dim, doc = "lognormal", 1, "exp of N(loc, scale^2)"
    params = (LOC, SCALE)

    def build(self, v):
        return Measure1D.of_law(LogNormalLaw(v["loc"], v["scale"]))

