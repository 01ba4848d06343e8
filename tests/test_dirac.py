"""The Dirac-GAN library against independent references.

Eigenvalues: the closed forms of Mescheder, Geiger & Nowozin (2018), and for
instance noise and consensus the linearisations derived here by hand. The field:
central differences of the losses written out below in numpy (instance noise by
scipy.integrate.quad, not Gauss-Hermite). Trajectories: the geometric facts that
simultaneous GD on the GAN spirals outwards and R1 converges.
"""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ganloss_viz import dirac
from ganloss_viz.dirac_noise import expect_f

torch.set_num_threads(1)

A = 0.5          # f'(0) of f(t) = −log(1 + e^(−t))
B = -0.25        # f''(0)


def f(t):
    """f(t) = −log(1 + e^(−t)), written independently of the library."""
    return -np.logaddexp(0.0, -np.asarray(t, dtype=float))


def pair(a: complex) -> list[complex]:
    return sorted([a, a.conjugate()], key=lambda z: (z.real, -z.imag))


def eig(method: str, **params) -> list[complex]:
    m = dirac.get(method)
    return list(dirac.analyse(method, m.params_of(**params)).eigenvalues)


def close(got: list[complex], want: list[complex], tol: float = 1e-12) -> None:
    got = sorted(got, key=lambda z: (z.real, z.imag))
    want = sorted(want, key=lambda z: (z.real, z.imag))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert abs(g - w) < tol, (got, want)


def quadratic_roots(trace: float, det: float) -> list[complex]:
    """Roots of λ² − trace·λ + det (the eigenvalues of a 2×2 matrix)."""
    disc = cmath.sqrt(trace**2 / 4 - det)
    return [trace / 2 + disc, trace / 2 - disc]


# --- eigenvalues ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["gan", "ns"])
def test_gan_and_ns_circle_at_half_speed(method):
    close(eig(method), [0.5j, -0.5j])
    a = dirac.analyse(method)
    assert a.verdict == "oscillates" and a.converges is False and a.max_step is None


@pytest.mark.parametrize("clip", [0.1, 1.0, 5.0])
def test_wgan_circles_at_unit_speed(clip):
    close(eig("wgan", clip=clip), [1j, -1j])
    assert dirac.analyse("wgan", dirac.get("wgan").params_of(clip=clip)).verdict == "oscillates"


@pytest.mark.parametrize("method", ["r1", "r2"])
@pytest.mark.parametrize("gamma", [0.1, 0.3, 1.0, 2.0])
def test_gradient_penalties_match_the_paper(method, gamma):
    root = cmath.sqrt(gamma**2 / 4 - 0.25)
    close(eig(method, gamma=gamma), [-gamma / 2 + root, -gamma / 2 - root])
    assert dirac.analyse(method, dirac.get(method).params_of(gamma=gamma)).converges


def test_no_penalty_no_convergence():
    a = dirac.analyse("r1", dirac.get("r1").params_of(gamma=0.0))
    close(list(a.eigenvalues), [0.5j, -0.5j])
    assert a.verdict == "oscillates"


@pytest.mark.parametrize("sigma", [0.0, 0.5, 1.0, 2.0])
def test_instance_noise_linearisation(sigma):
    # ∂v_ψ/∂ψ = E[(θ+σε)² f''] + E[σ²ε² f''] = 2σ² f''(0) at (0, 0); the rest as the GAN.
    jac = np.array([[0.0, -A], [A, 2 * sigma**2 * B]])
    want = quadratic_roots(np.trace(jac), np.linalg.det(jac))
    want_paper = [-sigma**2 / 4 + cmath.sqrt(sigma**4 / 16 - 0.25),
                  -sigma**2 / 4 - cmath.sqrt(sigma**4 / 16 - 0.25)]
    close(want, want_paper)
    close(eig("instance_noise", sigma=sigma), want, 1e-10)
    assert dirac.analyse("instance_noise",
                         dirac.get("instance_noise").params_of(sigma=sigma)).converges \
        == (sigma > 0)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 4.0])
def test_consensus_linearisation(gamma):
    # v_c = v − γ Jᵀv, so J_c = J − γ JᵀJ with J = [[0, −a], [a, 0]], JᵀJ = a² I.
    close(eig("consensus", gamma=gamma),
          [complex(-gamma * A**2, A), complex(-gamma * A**2, -A)])


@pytest.mark.parametrize("gamma", [0.3, 2.0])
def test_wgan_gp_smooth_only_without_target(gamma):
    # g0 = 0: penalty γψ², J = [[0, −1], [1, −2γ]] -> −γ ± sqrt(γ² − 1): converges.
    m = dirac.get("wgan_gp")
    a0 = dirac.analyse("wgan_gp", m.params_of(gamma=gamma, g0=0.0))
    close(list(a0.eigenvalues), [-gamma + cmath.sqrt(gamma**2 - 1),
                                 -gamma - cmath.sqrt(gamma**2 - 1)])
    assert a0.converges
    # g0 = 1: v_ψ jumps by 4γ·g0 across ψ = 0; no Jacobian and no convergence.
    a1 = dirac.analyse("wgan_gp", m.params_of(gamma=gamma, g0=1.0))
    assert a1.verdict == "no_jacobian" and not a1.converges
    assert f"{4 * gamma:.6g}" in a1.reason


