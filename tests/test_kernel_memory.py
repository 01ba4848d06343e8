"""Pairwise sums over quadrature nodes or points formed in blocks (kernels.BLOCK): the
blocked values and gradients against references written here (closed forms, numpy
double sums, scipy quadrature), and a bound on the memory of a large node set.
"""

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from scipy import integrate, special

from ganloss_viz.divergences import kernels as K
from ganloss_viz.divergences.engine import dist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _realize(spec: str):
    d = dist(spec)
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in d.flat_params().items()}
    return d.realize(leaves), leaves


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4096 entries: the pairwise matrices below are split into several."""
    monkeypatch.setattr(K, "BLOCK", 4096)


# --- MMD by quadrature against the Gaussian mixtures' closed form ---------------------------

MIX_P = ([0.3, 0.7], [-1.0, 2.0], [1.0, 0.5])          # weights, means, standard deviations
MIX_Q = ([0.6, 0.4], [0.5, 1.5], [2.0, 0.3])


def _spec(mix) -> str:
    w, m, s = mix
    comps = ", ".join(f"normal({a!r}, {b!r})" for a, b in zip(m, s, strict=True))
    return f"mixture(components=[{comps}], weights=[{w[0]!r}, {w[1]!r}])"


def _mmd2_closed(p, q, ell: float) -> float:
    """E k(X,X') + E k(Y,Y') - 2 E k(X,Y) summed over the components' pairs, where for
    Gaussians N(m1, s1²), N(m2, s2²) and v = l² + s1² + s2²,
    E k = l/sqrt(v)·exp(-(m1 - m2)²/(2v))."""
    def e(a, b):
        total = 0.0
        for wa, ma, sa in zip(*a, strict=True):
            for wb, mb, sb in zip(*b, strict=True):
                v = ell * ell + sa * sa + sb * sb
                total += wa * wb * ell / math.sqrt(v) * math.exp(-(ma - mb) ** 2 / (2 * v))
        return total
    return e(p, p) + e(q, q) - 2 * e(p, q)


def _mmd_quadrature(ell: float):
    P, lp = _realize(_spec(MIX_P))
    Q, lq = _realize(_spec(MIX_Q))
    value = K.mmd_quad_1d(P, Q, ell)
    names = [f"components.{i}.{k}" for i in range(2) for k in ("loc", "scale")]
    grads = torch.autograd.grad(value, [lp[n] for n in names] + [lq[n] for n in names])
    return float(value.detach()), np.array([float(g) for g in grads])


def _closed_gradient(ell: float, h: float = 1e-6) -> np.ndarray:
    """Central differences of the closed form in each component's mean and deviation."""
    out = []
    for side in (0, 1):
        for i in range(2):
            for k in (1, 2):             # means, then standard deviations
                def at(dx, side=side, i=i, k=k):
                    mixes = [[list(a) for a in MIX_P], [list(a) for a in MIX_Q]]
                    mixes[side][k][i] += dx
                    return _mmd2_closed(mixes[0], mixes[1], ell)
                out.append((at(h) - at(-h)) / (2 * h))
    return np.array(out)


def test_blocked_mmd_quadrature_matches_closed_form(monkeypatch):
    monkeypatch.setattr(K, "BLOCK", 1 << 16)   # 792 nodes: ten blocks of 82 rows
    ell = 0.8
    value, grad = _mmd_quadrature(ell)
    assert value == pytest.approx(_mmd2_closed(MIX_P, MIX_Q, ell), rel=1e-10, abs=1e-13)
    np.testing.assert_allclose(grad, _closed_gradient(ell), rtol=1e-6, atol=1e-8)


def test_blocked_and_whole_kernel_agree_to_rounding(monkeypatch):
    whole = _mmd_quadrature(0.8)
    monkeypatch.setattr(K, "BLOCK", 1 << 16)
    blocked = _mmd_quadrature(0.8)
    assert blocked[0] == pytest.approx(whole[0], rel=1e-13)
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-12, atol=1e-15)


# --- pairwise sums of points against numpy double sums --------------------------------------

