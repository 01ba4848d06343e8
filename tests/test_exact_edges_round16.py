"""Issue 13, sixteenth round: a narrow law's tail past a wide law's nearby break.

A law's tail extensions (breaks doubling out from its outermost quantile) stop at the
next break of the mesh. Where that break is near, and the panel after it is a wide
law's (a Student t of scale 2e4 whose median lies 0.8 past a Laplace of scale 0.12),
the rest of the narrow tail fell into that one panel: √q decays half as fast as q, and
Hellinger between them was 1.1e-10 off under an error of 2.9e-11, its derivative in
the Laplace's location 4.1e-10 for −2.7e-11 (search seed 2061). Gaps wide against the
panels of one side only are now filled from that side.

References: mpmath quadrature at 30 digits of √(p q) and of its derivative in the
Laplace's location, √(p q)·sign(x − μ)/(2b).
"""

from __future__ import annotations

import mpmath as mp
import pytest

import ganloss_viz as gv

T = ("1.1804806521984303", "-0.489", "22684.29347429346")
LAPLACE = ("-4.523", "0.12091877485512745")


def _bc_and_its_loc_derivative() -> tuple[mp.mpf, mp.mpf]:
    with mp.workdps(30):
        df, m, s = (mp.mpf(v) for v in T)
        mu, b = (mp.mpf(v) for v in LAPLACE)
        c = mp.gamma((df + 1) / 2) / (mp.sqrt(df * mp.pi) * mp.gamma(df / 2) * s)

        def root(x):
            z = (x - m) / s
            return mp.sqrt(c * (1 + z * z / df) ** (-(df + 1) / 2)
                           * mp.exp(-abs(x - mu) / b) / (2 * b))

        cuts = [-mp.inf, mu - 800 * b, mu - 40 * b, mu, mu + 40 * b, mu + 800 * b, mp.inf]
        bc = mp.quad(root, cuts)
        dbc = mp.quad(lambda x: root(x) * mp.sign(x - mu) / (2 * b), cuts)
    return bc, dbc


@pytest.mark.parametrize("div", ["hellinger", "bhattacharyya"])
def test_a_laplace_tail_past_a_wide_student_t_median(div):
    bc, dbc = _bc_and_its_loc_derivative()
    want, dwant = (1 - bc, -dbc) if div == "hellinger" else (-mp.log(bc), -dbc / bc)
    r = gv.divergence(div, f"student_t({', '.join(T)})", f"laplace({', '.join(LAPLACE)})")
    assert r.accurate, r
    assert abs(r.value - want) <= max(3 * r.error, 1e-12 * abs(want)), (r, float(want))
    # the value is owed to 1e-12 relative: over one Laplace scale, its derivative no
    # finer than 1e-12 |D| / b (the search's floor; Hellinger's is 2.7e-11 here)
    floor = 1e-12 * abs(want) / float(LAPLACE[1])
    assert abs(r.grad["q.loc"] - dwant) <= 1e-6 * abs(dwant) + floor, (r.grad, float(dwant))
