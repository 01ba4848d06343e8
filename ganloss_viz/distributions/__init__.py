"""Parametric distributions, 1-D and 2-D, and their spec strings.

`dist("normal(0, 1)")` parses and validates a spec; `FAMILIES` lists the families.
"""

from . import composite, families1d  # noqa: F401  (register the families)
from .base import FAMILIES, Distribution, Family, Param, dist
from .measure import Measure1D, Measure2D
from .spec import Spec, format_spec, parse_spec

__all__ = ["FAMILIES", "Distribution", "Family", "Measure1D", "Measure2D", "Param", "Spec",
           "dist", "format_spec", "parse_spec"]