def test_blocked_pair_forms_match_numpy_double_sums_with_a_batch(small_blocks):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 300, 2))          # a batch of three clouds of 300 points
    y = rng.normal(size=(1, 200, 2)) + 1.0    # one cloud, broadcast over the batch
    u, v = rng.random((3, 300, 2)), rng.random((1, 200, 1))
    xt, ut, yt, vt = (torch.tensor(a, requires_grad=True) for a in (x, u, y, v))
    got = K._pair_forms(K.Gaussian(math.sqrt(0.5)), xt, ut, yt, vt)
    d = x[:, :, None, :] - y[:, None, :, :]
    G = np.exp(-(d * d).sum(-1))
    ref = np.einsum("bip,bij,bjq->bpq", u, np.broadcast_to(G, (3, 300, 200)),
                    np.broadcast_to(v, (3, 200, 1)))
    np.testing.assert_allclose(got.detach().numpy(), ref, rtol=1e-12)
    # L = Σ_b F_b00 + 3 F_b10: with a_i = u_i0 + 3 u_i1 and H_ij = a_i G_ij v_j0,
    # dL/dx_i = -2 Σ_j H_ij (x_i - y_j), dL/dy_j = +2 Σ_bi H_ij (x_i - y_j),
    # dL/du_ip = (1, 3)_p Σ_j G_ij v_j0, dL/dv_j0 = Σ_bi a_i G_ij
    gx, gu, gy, gv = torch.autograd.grad((got[..., 0, 0] + 3 * got[..., 1, 0]).sum(),
                                         (xt, ut, yt, vt))
    a = u[..., 0] + 3 * u[..., 1]
    H = a[..., None] * G * v[0, :, 0]
    np.testing.assert_allclose(gx.numpy(), -np.einsum("bij,bijc->bic", H, 2 * d), rtol=1e-11)
    np.testing.assert_allclose(gy.numpy()[0], np.einsum("bij,bijc->jc", H, 2 * d), rtol=1e-11)
    Gv = G @ v[0, :, 0]
    np.testing.assert_allclose(gu.numpy(), np.stack([Gv, 3 * Gv], -1), rtol=1e-12)
    np.testing.assert_allclose(gv.numpy()[0, :, 0], np.einsum("bi,bij->j", a, G), rtol=1e-12)


def test_blocked_distances_have_the_double_sums_gradient_and_none_where_points_meet(
        small_blocks):
    # Σ_ij u_i v_j |x_i - y_j| in the plane, two of the points shared: their pair adds 0
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(120, 2)), rng.normal(size=(90, 2))
    y[:2] = x[5:7]
    u, v = rng.random((120, 1)), rng.random((90, 1))
    xt, yt = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    got = K._pair_forms(K.Distance(), xt, torch.tensor(u), yt, torch.tensor(v))[0, 0]
    d = x[:, None] - y[None]
    n = np.linalg.norm(d, axis=-1)
    assert float(got.detach()) == pytest.approx(float(u[:, 0] @ n @ v[:, 0]), rel=1e-13)
    unit = np.where(n[..., None] > 0, d / np.where(n > 0, n, 1)[..., None], 0.0)
    w = u[:, 0, None] * v[None, :, 0]
    gx, gy = torch.autograd.grad(got, (xt, yt))
    assert np.isfinite(gx.numpy()).all() and np.isfinite(gy.numpy()).all()
    np.testing.assert_allclose(gx.numpy(), np.einsum("ij,ijc->ic", w, unit), rtol=1e-11)
    np.testing.assert_allclose(gy.numpy(), -np.einsum("ij,ijc->jc", w, unit), rtol=1e-11)


def _atoms(xs) -> str:
    comps = ", ".join(f"dirac({float(a)!r})" for a in xs)
    return f"mixture(components=[{comps}], weights=[{', '.join('1' for _ in xs)}])"


