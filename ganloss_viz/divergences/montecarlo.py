"""Monte Carlo estimates for 2-D pairs without an exact method (W1, W2, MMD, energy).

Samples are reparametrised (gradients flow to locations and scales) and stratified
over mixture components with counts proportional to the weights; R independent
replicates give the mean and its standard error. W1 and W2 between two equal-size
samples are exact assignment problems (scipy's linear_sum_assignment); the estimate
is biased upwards by the sampling (O(n^-1/2) in 2-D), which the error does not include.
"""

from __future__ import annotations

import numpy as np
import torch

from ..distributions.measure import Measure1D, Measure2D

N_SAMPLES = 400
REPLICATES = 5


def _counts(w: np.ndarray, n: int) -> np.ndarray:
    raw = w / w.sum() * n
    c = np.floor(raw).astype(int)
    c[np.argsort(raw - c)[::-1][: n - c.sum()]] += 1
    return c


def sample_1d(M: Measure1D, n: int, gen: torch.Generator) -> torch.Tensor:
    w = torch.cat([M.comp_w.reshape(-1), M.atom_w.reshape(-1)]).detach().numpy()
    counts = _counts(w, n)
    parts = []
    for law, k in zip(M.comps, counts[: len(M.comps)], strict=True):
        if k:
            u = torch.rand(int(k), generator=gen, dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
            parts.append(law.ppf(u).reshape(-1))
    for i, k in enumerate(counts[len(M.comps):]):
        if k:
            parts.append(M.atom_loc.reshape(-1)[i].expand(int(k)))
    x = torch.cat(parts)
    return x[torch.randperm(n, generator=gen)]


def sample_2d(M: Measure2D, n: int, gen: torch.Generator) -> torch.Tensor:
    if M.factors is not None:
        return torch.stack([sample_1d(M.factors[0], n, gen), sample_1d(M.factors[1], n, gen)], -1)
    counts = _counts(M.comp_w.reshape(-1).detach().numpy(), n)
    parts = []
    for law, k in zip(M.comps, counts, strict=True):
        if not k:
            continue
        if hasattr(law, "cov"):
            L = torch.linalg.cholesky(law.cov.reshape(2, 2))
            eps = torch.randn(int(k), 2, generator=gen, dtype=torch.float64)
            parts.append(law.loc.reshape(2) + eps @ L.T)
        else:
            parts.append(torch.stack([sample_1d(law.x, int(k), gen),
                                      sample_1d(law.y, int(k), gen)], -1))
    return torch.cat(parts)


def _assignment_cost(x: torch.Tensor, y: torch.Tensor, power: int) -> torch.Tensor:
    from scipy.optimize import linear_sum_assignment  # 0.4 s to import: only when used

    C = torch.cdist(x, y) ** power
    rows, cols = linear_sum_assignment(C.detach().numpy())
    return C[rows, cols].mean()


def _pair_mean(x: torch.Tensor, y: torch.Tensor, fn, same: bool) -> torch.Tensor:
    K = fn(torch.cdist(x, y))
    if same:
        n = x.shape[0]
        return (K.sum() - K.diagonal().sum()) / (n * (n - 1))
    return K.mean()


def estimate(kind: str, P: Measure2D, Q: Measure2D, bandwidth: float = 1.0
             ) -> tuple[torch.Tensor, float]:
    """(mean estimate, standard error) of `kind` in {w1, w2, mmd, energy}."""
    gen = torch.Generator().manual_seed(0)
    vals = []
    for _ in range(REPLICATES):
        x, y = sample_2d(P, N_SAMPLES, gen), sample_2d(Q, N_SAMPLES, gen)
        if kind == "w1":
            v = _assignment_cost(x, y, 1)
        elif kind == "w2":
            v = _assignment_cost(x, y, 2)
        elif kind == "energy":
            v = (2 * _pair_mean(x, y, lambda d: d, False) - _pair_mean(x, x, lambda d: d, True)
                 - _pair_mean(y, y, lambda d: d, True))
        else:
            def k(d):
                return torch.exp(-d * d / (2 * bandwidth**2))
            v = _pair_mean(x, x, k, True) + _pair_mean(y, y, k, True) - 2 * _pair_mean(x, y, k,
                                                                                      False)
        vals.append(v)
    stacked = torch.stack(vals)
    if kind == "w2":
        stacked = stacked.clamp(min=0).sqrt()
    se = float(stacked.detach().std() / np.sqrt(REPLICATES))
    return stacked.mean(), se
