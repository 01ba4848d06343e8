"""Parameter constraints: small objects that validate a value and give UI bounds.

A family declares one constraint per parameter; validation happens once, in
`Distribution.__init__`, and the explorer reads `ui_low` / `ui_high` for sliders, so the
UI can never offer a value the library would reject.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Constraint:
    """A closed or open interval constraint on a real number."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    ui_low: float = -10.0
    ui_high: float = 10.0
    text: str = "a real number"

    def check(self, value: float) -> bool:
        """True when `value` satisfies the constraint (and is finite)."""
        if not math.isfinite(value):
            return False
        if self.integer and value != int(value):
            return False
        if value < self.low or (self.low_open and value == self.low):
            return False
        return not (value > self.high or (self.high_open and value == self.high))

    def __repr__(self) -> str:
        return self.text


real = Constraint(text="a finite real number")
positive = Constraint(low=0.0, low_open=True, ui_low=0.01, ui_high=10.0, text="a number > 0")
nonnegative = Constraint(low=0.0, ui_low=0.0, ui_high=10.0, text="a number >= 0")
unit_interval = Constraint(low=0.0, high=1.0, ui_low=0.0, ui_high=1.0, text="a number in [0, 1]")


def integer_interval(low: int, high: int) -> Constraint:
    """An integer in [low, high]."""
    return Constraint(
        low=low, high=high, integer=True, ui_low=low, ui_high=high,
        text=f"an integer in [{low}, {high}]",
    )
