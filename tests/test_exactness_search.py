"""A seeded property search for failures of `ganloss_viz.divergence` in 1-D (issue 13).

Pairs of laws are drawn (numpy RandomState, fixed seeds) across the parameter
constraints: log-uniform scales from 1e-300 to 1e300 (mostly moderate), locations up to
+-1e300 (occasionally), shapes down to 1e-3, mixture weights down to 1e-300, pairs that
share a support end, nearly equal pairs and extreme separations. Every one of the 16
divergences is evaluated and checked against `mp_reference` (mpmath at 40 digits with a
28-digit control pass; no code shared with the library):

* the value lies in the divergence's range (DESIGN.md's table; gan in [-ln 4, 0]);
* the value is inf exactly when the reference is (a reference beyond the float range
  counts as inf: it overflows);
* |value - ref| <= max(3 * result.error, 1e-12 * |ref|) wherever a reference exists;
* gradients, for every parameter not in result.grad_notes (and where the reference is
  differentiable), are finite and within 1e-6 relative of the reference, with an
  absolute floor of 1e-9 x the gradient's size in natural units (see `grad_floor`);
  skipped when result.accurate is False.

Nothing is marked xfail: a failure of the engine fails the test, with one message per
failure naming the divergence, P, Q, the value, its error and the reference.
The CI pairs' references are stored (tests/exactness_refs.py says how and why); the
search computes them live where no current stored entry exists.
`benchmarks/exactness_search.py` runs the same search at a larger size.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import exactness_refs  # noqa: E402
import mp_reference as R  # noqa: E402

LN2 = math.log(2.0)
LN4 = math.log(4.0)
INF = math.inf
RANGES = {
    "kl": (0.0, INF), "reverse_kl": (0.0, INF), "jeffreys": (0.0, INF),
    "js": (0.0, LN2), "gan": (-LN4, 0.0), "pearson": (0.0, INF), "neyman": (0.0, INF),
    "hellinger": (0.0, 1.0), "tv": (0.0, 1.0), "alpha": (0.0, INF), "renyi": (0.0, INF),
    "bhattacharyya": (0.0, INF), "w1": (0.0, INF), "w2": (0.0, INF), "mmd": (0.0, 2.0),
    "energy": (0.0, INF),
}
DIVS = tuple(RANGES)
GRAD_RTOL = 1e-6
GRAD_FLOOR = 1e-9
REF_FLOOR = 1e-27
# A pair whose reference needs more component evaluations gets no reference. Counted in
# work, not seconds, so every machine checks the same pairs; 600 000 evaluations take
# 30 to 120 s here and cover every pair the CI chunks draw.
PAIR_WORK = 600_000

# ===================================================================== drawing laws

SIMPLE = ("normal", "laplace", "logistic", "cauchy", "gumbel", "student_t", "uniform",
          "exponential", "gamma", "beta", "lognormal")


def _logu(rng, lo, hi):
    return float(10.0 ** rng.uniform(math.log10(lo), math.log10(hi)))


def draw_scale(rng):
    u = rng.uniform()
    if u < 0.7:
        return _logu(rng, 0.1, 10.0)
    if u < 0.9:
        return _logu(rng, 1e-6, 1e6)
    return _logu(rng, 1e-300, 1e300)


def draw_loc(rng):
    u = rng.uniform()
    if u < 0.75:
        return float(np.round(rng.uniform(-5, 5), 3))
    sign = 1.0 if rng.uniform() < 0.5 else -1.0
    if u < 0.92:
        return sign * _logu(rng, 1.0, 1e15)
    return sign * _logu(rng, 1e15, 1e300)


def draw_shape(rng):
    return _logu(rng, 0.3, 10.0) if rng.uniform() < 0.7 else _logu(rng, 1e-3, 100.0)


def draw_simple(rng, family=None):
    f = family or SIMPLE[rng.randint(len(SIMPLE))]
    if f in ("normal", "laplace", "logistic", "cauchy", "gumbel"):
        return R.Law(f, (draw_loc(rng), draw_scale(rng)))
    if f == "student_t":
        return R.Law(f, (draw_shape(rng), draw_loc(rng), draw_scale(rng)))
    if f == "uniform":
        lo = draw_loc(rng)
        hi = lo + draw_scale(rng) * max(1.0, abs(lo) * 1e-12)
        return R.Law(f, (lo, hi)) if hi > lo else R.Law(f, (lo, lo + abs(lo) * 1e-10 + 1.0))
    if f == "exponential":
        return R.Law(f, (1.0 / draw_scale(rng),))
    if f == "gamma":
        return R.Law(f, (draw_shape(rng), 1.0 / draw_scale(rng)))
    if f == "beta":
        return R.Law(f, (draw_shape(rng), draw_shape(rng)))
    if f == "lognormal":
        loc = float(np.round(rng.uniform(-3, 3), 3)) if rng.uniform() < 0.9 else \
            float(rng.uniform(-50, 50))
        sc = _logu(rng, 0.1, 3.0) if rng.uniform() < 0.85 else _logu(rng, 1e-6, 10.0)
        return R.Law(f, (loc, sc))
    raise AssertionError(f)


def draw_weight(rng):
    return _logu(rng, 1e-300, 1e-3) if rng.uniform() < 0.2 else float(rng.uniform(0.1, 1.0))


def draw_mixture(rng, base=None):
    comps = [base or draw_simple(rng)]
    other = draw_simple(rng) if rng.uniform() < 0.8 else R.dirac(draw_loc(rng))
    if rng.uniform() < 0.5 and comps[0].family not in ("uniform", "exponential", "gamma",
                                                       "beta", "lognormal"):
        # a second component near the first one (a bimodal law)
        c = comps[0]
        loc_i = R.PARAMS[c.family].index("loc")
        args = list(c.args)
        args[loc_i] = c.args[loc_i] + float(rng.uniform(-4, 4)) * c.args[-1]
        other = R.Law(c.family, tuple(args)) if rng.uniform() < 0.5 else \
            R.Law("normal", (args[loc_i], c.args[-1] * _logu(rng, 0.3, 3.0)))
    comps.append(other)
    return R.mixture(comps, [draw_weight(rng), draw_weight(rng)])


def _perturbed(rng, law):
    """A law close to `law`: every argument moved by a relative 10^U(-8, -1)."""
    if law.family == "mixture":
        return R.mixture([_perturbed(rng, c) for c in law.args[0]],
                         [w * (1 + _logu(rng, 1e-8, 1e-1)) for w in law.args[1]])
    args = []
    for name, v in zip(R.PARAMS[law.family], law.args, strict=True):
        eps = _logu(rng, 1e-8, 1e-1) * (1 if rng.uniform() < 0.5 else -1)
        if name in ("loc", "low"):
            scale = law.args[-1] if law.family != "uniform" else law.args[1] - law.args[0]
            args.append(v + eps * scale)
        elif name == "high":
            args.append(max(v + eps * (v - law.args[0]), args[0] + abs(args[0]) * 1e-9 + 1e-300))
        else:
            args.append(v * (1 + eps))
    return R.Law(law.family, tuple(args))


def _at_most_1e300(x: float) -> float:
    """A location within the spec's constraint (a shift of 1e300 scales of 1e151 gave
    normal(inf, ...), which the engine rejects and the reference choked on)."""
    return min(max(x, -1e300), 1e300)


def _shifted(rng, law, dist):
    if law.family in ("normal", "laplace", "logistic", "cauchy", "gumbel"):
        return R.Law(law.family, (_at_most_1e300(law.args[0] + dist * law.args[1]),
                                  law.args[1]))
    if law.family == "student_t":
        return R.Law(law.family, (law.args[0], _at_most_1e300(law.args[1] + dist * law.args[2]),
                                  law.args[2]))
    if law.family == "uniform":
        w = law.args[1] - law.args[0]
        lo = _at_most_1e300(law.args[0] + dist * w)
        return R.uniform(lo, lo + max(w, 4 * abs(lo) * 2.0 ** -52))
    return draw_simple(rng)


SHARED_END = [
    lambda rng: (R.uniform(0.0, _logu(rng, 0.3, 3)), R.exponential(_logu(rng, 0.3, 3))),
    lambda rng: (R.beta(draw_shape(rng), draw_shape(rng)), R.uniform(0.0, 1.0)),
    lambda rng: (R.gamma(draw_shape(rng), _logu(rng, 0.3, 3)),
                 R.exponential(_logu(rng, 0.3, 3))),
    lambda rng: (R.beta(draw_shape(rng), draw_shape(rng)),
                 R.beta(draw_shape(rng), draw_shape(rng))),
    lambda rng: (R.uniform(-1.0, float(rng.uniform(0.5, 3))), R.uniform(-1.0, 1.0)),
    lambda rng: (R.gamma(draw_shape(rng), _logu(rng, 0.3, 3)),
                 R.lognormal(float(rng.uniform(-1, 1)), _logu(rng, 0.3, 2))),
    lambda rng: (R.uniform(0.0, 1.0), R.mixture([R.uniform(0.0, 2.0), R.normal(0.5, 1.0)],
                                                 [draw_weight(rng), draw_weight(rng)])),
]


def draw_pair(rng):
    """(P, Q, alpha, renyi_alpha, bandwidth, kind)."""
    u = rng.uniform()
    if u < 0.30:
        kind = "independent"
        P, Q = draw_simple(rng), draw_simple(rng)
    elif u < 0.50:
        kind = "close"
        P = draw_simple(rng) if rng.uniform() < 0.8 else draw_mixture(rng)
        Q = _perturbed(rng, P)
    elif u < 0.62:
        kind = "shared_end"
        P, Q = SHARED_END[rng.randint(len(SHARED_END))](rng)
    elif u < 0.74:
        kind = "far"
        P = draw_simple(rng, ["normal", "laplace", "logistic", "cauchy", "gumbel",
                              "student_t", "uniform"][rng.randint(7)])
        Q = _shifted(rng, P, (1 if rng.uniform() < 0.5 else -1) * _logu(rng, 3, 1e300))
        if rng.uniform() < 0.5:
            Q = _perturbed(rng, Q)
    elif u < 0.82:
        kind = "same_family"
        f = SIMPLE[rng.randint(len(SIMPLE))]
        P, Q = draw_simple(rng, f), draw_simple(rng, f)
    else:
        kind = "mixture"
        P = draw_mixture(rng)
        Q = draw_mixture(rng) if rng.uniform() < 0.4 else draw_simple(rng)
    if rng.uniform() < 0.5:
        P, Q = Q, P
    alpha = float(rng.choice([-1.5, -0.5, 0.3, 0.5, 0.7, 1.5, 2.0, 3.0]))
    ralpha = float(rng.choice([0.2, 0.5, 0.8, 1.5, 2.5]))
    bw = float(np.round(_logu(rng, 0.3, 3.0), 3))
    return P, Q, alpha, ralpha, bw, kind


# ===================================================================== checking


@dataclass
class Failure:
    cls: str            # failure class
    div: str
    P: str
    Q: str
    text: str

    def __str__(self):
        return f"[{self.cls}] {self.div}: P = {self.P}, Q = {self.Q}: {self.text}"


def references(P, Q, alpha, ralpha, bw, full=False, grad_divs=True):
    try:
        return R.reference_all(P, Q, alpha=alpha, renyi_alpha=ralpha, bandwidth=bw,
                               full=full, grads=grad_divs, work=PAIR_WORK)
    except R.OverBudget:
        return {d: None for d in DIVS}
    except Exception as ex:  # noqa: BLE001
        # the reference module is not meant to raise: count as "no reference", loudly
        print(f"REFERENCE RAISED {type(ex).__name__}: {ex} for {P.spec} || {Q.spec}")
        return {d: None for d in DIVS}


def _natural_scales(P, Q, flat):
    """A natural unit for each flat parameter: the component's scale for a location or a
    support end, the value itself for scales, rates and shapes, the weights' total for a
    weight."""
    out = {}
    for full, v in flat.items():
        leaf, pname = R._leaf(P, Q, full)
        law = P if full.startswith("p.") else Q
        if pname == "weights" or ".weights." in full:
            out[full] = abs(sum(law.args[1]))
        elif pname in ("loc", "low", "high"):
            if leaf.family in ("normal", "laplace", "logistic", "cauchy", "gumbel",
                               "student_t", "lognormal"):
                out[full] = leaf.args[-1]
            elif leaf.family == "uniform":
                out[full] = leaf.args[1] - leaf.args[0]
            else:           # dirac: the other scales of the pair, else 1
                sc = [x.args[-1] for x in P.leaves() + Q.leaves()
                      if x.family in ("normal", "laplace", "logistic", "cauchy", "gumbel",
                                      "student_t")]
                # (a uniform's width too: an atom inside a uniform of width 1 beside a
                # Laplace of scale 5e298 took the latter, and its floor underflowed)
                sc += [x.args[1] - x.args[0] for x in P.leaves() + Q.leaves()
                       if x.family == "uniform"]
                out[full] = min(sc) if sc else max(abs(v), 1.0)
        else:
            out[full] = abs(v)
        if not out[full] > 0 or not math.isfinite(out[full]):
            out[full] = 1.0
    return out


# W1, W2 and energy are finite only while ∫|F_P − F_Q|^k converges (k = 1, 2 and 2 in
# turn, against tail indices 1, 2 and 1/2): with a power tail of index at most that,
# only where the two tails cancel exactly, so the derivative in anything that moves a
# tail (index, scale, weights; not a location) does not exist: the engine's note "tails".
TAIL_ORDER = {"w1": 1.0, "w2": 2.0, "energy": 0.5}


def _tail_index(law) -> float:
    """The power-tail index of a reference law (inf for a lighter tail)."""
    if law.family == "mixture":
        return min(_tail_index(c) for c in law.args[0])
    return {"cauchy": 1.0, "student_t": law.args[0] if law.family == "student_t" else 0.0
            }.get(law.family, math.inf)


def tails_decide(div: str, P, Q) -> bool:
    order = TAIL_ORDER.get(div)
    return order is not None and min(_tail_index(P), _tail_index(Q)) <= order


def grad_floor(ref_grad, scales, ref_value):
    """Absolute floor per entry, the larger of
    * 1e-9 x the largest entry in natural units (max_j |g_j| s_j), converted to the
      entry's own unit (/ s_k): an entry 1e-9 of the gradient's size is below what a
      float64 engine resolves after cancellation;
    * 1e-12 |D| / s_k: the value itself is only required to 1e-12 relative, so over a
      parameter change of one natural unit the derivative is not defined more finely;
    * REF_FLOOR / s_k: the reference's gradients come from one pass at 40 digits (only
      values are cross-checked at 28), each quadrature converged to 1e-14 of its own
      absolute integral, which leaves an error of about 1e-28 of that integral: a
      gradient that should vanish (GAN of a Student t 1e257 from a uniform, whose value
      is -1e-409) comes back as 1e-28 in natural units.
    (A true zero, e.g. a far-apart pair whose JS is ln 2 whatever the parameters, then
    accepts float rounding noise.)"""
    big = max((abs(g) * scales[k] for k, g in ref_grad.items() if math.isfinite(g)),
              default=0.0)
    return {k: max(GRAD_FLOOR * big, 1e-12 * abs(ref_value), REF_FLOOR) / scales[k]
            for k in ref_grad}


def check_one(div, P, Q, params, ref, stats=None):
    """Failures of the engine's D(P||Q) for one divergence."""
    import ganloss_viz as gv

    fails = []
    ps, qs = P.spec, Q.spec

    def fail(cls, text):
        fails.append(Failure(cls, div, ps, qs, text))

    try:
        r = gv.divergence(div, ps, qs, **params)
    except Exception as ex:  # noqa: BLE001  (any exception is a finding)
        fail("raises", f"{type(ex).__name__}: {ex}")
        return fails, None
    v, err = r.value, r.error
    accurate = getattr(r, "accurate", True)
    notes = getattr(r, "grad_notes", {}) or {}
    refv = None if ref is None else ref.value
    desc = (f"value={v!r} error={err!r} accurate={accurate} method={r.method} "
            f"reference={refv!r}")
    lo, hi = RANGES[div]
    if not isinstance(v, float) or math.isnan(v):
        fail("nan_value", desc)
        return fails, r
    if not (lo <= v <= hi):
        fail("out_of_range", f"{desc} (range [{lo}, {hi}])")
    if not (isinstance(err, float) and err >= 0 and not math.isnan(err)):
        fail("bad_error", desc)
    if ref is None:
        return fails, r
    if stats is not None:
        stats["refs"] += 1
    if math.isinf(refv) != math.isinf(v):
        fail("inf_mismatch", desc)
        return fails, r
    if math.isinf(refv):
        return fails, r
    gap = abs(v - refv)
    bound = max(3 * err, 1e-12 * abs(refv))
    if not gap <= bound:
        fail("value_out_of_bound", f"{desc} gap={gap:.3e} bound={bound:.3e} "
                                   f"rel={gap / max(abs(refv), 1e-300):.3e}")
    if stats is not None and refv != 0:
        rel = gap / abs(refv)
        if accurate and rel > stats["worst"].get(div, (0.0,))[0]:
            stats["worst"][div] = (rel, ps, qs, v, refv, err)
    if not accurate or not ref.grad:
        return fails, r
    for k, note in notes.items():
        if note == "tails" and k.rpartition(".")[2] != "loc" and tails_decide(div, P, Q):
            continue
        if note not in ("one_sided", "inf", "-inf"):
            fail("bad_grad_note", f"{k}: note {note!r}; {desc}")
    flat = R._flat_full(P, Q)
    scales = _natural_scales(P, Q, flat)
    floors = grad_floor(ref.grad, scales, refv)
    for k, g_ref in ref.grad.items():
        if not math.isfinite(g_ref):
            continue
        if k in notes:
            if k not in ref.nondiff and not (notes[k] == "tails" and tails_decide(div, P, Q)):
                fail("grad_note_where_smooth", f"{k}: note {notes[k]!r} but the reference "
                                               f"derivative is {g_ref!r}; {desc}")
            continue
        g = r.grad.get(k)
        if g is None:
            fail("grad_missing", f"{k}: no entry; reference {g_ref!r}; {desc}")
            continue
        if stats is not None:
            stats["grads"] += 1
        if not math.isfinite(g):
            fail("grad_not_finite", f"{k}: engine {g!r}, reference {g_ref!r}; {desc}")
            continue
        if not abs(g - g_ref) <= GRAD_RTOL * abs(g_ref) + floors[k]:
            fail("grad_wrong", f"{k}: engine {g!r}, reference {g_ref!r} "
                               f"(rel {abs(g - g_ref) / max(abs(g_ref), 1e-300):.2e}); {desc}")
    return fails, r


