"""Issue 13, sixteenth round: a narrow law's tail past a wide law's nearby break.

A law's tail extensions (breaks doubling out from its outermost quantile) stop at the
next break of the mesh. Where that break is near, and the panel after it is a wide
law's (a Student t of scale 2e4 whose median lies 0.8 past a Laplace of scale 0.12),
the rest of the narrow tail fell into that one panel: √q decays half as fast as q, and
Hellinger between them was 1.1e-10 off under an error of 2.9e-11, its derivative in
the Laplace's location 4.1e-10 for −2.7e-11 (search seed 2061). Gaps wide against the
panels of one side only are now filled from that side.

And KL of that t against the Laplace had ∂/∂df 3.3e-5 off: 1.6 % of the integrand
p·|x − μ|/b lies beyond the t's mesh, where ∂p/∂ν carries a factor log|x| that the tail
map (under which the pure power |x|^-g was constant) integrated to 1e-3. The map now
turns |x|^-g into 1 − t, and the log factor into (1 − t)·log(1 − t).

References: mpmath quadrature at 30 digits of √(p q) and of its derivative in the
Laplace's location, √(p q)·sign(x − μ)/(2b); for KL of a Student t against a Laplace
of the same centre, the closed form −h(t) + E|X − m|/b + log 2b (the t's entropy and
mean absolute deviation), differentiated by mpmath.
"""

from __future__ import annotations

import math

import mpmath as mp
import pytest
import torch

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


def _kl_t_laplace(nu, s, b):
    """KL(t_ν(m, s) ‖ laplace(m, b)) = −h + E|X − m|/b + log 2b, with the t's entropy
    h = (ν + 1)/2 (ψ((ν + 1)/2) − ψ(ν/2)) + log(√ν B(ν/2, 1/2)) + log s and
    E|X − m| = 2 s √ν Γ((ν + 1)/2) / (√π Γ(ν/2) (ν − 1))."""
    h = ((nu + 1) / 2 * (mp.digamma((nu + 1) / 2) - mp.digamma(nu / 2))
         + mp.log(mp.sqrt(nu) * mp.beta(nu / 2, mp.mpf(1) / 2)) + mp.log(s))
    mad = 2 * s * mp.sqrt(nu) * mp.gamma((nu + 1) / 2) / (mp.sqrt(mp.pi) * mp.gamma(nu / 2)
                                                          * (nu - 1))
    return -h + mad / b + mp.log(2 * b)


@pytest.mark.parametrize("nu, s, b", [(1.1804806521984303, 22684.29347429346, 0.1209187748551),
                                      (1.08, 3.0, 0.1), (1.3, 1.0, 3.0), (1.5, 2.0, 1.0)])
def test_kl_of_a_student_t_against_a_laplace_in_df_with_much_of_it_beyond_the_mesh(nu, s, b):
    with mp.workdps(30):
        args = [mp.mpf(v) for v in (nu, s, b)]
        want = _kl_t_laplace(*args)
        grads = {k: mp.diff(lambda v, i=i: _kl_t_laplace(*(args[:i] + [v] + args[i + 1:])),
                            args[i]) for i, k in enumerate(("p.df", "p.scale", "q.scale"))}
    r = gv.divergence("kl", f"student_t({nu!r}, -0.489, {s!r})", f"laplace(-0.489, {b!r})")
    assert r.accurate, r
    assert abs(r.value - want) <= max(3 * r.error, 1e-12 * abs(want)), (r, float(want))
    for k, g in grads.items():
        assert r.grad[k] == pytest.approx(float(g), rel=1e-6), (k, r.grad, float(g))


def _roots(fn, nodes):
    from ganloss_viz.divergences.nodes import crossings
    calls = []

    def counted(x):
        calls.append(x.numel())
        return fn(x)

    return crossings(counted, torch.tensor(nodes, dtype=torch.float64)), len(calls)