def test_max_step_bounds_the_simultaneous_map():
    a = dirac.analyse("r1", dirac.get("r1").params_of(gamma=0.3))
    assert a.max_step == pytest.approx(2 * 0.15 / 0.25, rel=1e-12)     # −2Re λ / |λ|²
    jac = np.array([[0.0, -A], [A, -0.3]])
    for h, stable in ((0.9 * a.max_step, True), (1.1 * a.max_step, False)):
        radius = max(abs(np.linalg.eigvals(np.eye(2) + h * jac)))
        assert (radius < 1) == stable
        assert max(abs(a.step_spectra(h)["simultaneous"])) == pytest.approx(radius)


def test_alternating_map_preserves_area_for_the_gan():
    a = dirac.analyse("gan")
    for h in (0.1, 1.0, 3.0):
        mu = a.step_spectra(h)["alternating"]
        assert abs(np.prod(mu)) == pytest.approx(1.0)          # det = 1
        assert max(abs(mu)) == pytest.approx(1.0) if h * A < 2 else max(abs(mu)) > 1
        assert min(abs(a.step_spectra(h)["simultaneous"])) == \
            pytest.approx(math.sqrt(1 + (h * A) ** 2))


# --- the field against finite differences of hand-written losses --------------------------------


def losses_ref(method: str, theta: float, psi: float, gamma=0.7, clip=1.0, g0=1.0, sigma=0.8):
    """(L_G, L_D) of each method, written out independently of the library."""
    gan = f(psi * theta) + f(0.0)
    if method == "gan":
        return gan, -gan
    if method == "ns":
        return -f(-psi * theta), -gan
    if method == "wgan":
        return psi * theta, -psi * theta
    if method == "wgan_gp":
        return psi * theta, -psi * theta + gamma * (abs(psi) - g0) ** 2
    if method in ("r1", "r2"):
        return gan, -gan + gamma / 2 * psi**2
    if method == "instance_noise":
        def expect(g):
            return integrate.quad(lambda e: g(e) * stats.norm.pdf(e), -np.inf, np.inf,
                                  epsabs=1e-14, epsrel=1e-13)[0]
        loss = expect(lambda e: f(psi * (theta + sigma * e))) + \
            expect(lambda e: f(-psi * sigma * e))
        return loss, -loss
    raise AssertionError(method)


def fd_field(method: str, theta: float, psi: float, eps: float = 1e-5, **kw):
    lg = lambda t: losses_ref(method, t, psi, **kw)[0]  # noqa: E731
    ld = lambda s: losses_ref(method, theta, s, **kw)[1]  # noqa: E731
    return (-(lg(theta + eps) - lg(theta - eps)) / (2 * eps),
            -(ld(psi + eps) - ld(psi - eps)) / (2 * eps))


POINTS = [(0.3, -1.2), (-2.0, 0.7), (1.5, 1.5), (0.05, -0.4)]


@pytest.mark.parametrize("method", ["gan", "ns", "wgan", "wgan_gp", "r1", "r2",
                                    "instance_noise"])
def test_field_matches_finite_differences(method):
    p = dirac.Params(gamma=0.7, sigma=0.8, clip=1.0, g0=1.0)
    th = np.array([pt[0] for pt in POINTS]).reshape(2, 2)       # a grid-shaped input
    ps = np.array([pt[1] for pt in POINTS]).reshape(2, 2)
    v_t, v_p = dirac.field_on(method, th, ps, p)
    assert v_t.shape == (2, 2)
    for (t, s), got_t, got_p in zip(POINTS, v_t.ravel(), v_p.ravel(), strict=True):
        want_t, want_p = fd_field(method, t, s)
        assert got_t == pytest.approx(want_t, abs=1e-7)
        assert got_p == pytest.approx(want_p, abs=1e-7)


def test_consensus_field_matches_finite_differences():
    gamma, eps = 0.6, 1e-5

    def v(t, s):      # the GAN's field in closed form: f'(u) = 1 / (1 + e^u)
        d = 1 / (1 + math.exp(s * t))
        return np.array([-s * d, t * d])

    def half_norm(t, s):
        return 0.5 * float(v(t, s) @ v(t, s))

    got_t, got_p = dirac.field_on("consensus", np.array([pt[0] for pt in POINTS]),
                                  np.array([pt[1] for pt in POINTS]),
                                  dirac.Params(gamma=gamma))
    for i, (t, s) in enumerate(POINTS):
        grad = np.array([(half_norm(t + eps, s) - half_norm(t - eps, s)) / (2 * eps),
                         (half_norm(t, s + eps) - half_norm(t, s - eps)) / (2 * eps)])
        want = v(t, s) - gamma * grad
        assert (got_t[i], got_p[i]) == pytest.approx(tuple(want), abs=1e-8)


