"""Issue 13, eighth round: what the exactness search (seed 2030, pair 1) found, each a
regression test against mpmath (values of tests/mp_reference.py at 40 digits, quoted),
scipy (MMD through characteristic functions) or the laws' moments.

* A normal of scale 0.13 against a mixture of two Student t's of index 0.6 whose
  locations are 2 apart: the two t's quantile meshes reach 1e19 and nearly coincide, so
  the merged mesh held pairs of points 2 apart between panels of 1e18. The gap filler
  took the panel of 2 beside each gap for its first step and doubled from there to the
  middle: 2400 breaks, 28 600 nodes. W1's CDFs then took 18 GB (the search's machine
  ran out), and MMD asked for a 6.5 GB kernel matrix. A gap's scale is now the widest of
  the three panels on each side.
* W1, W2 and energy computed their integrals even where the tails alone decide that
  the value is infinite (a t of index 0.6 has no mean): 40 s for W1's inf. Now they
  return at once.
* Pair 22: energy of a Student t of index 0.9994 at 4.2e164 against a mixture of a beta
  and a t near 0 took more than 7 GB (100 000 nodes at the finest refinement, each CDF
  with 24 quadrature nodes kept for the backward pass), and under that a NaN: a frame's
  nodes outside its bounds, weighted 0, were still evaluated, and a CDF 1e166 from its
  law was NaN (NaN · 0 = NaN). The CDFs are now evaluated in chunks of 8192 nodes,
  recomputed in the backward pass, and nodes of weight 0 are not evaluated.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

import ganloss_viz as gv
from ganloss_viz.divergences.engine import pair
from ganloss_viz.divergences.nodes import nodes_1d

P = ("mixture(components=[normal(-2.231, 0.13070885972017424), "
     "logistic(-620932725.6766274, 1.2956791118332567)], "
     "weights=[0.25753620456948645, 0.6410645444500058])")
Q = ("mixture(components=[student_t(0.6032271989130124, -3.888, 1.3167983802931564), "
     "student_t(0.6032271989130124, -5.876527201983244, 1.3167983802931564)], "
     "weights=[7.24082937550186e-257, 0.15242774555094302])")
NARROW = "normal(-2.231, 0.13)"
TWO_T = ("mixture(components=[student_t(0.6, -3.888, 1.3168), "
         "student_t(0.6, -5.8765, 1.3168)], weights=[1e-3, 0.1524])")

# tests/mp_reference.py at 40 digits (28-digit control pass agreeing to 1e-18), seed 2030
# pair 1 of the exactness search; renyi at alpha 1.5
MP = {"kl": 23.232939695672297, "js": 0.6594122287333122, "gan": -0.06746990365326622,
      "hellinger": 0.9294293184653659, "tv": 0.9793091078090297,
      "bhattacharyya": 2.651140496447177, "renyi": 30.81699523541247,
      "energy": 632031703.8054863}


@pytest.mark.parametrize("div", sorted(MP))
def test_the_search_pair_against_mpmath(div):
    params = {"alpha": 1.5} if div == "renyi" else {}
    r = gv.divergence(div, P, Q, **params)
    ref = MP[div]
    assert r.accurate
    assert abs(r.value - ref) <= max(3 * r.error, 1e-12 * abs(ref)), (r.value, r.error, ref)


@pytest.mark.parametrize("div", ["reverse_kl", "jeffreys", "neyman"])
def test_infinite_where_q_has_no_mass_to_spare(div):
    # P's logistic at -6.2e8 has light tails; Q's t's are heavy: q/p grows without bound
    # out there, and its reverse-direction integrals diverge (mpmath: inf)
    assert gv.divergence(div, P, Q).value == math.inf


@pytest.mark.parametrize("div", ["w1", "w2"])
@pytest.mark.parametrize("p", [P, NARROW])
def test_no_mean_makes_w1_and_w2_infinite(div, p):
    # E|Y| = inf for a Student t of index 0.6 < 1, finite for P: W1 >= |E|X| - ...| fails
    # to be finite (W1 <= E|X| + E|Y| is the only bound, and the tails' F - G ~ |x|^-0.6
    # is not integrable); W2 >= W1
    r = gv.divergence(div, p, TWO_T)
    assert r.value == math.inf and r.error == 0.0


def test_nearly_coinciding_meshes_leave_few_nodes():
    # the regression itself: 28 620 nodes before (see the module docstring)
    pd, qd = pair(NARROW, TWO_T)
    n = nodes_1d(pd.realize(), qd.realize())
    assert n.x.shape[-1] < 3000


def _cf_normal(mu, s, w):
    return np.exp(-0.5 * (s * w) ** 2 + 1j * w * mu)


def _cf_student_t(nu, loc, scale, w):
    # E e^{iwY} = K_{nu/2}(sqrt(nu)|w|s) (sqrt(nu)|w|s)^{nu/2} / (Gamma(nu/2) 2^{nu/2-1})
    a = math.sqrt(nu) * abs(w) * scale
    mag = 1.0 if a == 0 else special.kv(nu / 2, a) * a ** (nu / 2) / (
        special.gamma(nu / 2) * 2 ** (nu / 2 - 1))
    return mag * np.exp(1j * w * loc)


def test_mmd_of_heavy_tails_against_characteristic_functions():
    # MMD^2 = (2/sqrt(pi)) ∫_0^inf e^{-t^2} |phi_P(w) - phi_Q(w)|^2 dt, w = sqrt(2) t / l
    # (Bochner; Gaussian kernel of bandwidth l = 1), with scipy's Bessel K
    wq = np.array([1e-3, 0.1524]) / (1e-3 + 0.1524)

    def f(t):
        w = math.sqrt(2) * t
        d = _cf_normal(-2.231, 0.13, w) - (wq[0] * _cf_student_t(0.6, -3.888, 1.3168, w)
                                            + wq[1] * _cf_student_t(0.6, -5.8765, 1.3168, w))
        return math.exp(-t * t) * abs(d) ** 2

    ref = 2 / math.sqrt(math.pi) * integrate.quad(f, 0, 12, limit=400, epsabs=1e-14,
                                                  epsrel=1e-12)[0]
    r = gv.divergence("mmd", NARROW, TWO_T, bandwidth=1.0)
    assert math.isfinite(r.value)
    # heavy tails leave the kernel's double sum 2e-4 off: said, not hidden
    assert abs(r.value - ref) <= 3 * r.error, (r.value, r.error, ref)


def test_energy_of_laws_1e164_apart_is_finite_and_bounded():
    # 2∫(F_P − F_Q)² over a gap of 4.2e164 where F_P ≈ 0 and F_Q ≈ 1: twice the gap, to
    # within the laws' widths (about 10, far below one ulp of the gap)
    p = "student_t(0.9994318078425877, 4.237862925697139e+164, 8.968262793072544)"
    q = ("mixture(components=[beta(0.3555940423590857, 0.7357672422189877), "
         "student_t(3.074034055233061, -3.994, 6.3021054768417075)], "
         "weights=[0.9072649080354303, 0.4320844072847879])")
    r = gv.divergence("energy", p, q)
    ref = 2 * 4.237862925697139e164
    assert math.isfinite(r.value)
    assert abs(r.value - ref) <= max(3 * r.error, 1e-12 * ref), (r.value, r.error)