@pytest.mark.parametrize("fn, want", [
    # Φ(x) = Φ((x − 1)/2): x = (x − 1)/2, x = −1 (W1's crossing of F_P and F_Q)
    (lambda x: torch.special.ndtr(x) - torch.special.ndtr((x - 1) / 2), [-1.0]),
    # N(0, 1) against N(0, 3): log p − log q = 0 at x² = 9 ln 3 / 4 (TV's kink)
    (lambda x: -x * x / 2 + x * x / 18 + math.log(3.0), [-1.5 * math.sqrt(math.log(3.0)),
                                                         1.5 * math.sqrt(math.log(3.0))]),
    # a root where fn is flat to the tenth power: false position alone would crawl
    (lambda x: torch.sign(x - 0.3) * (x - 0.3).abs() ** 10, [0.3]),
    # a kink with a jump in slope of 1e6
    (lambda x: torch.where(x < math.pi, 1e6 * (x - math.pi), x - math.pi), [math.pi]),
])
def test_crossings_are_found_to_the_float_spacing(fn, want):
    """The crossing search (false position with bisection steps) against closed forms:
    to a few float spacings, in at most 3·60 + 1 calls (bisection alone made 61)."""
    roots, calls = _roots(fn, [-4.0, -2.5, -0.7, 0.5, 2.0, 3.5, 5.0])
    assert roots.shape[-1] == len(want)
    for r, w in zip(roots.tolist(), want, strict=True):
        assert abs(r - w) <= 4 * 2.2e-16 * max(abs(w), 1e-300) + 1e-300, (r, w)
    assert calls <= 181


LO_P, HI_P, LO_Q, HI_Q = -3.371559569230563, 3.8223342482952836, -3.364, 3.8223608961579822
WP, WQ = (0.26909060416086716, 0.5026589289323412), (0.25403203083093095, 0.49044180309596286)
MIX_P = (f"mixture(components=[uniform({LO_P!r}, {HI_P!r}), lognormal(2.572008480995384, "
         f"0.399051522813812)], weights=[{WP[0]!r}, {WP[1]!r}])")
MIX_Q = (f"mixture(components=[uniform({LO_Q!r}, {HI_Q!r}), lognormal(2.572, "
         f"0.37476728008757754)], weights=[{WQ[0]!r}, {WQ[1]!r}])")


@pytest.mark.parametrize("div", ["js", "hellinger"])
def test_the_derivative_in_a_uniform_end_beside_a_crossing_graded_onto_it(div):
    """Search seed 3002: the uniforms' upper ends 2.7e-5 apart; p/q jumps across 1 at
    P's end, and the crossing's graded breaks closed in on it to an ulp, detached: their
    last panel took the end's Leibniz term (JS's ∂/∂(P's end) 0.0011 for −0.0142).
    Reference: the jump term j(p(a⁻), q(a)) − j(p(a⁺), q(a)) plus ∫ ∂j/∂p · ∂p/∂a over
    the uniform, ∂p/∂a = −w/(a − lo)² (w: the uniform's share of P's weights), by
    scipy's quad on the mixtures' densities."""
    from scipy import integrate, stats

    ln_p = stats.lognorm(0.399051522813812, scale=math.exp(2.572008480995384))
    ln_q = stats.lognorm(0.37476728008757754, scale=math.exp(2.572))

    w_u, w_ln = (w / sum(WP) for w in WP)
    v_u, v_ln = (w / sum(WQ) for w in WQ)

    def p(x, inside=True):
        return (w_u / (HI_P - LO_P) if inside and LO_P < x else 0.0) + w_ln * ln_p.pdf(x)

    def q(x):
        return (v_u / (HI_Q - LO_Q) if LO_Q < x < HI_Q else 0.0) + v_ln * ln_q.pdf(x)

    if div == "js":
        def j(a, b):
            return 0.5 * sum(u * math.log(2 * u / (a + b)) for u in (a, b) if u > 0)

        def dj(a, b):
            return 0.5 * math.log(2 * a / (a + b))
    else:
        def j(a, b):
            return 0.5 * (math.sqrt(a) - math.sqrt(b)) ** 2

        def dj(a, b):
            return 0.5 * (1 - math.sqrt(b / a))
    jump = j(p(HI_P), q(HI_P)) - j(p(HI_P, inside=False), q(HI_P))
    inner, _ = integrate.quad(lambda x: dj(p(x), q(x)), LO_P, HI_P, points=[LO_Q, 0.0],
                              epsabs=1e-14, epsrel=1e-13, limit=200)
    want = jump - w_u / (HI_P - LO_P) ** 2 * inner
    r = gv.divergence(div, MIX_P, MIX_Q)
    assert r.grad["p.components.0.high"] == pytest.approx(want, rel=1e-6), (r.grad, want)