def params_for(div, alpha, ralpha, bw):
    return {"alpha": {"alpha": alpha}, "renyi": {"alpha": ralpha},
            "mmd": {"bandwidth": bw}}.get(div, {})


def check_pair(P, Q, alpha, ralpha, bw, stats=None, full=False, grad_divs=True, refs=None):
    """Failures of all 16 divergences for one pair; `refs`: its references when they are
    already known (stored), else computed here."""
    t0 = time.time()
    if refs is None:
        refs = references(P, Q, alpha, ralpha, bw, full=full, grad_divs=grad_divs)
    t1 = time.time()
    fails = []
    for div in DIVS:
        if stats is not None:
            stats["evaluated"] += 1
        f, _ = check_one(div, P, Q, params_for(div, alpha, ralpha, bw), refs.get(div), stats)
        fails += f
    t2 = time.time()
    if stats is not None:
        stats["ref_seconds"] = stats.get("ref_seconds", 0) + t1 - t0
        stats["engine_seconds"] = stats.get("engine_seconds", 0) + t2 - t1
    nref = sum(r is not None for r in refs.values())
    print(f"  {P.spec} || {Q.spec}: reference {t1 - t0:.1f} s ({nref}/16), "
          f"engine {t2 - t1:.1f} s, {len(fails)} failures")
    return fails