def test_blocked_energy_of_point_clouds_matches_the_double_sum(small_blocks):
    # products of atoms: a 12 x 9 and a 10 x 11 grid of points (10 000 pairs)
    rng = np.random.default_rng(1)
    px, py, qx, qy = (np.round(rng.normal(size=n), 6) for n in (12, 9, 10, 11))
    P, lp = _realize(f"product({_atoms(px)}, {_atoms(py)})")
    Q, _ = _realize(f"product({_atoms(qx)}, {_atoms(qy)})")
    value = K.energy_lines_2d(P, Q)

    def cloud(xs, ys):
        return np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2)

    def mean_dist(a, b):
        return np.linalg.norm(a[:, None] - b[None], axis=-1).mean()

    zp, zq = cloud(px, py), cloud(qx, qy)
    ref = 2 * mean_dist(zp, zq) - mean_dist(zp, zp) - mean_dist(zq, zq)
    assert float(value.detach()) == pytest.approx(ref, rel=1e-12)
    # d/d(px_0): the points (px_0, y) move along x; E|X - X'| counts each pair twice
    (g,) = torch.autograd.grad(value, lp["x.components.0.loc"])
    moving = zp[:, 0] == px[0]

    def pull(b):                  # Σ over moving points a, all b, of (a_x - b_x)/|a - b|
        d = zp[moving][:, None] - b[None]
        n = np.linalg.norm(d, axis=-1)
        return np.where(n > 0, d[..., 0] / np.where(n > 0, n, 1), 0).sum()

    ref_g = (2 * pull(zq) / (len(zp) * len(zq)) - 2 * pull(zp) / len(zp) ** 2)
    assert float(g) == pytest.approx(ref_g, rel=1e-10)


def test_blocked_energy_of_plane_gaussian_mixtures_matches_quadrature(monkeypatch):
    monkeypatch.setattr(K, "BLOCK", 1024)      # two pairs of components per block
    # E|Z| for Z ~ N(m, S) in the plane: (1/pi)∫_0^pi E|<θ, Z>| dθ · (pi/2), the 1-D
    # E|N(a, v)| = sqrt(2v/pi) e^(-a²/2v) + a (1 - 2Φ(-a/√v)), integrated by scipy
    p = ([0.4, 0.6], [[0.0, 0.0], [2.0, 1.0]], [[[1.0, 0.3], [0.3, 0.5]], [[0.4, 0.0], [0.0, 2.0]]])
    q = ([1.0], [[1.0, -1.0]], [[[0.7, -0.2], [-0.2, 1.1]]])

    def e_abs(m, S):
        def f(t):
            c, s = math.cos(t), math.sin(t)
            a = m[0] * c + m[1] * s
            v = S[0][0] * c * c + 2 * S[0][1] * c * s + S[1][1] * s * s
            return (math.sqrt(2 * v / math.pi) * math.exp(-a * a / (2 * v))
                    + a * (1 - 2 * special.ndtr(-a / math.sqrt(v))))
        return integrate.quad(f, 0, math.pi, epsabs=1e-14, epsrel=1e-13)[0] / 2

    def e(a, b):
        return sum(wa * wb * e_abs(np.subtract(ma, mb), np.add(Sa, Sb))
                   for wa, ma, Sa in zip(*a, strict=True) for wb, mb, Sb in zip(*b, strict=True))

    def energy(p):
        return 2 * e(p, q) - e(p, p) - e(q, q)

    tp = tuple(torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in p)
    got = K.energy_gm_2d(tp, tuple(torch.tensor(t, dtype=torch.float64) for t in q))
    assert float(got.detach()) == pytest.approx(energy(p), rel=1e-10)
    # the gradient (recomputed block by block) against central differences of the reference
    # in the second component's weight, first coordinate of its mean and first variance
    gw, gm, gS = torch.autograd.grad(got, tp)
    h = 1e-5

    def moved(k, index, dx):
        out = [np.array(t, dtype=float) for t in p]
        out[k][index] += dx
        return out

    for k, index, g in ((0, (1,), gw[1]), (1, (1, 0), gm[1, 0]), (2, (1, 0, 0), gS[1, 0, 0])):
        fd = (energy(moved(k, index, h)) - energy(moved(k, index, -h))) / (2 * h)
        assert float(g) == pytest.approx(fd, rel=1e-6, abs=1e-9)


# --- memory -------------------------------------------------------------------------------