def test_tv_in_a_uniform_end_at_2e9_beside_a_second_uniform():
    """Search seed 2065: the same loss at 2e9 (a float spacing of 2.4e-7), where ∂TV/∂(P's
    upper end) came out half its value. The logistics (scale 4e5, 5000 scales away) add
    nothing there: TV's derivative is the jump ½(|p_u − q_u| − q_u) at the end a plus
    ½∫ sign(p − q)·∂p/∂a over P's uniform, ∂p/∂a = −w/(a − lo)²: in closed form."""
    lo_p, a = 2092419473.0579188, 2092419474.7608254
    lo_q, hi_q = 2092419473.058162, 2092419475.1505814
    wp, wq = (0.1959638210687286, 0.9599667372066045), (0.19597456399261043, 0.9606704654725693)
    w, v = wp[0] / sum(wp), wq[0] / sum(wq)
    p_u, q_u = w / (a - lo_p), v / (hi_q - lo_q)
    jump = 0.5 * (abs(p_u - q_u) - q_u)
    signed = (lo_q - lo_p) + (a - lo_q) * math.copysign(1.0, p_u - q_u)
    want = jump - 0.5 * signed * w / (a - lo_p) ** 2
    P = (f"mixture(components=[uniform({lo_p!r}, {a!r}), logistic(0.174, 424564.87990883493)], "
         f"weights=[{wp[0]!r}, {wp[1]!r}])")
    Q = (f"mixture(components=[uniform({lo_q!r}, {hi_q!r}), logistic(-2.181508590886151, "
         f"427557.8973990907)], weights=[{wq[0]!r}, {wq[1]!r}])")
    r = gv.divergence("tv", P, Q)
    assert r.grad["p.components.0.high"] == pytest.approx(want, rel=1e-6), (r.grad, want)


def test_w2_of_two_gumbels_at_minus_6e276_against_its_closed_form():
    """Search seed 2066 flagged ∂W2/∂loc here, where the engine was right and the mpmath
    reference lost the location's digits (it gave 0). One location-scale family:
    W2² = ∫(Δμ + Δs·G⁻¹(u))² du = (Δμ + γΔs)² + (π²/6)Δs² (γ: Euler's constant), so at
    Δμ = 0, ∂W2/∂μ_P = γΔs/W2 and ∂W2/∂s_P = Δs(γ² + π²/6)/W2."""
    loc, s1, s2 = -6.223750981599501e+276, 1.5418992267071145, 1.5428596161821897
    ds, k = s1 - s2, math.sqrt(0.5772156649015329 ** 2 + math.pi ** 2 / 6)
    r = gv.divergence("w2", f"gumbel({loc!r}, {s1!r})", f"gumbel({loc!r}, {s2!r})")
    want = abs(ds) * k
    assert abs(r.value - want) <= max(3 * r.error, 1e-12 * want), (r, want)
    assert r.grad["p.loc"] == pytest.approx(0.5772156649015329 * ds / want, rel=1e-6)
    assert r.grad["q.loc"] == pytest.approx(-0.5772156649015329 * ds / want, rel=1e-6)
    assert r.grad["p.scale"] == pytest.approx(ds * k * k / want, rel=1e-6)