def pairs(seed: int, n: int):
    rng = np.random.RandomState(seed)
    return [draw_pair(rng) for _ in range(n)]


def grad_subset(seed: int, i: int, k: int):
    """The k divergences whose gradients are checked for pair i (all 16 in turn)."""
    rng = np.random.RandomState([seed, i])
    return set(rng.choice(DIVS, size=k, replace=False))


# ===================================================================== the CI search

CHUNKS = 12
PAIRS_PER_CHUNK = 2
GRAD_DIVS_PER_PAIR = 5


def ci_pairs(chunks=range(CHUNKS)):
    """The CI search's pairs: (P, Q, alpha, renyi alpha, bandwidth, gradients asked for)."""
    for chunk in chunks:
        for i, (P, Q, alpha, ralpha, bw, _) in enumerate(pairs(13_000 + chunk,
                                                               PAIRS_PER_CHUNK)):
            yield P, Q, alpha, ralpha, bw, grad_subset(13_000 + chunk, i, GRAD_DIVS_PER_PAIR)


STORED_CURRENT, STORED = exactness_refs.load(PAIR_WORK)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_exactness_search(chunk):
    t0 = time.time()
    fails = []
    for P, Q, alpha, ralpha, bw, grad_divs in ci_pairs([chunk]):
        stored = STORED.get(exactness_refs.pair_key(P, Q, alpha, ralpha, bw, grad_divs))
        fails += check_pair(P, Q, alpha, ralpha, bw, grad_divs=grad_divs, refs=stored)
    print(f"chunk {chunk}: {time.time() - t0:.1f} s")
    assert not fails, f"{len(fails)} failures:\n" + "\n".join(str(f) for f in fails[:40])