_LIMIT = textwrap.dedent("""
    import resource
    import torch
    from ganloss_viz.divergences import kernels as K

    torch.set_num_threads(1)     # one thread: no spinning pool on a busy test machine
    g = torch.Generator().manual_seed(0)
    size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (size + (300 << 20),) * 2)
""")

# A kernel over 12 000 nodes: the whole matrix alone is 12 000² doubles = 1.15 GB.
_NODES = """
n = 12_000
x = (torch.rand(n, generator=g, dtype=torch.float64) * 50).requires_grad_()
ab = torch.rand(n, 2, generator=g, dtype=torch.float64).requires_grad_()
F = K._pair_forms(K.Gaussian(1.0), x.unsqueeze(-1), ab, x.unsqueeze(-1), ab)
F.sum().backward()
print(float(F[0, 0].detach()), float(x.grad.abs().sum()))
"""

# The energy of two plane mixtures of 64 components, a batch of 8 pairs: 4096 component
# pairs x 512 directions x 8 = 134 million entries per intermediate (1 GB each).
_PLANE = """
def mix():
    w = torch.rand(8, 64, generator=g, dtype=torch.float64).requires_grad_()
    mu = torch.randn(8, 64, 2, generator=g, dtype=torch.float64).requires_grad_()
    A = torch.randn(8, 64, 2, 2, generator=g, dtype=torch.float64)
    return w, mu, A @ A.mT + 0.1 * torch.eye(2, dtype=torch.float64)
P, Q = mix(), mix()
e = K.energy_gm_2d(P, Q)
e.sum().backward()
print(float(e[0].detach()), float(P[0].grad.abs().sum() + P[1].grad.abs().sum()))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="address-space limit and /proc: Linux")
@pytest.mark.parametrize("child", [_NODES, _PLANE], ids=["kernel-nodes", "plane-energy"])
def test_large_blocked_sums_stay_within_300_mb_of_address_space(child):
    # Blocks with their graphs kept by autograd (torch.utils.checkpoint) left about a block
    # of glibc's heap behind each: both ran out of memory here, with glibc's defaults.
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", _LIMIT + child], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    value, grad = map(float, r.stdout.split())
    assert math.isfinite(value) and value > 0 and math.isfinite(grad)


def test_banded_gaussian_pair_forms_match_a_numpy_double_sum():
    """On a line the Gaussian kernel's blocks meet only the columns within its reach
    (exactly 0 beyond: e^-750 underflows). Points spread over 1e6 bandwidths, unsorted,
    in a batch of 2, with small blocks: Uᵀ G V and its gradients in every input against
    the dense double sum in numpy (values) and its hand-written derivatives."""
    rng = np.random.default_rng(7)
    n, m, ell = 300, 250, 0.7
    xs = np.concatenate([rng.normal(0, 3, (2, n // 2)), rng.uniform(-1e6, 1e6, (2, n // 2))], -1)
    ys = np.concatenate([rng.normal(1, 2, (2, m // 2)), rng.uniform(-1e6, 1e6, (2, m // 2))], -1)
    us, vs = rng.uniform(0, 1, (2, n, 1)), rng.uniform(0, 1, (2, m, 1))
    t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (xs, us, ys, vs)]
    x, u, y, v = t
    saved = K.BLOCK
    K.BLOCK = 2 * 17 * m                 # blocks of 17 rows
    try:
        got = K._pair_forms(K.Gaussian(ell), x.unsqueeze(-1), u, y.unsqueeze(-1), v)[..., 0, 0]
    finally:
        K.BLOCK = saved
    got.sum().backward()
    d = xs[:, :, None] - ys[:, None, :]
    g = np.exp(-d * d / (2 * ell * ell))
    uu, vv = us[..., 0], vs[..., 0]
    want = np.einsum("bi,bij,bj->b", uu, g, vv)
    h = uu[:, :, None] * g * vv[:, None, :] * (-d / ell ** 2)
    refs = (h.sum(-1), np.einsum("bij,bj->bi", g, vv)[..., None], -h.sum(-2),
            np.einsum("bi,bij->bj", uu, g)[..., None])
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-13)
    for a, ref in zip(t, refs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), ref, rtol=1e-12, atol=1e-14 * np.abs(ref).max())