@pytest.mark.parametrize("s", [0.0, 0.3, 1.0, 1.0001, 3.0, 12.0, 50.0])
@pytest.mark.parametrize("mu", [-7.0, -0.4, 0.0, 2.5, 30.0])
def test_noise_expectation_matches_quad(mu, s):
    want = integrate.quad(lambda e: float(f(mu + s * e)) * stats.norm.pdf(e), -np.inf, np.inf,
                          epsabs=1e-14, epsrel=1e-13, limit=400)[0]
    got = float(expect_f(torch.tensor([mu], dtype=torch.float64),
                         torch.tensor([s], dtype=torch.float64))[0])
    assert got == pytest.approx(want, abs=1e-11)


def test_noise_field_far_from_the_equilibrium():
    # ψσ = 12: far outside the reach of one Gauss-Hermite rule
    p = dirac.Params(sigma=3.0)
    v_t, v_p = dirac.field_on("instance_noise", np.array([0.7]), np.array([-4.0]), p)
    want_t, want_p = fd_field("instance_noise", 0.7, -4.0, sigma=3.0)
    assert (v_t[0], v_p[0]) == pytest.approx((want_t, want_p), abs=1e-7)


def test_hermite_rule_is_exact_for_gaussian_moments():
    x, w = dirac.hermite_rule(dirac.HERMITE_NODES)
    for k, moment in ((0, 1), (2, 1), (4, 3), (6, 15), (3, 0)):
        assert float(np.sum(w * x**k)) == pytest.approx(moment, abs=1e-12)


# --- trajectories -------------------------------------------------------------------------------


def radius(path: np.ndarray) -> np.ndarray:
    return np.hypot(path[:, 0], path[:, 1])


def test_simultaneous_gd_on_the_gan_spirals_outwards():
    path = dirac.trajectory("gan", (1.0, 0.5), 0.1, 400)
    r = radius(path)
    assert path.shape == (401, 2)
    assert np.all(np.diff(r) > 0)        # v ⟂ z for the GAN: |z + hv|² = |z|² + h²|v|²
    assert r[-1] > 1.2 * r[0]


def test_alternating_gd_on_the_gan_keeps_circling():
    r = radius(dirac.trajectory("gan", (1.0, 0.5), 0.1, 1000, "alternating"))
    assert 0.7 * r[0] < r.min() and r.max() < 1.4 * r[0]


@pytest.mark.parametrize("mode", ["simultaneous", "alternating"])
@pytest.mark.parametrize("method", ["r1", "r2", "instance_noise", "consensus"])
def test_regularised_methods_converge(method, mode):
    r = radius(dirac.trajectory(method, (1.0, 1.0), 0.1, 1000, mode))
    assert r[-1] < 1e-3 * r[0]


def test_first_step_by_hand():
    t, s, h = 1.0, 0.5, 0.1
    d = 1 / (1 + math.exp(s * t))
    sim = dirac.trajectory("gan", (t, s), h, 1)
    assert sim[1] == pytest.approx([t - h * s * d, s + h * t * d], abs=1e-14)
    alt = dirac.trajectory("gan", (t, s), h, 1, "alternating")
    s1 = s + h * t * d                                          # the discriminator first
    assert alt[1] == pytest.approx([t - h * s1 / (1 + math.exp(s1 * t)), s1], abs=1e-14)


def test_wgan_clips_psi_and_never_settles():
    path = dirac.trajectory("wgan", (1.0, 0.3), 0.1, 600, params=dirac.Params(clip=0.5))
    assert np.abs(path[:, 1]).max() <= 0.5
    assert np.isclose(np.abs(path[:, 1]), 0.5).any()
    assert radius(path)[-100:].min() > 0.3


def test_wgan_gp_keeps_moving():
    r = radius(dirac.trajectory("wgan_gp", (1.0, 1.0), 0.05, 2000, "alternating"))
    assert r[-200:].min() > 0.3


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("call, match", [
    (lambda: dirac.get("gann"), "gann.*known: gan, ns"),
    (lambda: dirac.get("r1").params_of(gamma=-1.0), "gamma=-1.0"),
    (lambda: dirac.get("wgan").params_of(clip=0.0), "clip=0.0"),
    (lambda: dirac.get("instance_noise").params_of(sigma=float("nan")), "sigma=nan"),
    (lambda: dirac.trajectory("gan", (1.0, 0.0), 0.0, 10), "h=0.0"),
    (lambda: dirac.trajectory("gan", (float("inf"), 0.0), 0.1, 10), "theta0=inf"),
    (lambda: dirac.trajectory("gan", (1.0, 0.0), 0.1, dirac.MAX_STEPS + 1), "steps="),
    (lambda: dirac.trajectory("gan", (1.0, 0.0), 0.1, 10, "leapfrog"), "leapfrog"),
    (lambda: dirac.field_on("gan", np.zeros(3), np.zeros(2)), "shape"),
])
def test_bad_input_names_the_value(call, match):
    with pytest.raises(ValueError, match=match):
        call()