def test_stored_references_are_current():
    # a changed reference module, budget or mpmath: the stored values must be recomputed
    assert STORED_CURRENT, ("tests/data/exactness_refs.json is stale or missing: run "
                            "`.venv/bin/python tests/exactness_refs.py` and commit it")
    keys = {exactness_refs.pair_key(*p) for p in ci_pairs()}
    assert keys == set(STORED)


def test_stored_references_match_a_live_run():
    # the cheapest stored pairs, recomputed now by mpmath, give the very same floats
    if not STORED_CURRENT:
        pytest.skip("stale stored references (see test_stored_references_are_current)")
    work = exactness_refs.spent()
    cheap = sorted((p for p in ci_pairs()), key=lambda p: work[exactness_refs.pair_key(*p)])
    for P, Q, alpha, ralpha, bw, grad_divs in cheap[:3]:
        key, live, _ = exactness_refs.compute((P, Q, alpha, ralpha, bw, grad_divs))
        assert sum(r is not None for r in live.values()) >= 8, key
        assert live == STORED[key], key


def test_search_draws_cover_the_constraints():
    # the generator reaches the corners it promises (not a test of the engine)
    draws = pairs(13_000, 400)
    scales = [law.args[-1] for P, Q, *_ in draws for law in P.leaves() + Q.leaves()
              if law.family in ("normal", "laplace", "logistic", "cauchy", "gumbel")]
    assert min(scales) < 1e-100 and max(scales) > 1e100
    kinds = {d[-1] for d in draws}
    assert kinds == {"independent", "close", "shared_end", "far", "same_family", "mixture"}
    ws = [w for P, Q, *_ in draws for law in (P, Q) if law.family == "mixture"
          for w in law.args[1]]
    assert min(ws) < 1e-100
