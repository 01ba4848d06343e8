"""Benchmark the divergence engine against plain scipy quadrature (prints figures).

Run from the repository root::

    .venv/bin/python benchmarks/divergences.py            # about two minutes on 2 cores
    .venv/bin/python benchmarks/divergences.py --quick    # a few seconds, rougher figures

(a) Per-value cost. For a few pairs, the median time of one
    ``gv.divergence(name, P, Q)`` call (spec strings in; value, method, error AND
    the gradient w.r.t. every parameter out) next to the median time of one
    ``scipy.integrate.quad`` call that computes the VALUE ALONE at
    ``epsrel=1e-8, epsabs=0`` over the real line, with the integrand written two
    ways: with frozen ``scipy.stats`` distributions' ``logpdf`` (frozen once, outside
    the timing) and with plain numpy formulas. The ratio is gv / scipy; the relative
    difference of the values is a sanity check that both computed the same number.
(b) Sweeps. The median time of one 201-point ``gv.sweep`` (values and gradients
    along one parameter, one batched evaluation), per sweep and per point, next to
    201 separate ``gv.divergence`` calls (timed once or a few times, not a median of
    many) for the vectorisation gain.

All figures come from the same run, on this machine; the header gives its cores.
Benchmarks print figures; no test asserts a time.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy
import torch
from scipy import integrate, special, stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ganloss_viz as gv  # noqa: E402  (after the path tweak, for running as a script)

LOG_2PI = math.log(2.0 * math.pi)
MIX_P = "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.3, 0.7])"
MIX_Q = "mixture(components=[normal(-1, 1), normal(1.5, 0.8)], weights=[0.5, 0.5])"


# ----------------------------------------------------------------------------- timing


def median_seconds(fn: Callable[[], object], min_repeats: int, budget_s: float) -> float:
    """Median wall time of one ``fn()`` call: at least ``min_repeats`` runs, about ``budget_s``."""
    fn()  # warm-up (imports, caches, allocator)
    times: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(times) < min_repeats or time.perf_counter() < deadline:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if len(times) >= 100_000:
            break
    return statistics.median(times)


def quad_line(integrand: Callable[[float], float]) -> tuple[float, float]:
    """``quad`` over the real line at epsrel=1e-8, epsabs=0; (value, abserr)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, err = integrate.quad(integrand, -np.inf, np.inf, epsabs=0.0, epsrel=1e-8,
                                    limit=200)
    return value, err


# ----------------------------------------------------------------------------- scipy integrands


def normal_logpdf(x: float, loc: float, scale: float) -> float:
    z = (x - loc) / scale
    return -0.5 * z * z - math.log(scale) - 0.5 * LOG_2PI


def cauchy_logpdf(x: float, loc: float, scale: float) -> float:
    z = (x - loc) / scale
    return -math.log(math.pi * scale) - math.log1p(z * z)


