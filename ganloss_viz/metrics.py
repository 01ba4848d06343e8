"""Sample-quality metrics of a generator: mode coverage and distances to the target.

Mode metrics follow VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018): a
sample is high-quality (HQ) when it lies within `threshold` (3) standard deviations of
its nearest mode centre; a mode is covered when at least one HQ sample is nearest to
it; `reverse_kl_modes` is KL(h ‖ uniform) = Σ_k h_k log(K h_k) for the histogram h of
the HQ samples over the modes (0·log 0 = 0), between 0 (balanced) and ln K (all on one
mode). With no HQ sample at all the histogram is empty and the value is taken to be
ln K, the worst value: a run that has not reached any mode reads as fully collapsed,
and curves over training start at the top instead of being undefined.

Distances: `w1_to_target` is the exact Wasserstein-1 distance between the two empirical
measures in 1-D, and the sliced Wasserstein-1 distance (the mean of the 1-D distances
of the projections on 64 directions spread evenly over the half circle) in 2-D.
"""

from __future__ import annotations

import math

import numpy as np
import torch

N_DIRECTIONS = 64


def _as_points(x, what: str) -> torch.Tensor:
    t = torch.as_tensor(x).detach().to("cpu", torch.float64)
    if t.dim() == 1:
        t = t.unsqueeze(1)
    if t.dim() != 2 or t.shape[1] not in (1, 2):
        raise ValueError(f"{what} must have shape (n, 1) or (n, 2) (or (n,) in 1-D), "
                         f"got {tuple(t.shape)}")
    if t.shape[0] == 0:
        raise ValueError(f"{what} is empty")
    return t


def mode_metrics(samples, modes, std: float, threshold: float = 3.0) -> dict:
    """Mode coverage of `samples` (n, dim) around `modes` (K, dim) of standard deviation `std`.

    Returns {"modes": K, "modes_covered": k, "hq_fraction": f, "reverse_kl_modes": r}
    (see the module docstring). Non-finite samples are never high-quality.
    """
    x, m = _as_points(samples, "samples"), _as_points(modes, "modes")
    if x.shape[1] != m.shape[1]:
        raise ValueError(f"samples are {x.shape[1]}-D but modes are {m.shape[1]}-D")
    if not (isinstance(std, int | float) and math.isfinite(std) and std > 0):
        raise ValueError(f"std must be a finite number > 0, got {std!r}")
    K = m.shape[0]
    dist = torch.cdist(x, m)                                   # (n, K)
    dmin, nearest = dist.min(dim=1)
    hq = dmin <= threshold * std                               # NaN -> False
    counts = torch.bincount(nearest[hq], minlength=K).to(torch.float64)
    n_hq = float(counts.sum())
    if n_hq == 0:
        rkl = math.log(K)
    else:
        h = counts / n_hq
        rkl = float(torch.where(h > 0, h * torch.log(h * K), torch.zeros_like(h)).sum())
    return {"modes": K, "modes_covered": int((counts > 0).sum()),
            "hq_fraction": n_hq / x.shape[0], "reverse_kl_modes": max(rkl, 0.0)}


def coverage_reached(metrics: dict) -> bool:
    """True when every mode is covered and at least half the samples are high-quality.

    False for metrics without modes (a target without mode centres).
    """
    k = metrics.get("modes")
    if not k:
        return False
    return metrics["modes_covered"] == k and metrics["hq_fraction"] >= 0.5


WINDOW_KEYS = ("modes_covered", "hq_fraction", "reverse_kl_modes", "w1")


def window_summary(metrics: list[dict], keys: tuple[str, ...] = WINDOW_KEYS
                   ) -> dict[str, dict[str, float]]:
    """Median, min and max of each metric over a window of snapshots' metric dicts.

    GAN training oscillates (the generator hops between modes, HQ rises and falls), so
    an outcome is judged over the last few snapshots rather than the final one. Returns
    {key: {"median": ..., "min": ..., "max": ...}} for the keys present in every dict
    (a target without modes has only "w1"); ValueError on an empty window.
    """
    if not metrics:
        raise ValueError("the window holds no snapshot with metrics")
    out = {}
    for key in keys:
        if all(key in m for m in metrics):
            values = np.array([float(m[key]) for m in metrics])
            out[key] = {"median": float(np.median(values)), "min": float(values.min()),
                        "max": float(values.max())}
    return out


def _w1_sorted(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact W1 between empirical measures, column by column: x (n, J), y (m, J) sorted."""
    n, m = x.shape[0], y.shape[0]
    if n == m:
        return np.abs(x - y).mean(axis=0)
    out = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        a, b = x[:, j], y[:, j]
        grid = np.sort(np.concatenate([a, b]))
        F = np.searchsorted(a, grid[:-1], side="right") / n
        G = np.searchsorted(b, grid[:-1], side="right") / m
        out[j] = np.sum(np.abs(F - G) * np.diff(grid))
    return out


def w1_to_target(samples, target_samples, generator: torch.Generator | None = None) -> float:
    """W1 (1-D, exact) or sliced W1 (2-D, 64 directions) between two samples.

    samples (n, dim), target_samples (m, dim); sizes may differ. The directions are
    at angles π(k + δ)/64, k = 0..63, with δ = 0, or δ ~ U(0, 1) drawn from
    `generator` when one is given (a random rotation of the same even fan). A sample
    with an infinite coordinate gives inf; NaN raises ValueError.
    """
    x, y = _as_points(samples, "samples"), _as_points(target_samples, "target samples")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"samples are {x.shape[1]}-D but target samples are {y.shape[1]}-D")
    if torch.isnan(x).any() or torch.isnan(y).any():
        raise ValueError("samples contain NaN")
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        return math.inf
    if x.shape[1] == 2:
        delta = 0.0 if generator is None else float(torch.rand((), generator=generator))
        ang = math.pi * (torch.arange(N_DIRECTIONS, dtype=torch.float64) + delta) / N_DIRECTIONS
        dirs = torch.stack([ang.cos(), ang.sin()], 0)          # (2, J)
        x, y = x @ dirs, y @ dirs
    xs, ys = np.sort(x.numpy(), axis=0), np.sort(y.numpy(), axis=0)
    return float(_w1_sorted(xs, ys).mean())


def evaluate(samples, target, n_reference: int = 2500, seed: int = 0) -> dict:
    """Metrics of generated `samples` against a `targets.Target`.

    {"w1": ...} against `n_reference` target samples drawn with `seed`, plus the mode
    metrics when the target has modes.
    """
    ref = target.sample(n_reference, torch.Generator().manual_seed(seed))
    out = {"w1": w1_to_target(samples, ref)}
    if target.modes is not None:
        out.update(mode_metrics(samples, target.modes, target.mode_std))
    return out
