"""What a study's rows say: success rates with Wilson intervals, and best-of-k curves.

Plain Python / numpy over the rows (dicts, as `rows(table)` gives them), so the page,
the CLI and tests share one computation.

Success of a run: every mode covered with at least half the samples high-quality at
the end of the run, not diverged (ganloss_viz.study.execute). Over n runs with k
successes the rate is k/n, with the Wilson score interval (Wilson 1927), which
keeps to [0, 1] and is not degenerate at k = 0 or k = n, unlike the normal one:

    centre = (k + z²/2) / (n + z²),  half = z / (n + z²) · sqrt(k (n − k) / n + z²/4)

"Best result found as a function of the number of settings tried" (Lucic et al. 2018,
"Are GANs Created Equal?", their Figure 4) is computed exactly rather than by their
bootstrap: for m settings with scores v_(1) ≤ … ≤ v_(m), the expected best of k
drawn without replacement is Σ_i v_(i) · C(i−1, k−1) / C(m, k) (the i-th smallest is
the best exactly when the other k − 1 come from the i − 1 below it).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from .grid import SETTINGS

Z95 = NormalDist().inv_cdf(0.975)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials (95% for the default z)."""
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    z2 = z * z
    centre = (k + z2 / 2) / (n + z2)
    half = z / (n + z2) * math.sqrt(k * (n - k) / n + z2 / 4)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    """k successes of n runs: the rate and its Wilson 95% interval."""

    k: int
    n: int

    @property
    def rate(self) -> float:
        return self.k / self.n

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)


def rows(table) -> list[dict]:
    """A pyarrow Table of results as a list of row dicts."""
    return table.to_pylist()


def settings_of(row: dict) -> tuple:
    """A row's settings (SETTINGS, as requested: None = the loss's default)."""
    return tuple(row[s] for s in SETTINGS)


def filter_rows(data: Iterable[dict], losses: Sequence[str] | None = None,
                targets: Sequence[str] | None = None, lr: Sequence[float] | None = None
                ) -> list[dict]:
    """The rows whose loss, target and learning rate are among those given (None: all)."""
    return [r for r in data
            if (losses is None or r["loss"] in losses)
            and (targets is None or r["target"] in targets)
            and (lr is None or r["lr"] in lr)]


CRITERIA = ("success", "coverage")
"""What a run must reach to count: "success" (every mode covered and HQ >= 0.5, the
trainer's test) or "coverage" (every mode covered, whatever the HQ fraction: a short
run on narrow 2-D modes rarely gets half its samples within 3 standard deviations)."""


def succeeded(row: dict, criterion: str = "success") -> bool | None:
    """Whether a run meets `criterion` (CRITERIA); None for a target without modes."""
    if criterion == "success":
        return row["success"]
    if criterion == "coverage":
        if row["modes"] is None:
            return None
        return row["modes_covered"] == row["modes"] and not row["diverged"]
    raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")


def success_table(data: Iterable[dict], criterion: str = "success"
                  ) -> dict[tuple[str, str], Rate]:
    """(loss, target) -> Rate of runs meeting `criterion`, over targets with modes."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in data:
        ok = succeeded(r, criterion)
        if ok is None:
            continue
        c = counts[(r["loss"], r["target"])]
        c[0] += bool(ok)
        c[1] += 1
    return {key: Rate(k, n) for key, (k, n) in counts.items()}


def expected_best(values: Sequence[float], k: int) -> float:
    """The expected maximum of k values drawn without replacement from `values`."""
    m = len(values)
    if not 1 <= k <= m:
        raise ValueError(f"k must be from 1 to {m}, got {k}")
    v = sorted(values)
    total = math.comb(m, k)
    return sum(v[i - 1] * math.comb(i - 1, k - 1) for i in range(k, m + 1)) / total


def best_of_k(data: Iterable[dict], score: str = "success") -> dict[str, list[float]]:
    """loss -> [expected best score over k settings tried, k = 1..m].

    A setting's score is its mean over the seeds and the targets in `data` of `score`
    ("success": the success rate; "w1": minus the mean final W1, so higher is better
    either way); m: the settings the loss was run with.
    """
    by: dict[str, dict[tuple, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in data:
        if score == "success":
            if r["success"] is None:
                continue
            value = float(bool(r["success"]))
        elif score == "w1":
            if r["w1"] is None or not math.isfinite(r["w1"]) or r["diverged"]:
                continue
            value = -float(r["w1"])
        else:
            raise ValueError(f"score must be 'success' or 'w1', got {score!r}")
        by[r["loss"]][settings_of(r)].append(value)
    out = {}
    for loss, settings in by.items():
        scores = [sum(v) / len(v) for v in settings.values()]
        out[loss] = [expected_best(scores, k) for k in range(1, len(scores) + 1)]
    return out


def values_by_loss(data: Iterable[dict], column: str) -> dict[str, list[float]]:
    """loss -> the finite values of `column` (e.g. "w1", "seconds_to_coverage")."""
    out: dict[str, list[float]] = defaultdict(list)
    for r in data:
        v = r[column]
        if v is not None and math.isfinite(v):
            out[r["loss"]].append(float(v))
    return dict(out)


def ordered(values: Iterable[str], order: Sequence[str]) -> list[str]:
    """The distinct `values`, those in `order` first in its order, then the rest sorted."""
    seen = set(values)
    return [v for v in order if v in seen] + sorted(seen - set(order))


__all__ = ["CRITERIA", "Rate", "Z95", "best_of_k", "expected_best", "filter_rows", "ordered",
           "rows", "settings_of", "succeeded", "success_table", "values_by_loss", "wilson"]