def logaddexp(a: float, b: float) -> float:
    """log(e^a + e^b) without overflow, on Python floats."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def mixture_logpdf_np(x: float, comps: list[tuple[float, float]], weights: list[float]) -> float:
    out = -math.inf
    for (m, s), w in zip(comps, weights, strict=True):
        out = logaddexp(out, math.log(w) + normal_logpdf(x, m, s))
    return out


def js_from_logs(lp: float, lq: float) -> float:
    """Integrand of JS: ½p log(p/m) + ½q log(q/m), m = (p+q)/2, from log-densities."""
    lm = logaddexp(lp, lq) - math.log(2.0)
    out = 0.0
    if lp > -745.0:
        out += 0.5 * math.exp(lp) * (lp - lm)
    if lq > -745.0:
        out += 0.5 * math.exp(lq) * (lq - lm)
    return out


def kl_from_logs(lp: float, lq: float) -> float:
    """Integrand of KL(P‖Q): p log(p/q)."""
    return math.exp(lp) * (lp - lq) if lp > -745.0 else 0.0


def hellinger_from_logs(lp: float, lq: float) -> float:
    """Integrand of the squared Hellinger distance: ½(√p − √q)²."""
    return 0.5 * (math.exp(0.5 * lp) - math.exp(0.5 * lq)) ** 2


def case_js():
    p, q = stats.norm(0, 1), stats.norm(1, 2)
    return {
        "label": "js  normal(0,1) | normal(1,2)",
        "div": "js", "p": "normal(0, 1)", "q": "normal(1, 2)",
        "scipy.stats": lambda x: js_from_logs(p.logpdf(x), q.logpdf(x)),
        "numpy": lambda x: js_from_logs(normal_logpdf(x, 0, 1), normal_logpdf(x, 1, 2)),
    }


def case_kl_mixture():
    comps_p, w_p = [(-2.0, 0.5), (2.0, 0.5)], [0.3, 0.7]
    comps_q, w_q = [(-1.0, 1.0), (1.5, 0.8)], [0.5, 0.5]
    frozen_p = [(math.log(w), stats.norm(m, s)) for (m, s), w in zip(comps_p, w_p, strict=True)]
    frozen_q = [(math.log(w), stats.norm(m, s)) for (m, s), w in zip(comps_q, w_q, strict=True)]

    def frozen_logpdf(x, frozen):
        return float(special.logsumexp([lw + d.logpdf(x) for lw, d in frozen]))

    return {
        "label": "kl  mixture2 | mixture2",
        "div": "kl", "p": MIX_P, "q": MIX_Q,
        "scipy.stats": lambda x: kl_from_logs(frozen_logpdf(x, frozen_p),
                                              frozen_logpdf(x, frozen_q)),
        "numpy": lambda x: kl_from_logs(mixture_logpdf_np(x, comps_p, w_p),
                                        mixture_logpdf_np(x, comps_q, w_q)),
    }


def case_hellinger():
    p, q = stats.cauchy(0, 1), stats.norm(0.5, 2)
    return {
        "label": "hellinger  cauchy(0,1) | normal(0.5,2)",
        "div": "hellinger", "p": "cauchy(0, 1)", "q": "normal(0.5, 2)",
        "scipy.stats": lambda x: hellinger_from_logs(p.logpdf(x), q.logpdf(x)),
        "numpy": lambda x: hellinger_from_logs(cauchy_logpdf(x, 0, 1),
                                               normal_logpdf(x, 0.5, 2)),
    }


# ----------------------------------------------------------------------------- report


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "


def header() -> None:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print("ganloss-viz divergence benchmark")
    print(f"  machine: {platform.machine()} {platform.system()}, cores: os.cpu_count()="
          f"{os.cpu_count()}, usable={usable}, torch threads={torch.get_num_threads()}")
    print(f"  python {platform.python_version()}, torch {torch.__version__}, "
          f"numpy {np.__version__}, scipy {scipy.__version__}")
    print()


def part_a(min_repeats: int, budget_s: float) -> None:
    print("(a) one value: gv.divergence (value + method + error + full gradient, spec strings in)")
    print("    vs scipy.integrate.quad of the value alone, epsrel=1e-8, epsabs=0, (-inf, inf)")
    print(f"    median of >= {min_repeats} runs (about {budget_s:g} s each)")
    print()
    cols = (f"{'pair':<40} {'gv method':<18} {'gv':>11} {'quad stats':>11} {'ratio':>7}"
            f" {'quad numpy':>11} {'ratio':>7} {'rel diff':>9} {'grads':>5}")
    print(cols)
    print("-" * len(cols))
    for make in (case_js, case_kl_mixture, case_hellinger):
        case = make()
        result = gv.divergence(case["div"], case["p"], case["q"])
        t_gv = median_seconds(lambda c=case: gv.divergence(c["div"], c["p"], c["q"]),
                              min_repeats, budget_s)
        ref, _ = quad_line(case["numpy"])
        ref_stats, _ = quad_line(case["scipy.stats"])
        t_stats = median_seconds(lambda c=case: quad_line(c["scipy.stats"]), min_repeats,
                                 budget_s)
        t_np = median_seconds(lambda c=case: quad_line(c["numpy"]), min_repeats, budget_s)
        rel = abs(result.value - ref) / abs(ref) if ref else abs(result.value)
        print(f"{case['label']:<40} {result.method:<18} {fmt_time(t_gv):>11}"
              f" {fmt_time(t_stats):>11} {t_gv / t_stats:7.2f}"
              f" {fmt_time(t_np):>11} {t_gv / t_np:7.2f} {rel:9.1e} {len(result.grad):5d}")
        if abs(ref_stats - ref) > 1e-8 * abs(ref):
            print(f"    note: the two scipy integrands disagree: {ref_stats!r} vs {ref!r}")
        print(f"    values: gv {result.value!r} (error {result.error:.2g}), quad {ref!r}")
    print()
    print("    ratio = gv time / quad time (< 1: gv is faster even though it also returns")
    print("    the gradient); rel diff = |gv - quad| / quad")
    print()


def part_b(min_repeats: int, budget_s: float, loop_repeats: int) -> None:
    grid = np.linspace(-5.0, 5.0, 201)
    cases = [
        ("js", "normal(0, 1)", "normal(0, 1)", "q.loc"),
        ("w1", "normal(0, 1)", "normal(0, 1)", "q.loc"),
        ("js", MIX_P, "normal(0, 1)", "q.loc"),
        ("kl", MIX_P, "normal(0, 1)", "q.loc"),
    ]
    print("(b) 201-point sweep of q.loc over linspace(-5, 5, 201), values and gradients")
    print(f"    gv.sweep: median of >= {min_repeats} runs; loop: 201 gv.divergence calls, "
          f"best of {loop_repeats}")
    print()
    cols = (f"{'div':<5} {'P':<18} {'Q':<13} {'method':<18} {'sweep':>11} {'per point':>11}"
            f" {'201 calls':>11} {'gain':>6}")
    print(cols)
    print("-" * len(cols))
    for name, p, q, param in cases:
        sweep = gv.sweep(name, p, q, param, grid)
        t_sweep = median_seconds(lambda n=name, p=p, q=q, a=param: gv.sweep(n, p, q, a, grid),
                                 min_repeats, budget_s)
        q_dist = gv.dist(q)
        key = param.split(".", 1)[1]

        def loop(n=name, p=p, q_dist=q_dist, key=key):
            for x in grid:
                gv.divergence(n, p, q_dist.with_params({key: float(x)}))

        loop()
        t_loop = min(_once(loop) for _ in range(loop_repeats))
        p_label = "mixture2" if p.startswith("mixture") else p
        print(f"{name:<5} {p_label:<18} {q:<13} {sweep.method:<18} {fmt_time(t_sweep):>11}"
              f" {fmt_time(t_sweep / len(grid)):>11} {fmt_time(t_loop):>11}"
              f" {t_loop / t_sweep:6.1f}")
    print()
    print("    sweep = one gv.sweep call (201 values + 201 gradients); gain = 201 calls / sweep")


def _once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (rough figures)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads (default 1, as the app runs: with a "
                             "shared or busy CPU, 2 threads fight and run far slower)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    min_repeats, budget, loops = (5, 0.2, 1) if args.quick else (30, 2.0, 3)
    header()
    part_a(min_repeats, budget)
    part_b(min_repeats, budget, loops)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
