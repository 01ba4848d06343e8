"""GAN losses against formulas written out here, penalties with known gradients, optima.

References are independent of the library's code: the losses are written from the
papers in numpy (with the naive sigmoid-then-log, fine at moderate logits), the f-GAN
ones from the f-GAN paper's table (Nowozin et al. 2016, Table 2) in the paper's own
conventions, rescaled where our f is a multiple of the paper's; the optimal-D
identities compare quadratures of the loss at its optimal D with the divergence
engine (closed forms / quadrature) and with scipy.
"""

import math

import numpy as np
import pytest
import scipy.integrate as si
import scipy.special as ss
import scipy.stats as st
import torch
from hypothesis import given, settings
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

import ganloss_viz as gv
from ganloss_viz import losses
from ganloss_viz.divergences import DIVERGENCES
from ganloss_viz.losses import LOSSES, LossDefaults

torch.set_num_threads(1)

ORDER = ["minimax", "ns", "lsgan", "hinge", "wgan", "wgan_gp", "wgan_lp", "ns_r1", "rsgan",
         "ragan", "fgan_kl", "fgan_reverse_kl", "fgan_pearson", "fgan_neyman",
         "fgan_hellinger", "fgan_jeffreys", "fgan_js", "fgan_tv"]

R = np.array([-3.2, -0.5, 0.0, 0.7, 2.9, 4.1])
F = np.array([-2.5, -1.0, 0.3, 0.2, 1.7, -4.0])


# ------------------------------------------------------------------ numpy references

def sig(x):
    return 1 / (1 + np.exp(-x))


def log1m_sig(x):
    return np.log(1 - sig(x))


def _jeffreys_conj_paper(t):
    w = np.real(ss.lambertw(np.exp(1 - t)))
    return w + 1 / w + t - 2


# The f-GAN paper's table: (activation g_f(v), conjugate f*(t)), and the factor c with
# our f = c · (paper's f); then our D loss is c times the paper's.
PAPER = {
    "kl": (lambda v: v, lambda t: np.exp(t - 1), 1.0),
    "reverse_kl": (lambda v: -np.exp(-v), lambda t: -1 - np.log(-t), 1.0),
    "pearson": (lambda v: v, lambda t: t**2 / 4 + t, 1.0),
    "neyman": (lambda v: 1 - np.exp(v), lambda t: 2 - 2 * np.sqrt(1 - t), 1.0),
    "hellinger": (lambda v: 1 - np.exp(-v), lambda t: t / (1 - t), 0.5),
    "jeffreys": (lambda v: v, _jeffreys_conj_paper, 1.0),
    "js": (lambda v: np.log(2) - np.log(1 + np.exp(-v)), lambda t: -np.log(2 - np.exp(t)), 0.5),
    "tv": (lambda v: 0.5 * np.tanh(v), lambda t: t, 1.0),
}


def _fgan_ref(div):
    g, conj, c = PAPER[div]

    def d(r, f):
        return c * (-(np.mean(g(r)) - np.mean(conj(g(f)))))

    def gl(f, r):
        return c * -np.mean(conj(g(f)))
    return d, gl


def _ns_g(f, r):
    return -np.mean(np.log(sig(f)))


def _gan_d(r, f):
    return -np.mean(np.log(sig(r))) - np.mean(log1m_sig(f))


def _w_d(r, f):
    return np.mean(f) - np.mean(r)


def _w_g(f, r):
    return -np.mean(f)


REF = {
    "minimax": (_gan_d, lambda f, r: np.mean(log1m_sig(f))),
    "ns": (_gan_d, _ns_g),
    "ns_r1": (_gan_d, _ns_g),
    "lsgan": (lambda r, f: 0.5 * np.mean((r - 1) ** 2) + 0.5 * np.mean(f**2),
              lambda f, r: 0.5 * np.mean((f - 1) ** 2)),
    "hinge": (lambda r, f: np.mean(np.maximum(0, 1 - r)) + np.mean(np.maximum(0, 1 + f)),
              lambda f, r: -np.mean(f)),
    "wgan": (_w_d, _w_g), "wgan_gp": (_w_d, _w_g), "wgan_lp": (_w_d, _w_g),
    "rsgan": (lambda r, f: -np.mean(np.log(sig(r - f))),
              lambda f, r: -np.mean(np.log(sig(f - r)))),
    "ragan": (lambda r, f: -np.mean(np.log(sig(r - f.mean()))) - np.mean(log1m_sig(f - r.mean())),
              lambda f, r: -np.mean(np.log(sig(f - r.mean()))) - np.mean(log1m_sig(r - f.mean()))),
    **{f"fgan_{d}": _fgan_ref(d) for d in PAPER},
}


def t64(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


# ------------------------------------------------------------------------ registry

def test_registry_order_and_names():
    assert list(LOSSES) == ORDER
    assert losses.names() == ORDER
    for name, L in LOSSES.items():
        assert L.name == name and losses.get(name) is L
        assert L.label and L.doc and "\n" not in L.doc and L.minimises
        assert isinstance(L.defaults, LossDefaults)
        assert L.divergence is None or L.divergence in DIVERGENCES
        assert (L.penalty is None) == (L.defaults.penalty_weight is None)
        if L.penalty is not None:
            assert L.penalty.weight == L.defaults.penalty_weight
    assert [n for n, L in LOSSES.items() if L.clip is not None] == ["wgan"]
    assert [n for n, L in LOSSES.items() if L.penalty is not None] == ["wgan_gp", "wgan_lp",
                                                                     "ns_r1"]


def test_unknown_loss_lists_names():
    with pytest.raises(ValueError, match="unknown loss 'nope'.*minimax.*fgan_tv"):
        losses.get("nope")
    assert losses.get(LOSSES["ns"]) is LOSSES["ns"]


def test_published_defaults():
    w = LOSSES["wgan"]
    assert (w.clip, w.published.optimizer, w.published.lr_d, w.published.n_critic) == \
        (0.01, "rmsprop", 5e-5, 5)
    gp = LOSSES["wgan_gp"].published
    assert (gp.optimizer, gp.lr_d, gp.betas, gp.n_critic, gp.penalty_weight) == \
        ("adam", 1e-4, (0.0, 0.9), 5, 10.0)
    # the measured defaults keep the papers' optimizer, critic steps and penalty weight
    for name in ("wgan", "wgan_gp", "wgan_lp"):
        d, p = LOSSES[name].defaults, LOSSES[name].published
        assert (d.optimizer, d.n_critic, d.penalty_weight) == \
            (p.optimizer, p.n_critic, p.penalty_weight)
    assert LOSSES["fgan_kl"].minimises == "D_f(P‖Q) for f = kl"
    assert LOSSES["wgan"].minimises.startswith("W1(P, Q)")
    assert LOSSES["minimax"].minimises == "2·JS(P‖Q) − ln 4"


@pytest.mark.parametrize("kw,match", [
    (dict(optimizer="adagrad"), "optimizer"), (dict(lr_g=0.0), "lr_g"),
    (dict(betas=(0.5, 1.0)), "betas"), (dict(n_critic=0), "n_critic"),
    (dict(penalty_weight=-1.0), "penalty_weight")])
def test_defaults_validate(kw, match):
    with pytest.raises(ValueError, match=match):
        LossDefaults(**kw)


# ----------------------------------------------------------------- values on logits

@pytest.mark.parametrize("name", ORDER)
def test_losses_match_independent_formulas(name):
    L = LOSSES[name]
    ref_d, ref_g = REF[name]
    r, f = t64(R), t64(F)
    np.testing.assert_allclose(L.d_loss(r, f).item(), ref_d(R, F), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(L.g_loss(f, r).item(), ref_g(F, R), rtol=1e-12, atol=1e-12)
    # any shape: (n, 1) as a discriminator returns it
    assert L.d_loss(r[:, None], f[:, None]).shape == ()
    np.testing.assert_allclose(L.g_loss(f[:, None], r[:, None]).item(), ref_g(F, R), rtol=1e-12)


@pytest.mark.parametrize("name", ORDER)
@settings(max_examples=25, deadline=None)
@given(data=hs.data())
def test_losses_match_formulas_on_random_logits(name, data):
    n = data.draw(hs.integers(1, 8))
    arr = hnp.arrays(np.float64, n, elements=hs.floats(-6, 6))
    r, f = data.draw(arr), data.draw(arr)
    L = LOSSES[name]
    ref_d, ref_g = REF[name]
    np.testing.assert_allclose(L.d_loss(t64(r), t64(f)).item(), ref_d(r, f), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(L.g_loss(t64(f), t64(r)).item(), ref_g(f, r), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", [n for n in ORDER if LOSSES[n].d_real is not None])
def test_separable_terms_sum_to_the_losses(name):
    L = LOSSES[name]
    r, f = t64(R), t64(F)
    assert torch.allclose(L.d_loss(r, f), L.d_real(r).mean() + L.d_fake(f).mean(), atol=1e-14)
    assert torch.allclose(L.g_loss(f, r), L.g_fake(f).mean(), atol=1e-14)


def test_fgan_nonsaturating_generator():
    L = losses.FGan("js", nonsaturating=True)
    g, _, c = PAPER["js"]
    np.testing.assert_allclose(L.g_loss(t64(F), t64(R)).item(), -c * np.mean(g(F)), rtol=1e-12)
    assert L.name == "fgan_js_ns" and "non-saturating" in L.doc
    assert "saturating" in LOSSES["fgan_js"].doc


def test_relativistic_shapes_are_checked():
    with pytest.raises(ValueError, match="shapes must match"):
        LOSSES["rsgan"].d_loss(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError, match="needs real_out"):
        LOSSES["ragan"].g_loss(torch.zeros(3))


def test_fgan_rejects_non_f_divergence():
    with pytest.raises(ValueError, match="f-GAN needs an f-divergence.*'w1'"):
        losses.FGan("w1")


def test_float32_in_float32_out():
    r, f = torch.tensor(R, dtype=torch.float32), torch.tensor(F, dtype=torch.float32)
    for L in LOSSES.values():
        assert L.d_loss(r, f).dtype == torch.float32 and L.g_loss(f, r).dtype == torch.float32


# ---------------------------------------------------------------------------- numerics

def test_softplus_exact_in_both_tails():
    x = t64([-800.0, -40.0, 0.0, 25.0, 40.0, 800.0])
    got = losses.softplus(x)
    expected = [0.0, math.exp(-40.0), math.log(2), 25 + math.log1p(math.exp(-25.0)),
                40 + math.exp(-40.0), 800.0]
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-15, atol=0)


BOUNDED = [n for n in ORDER if n not in ("fgan_kl", "fgan_reverse_kl", "fgan_neyman",
                                          "fgan_hellinger", "fgan_jeffreys")]


def _finite_losses_and_grads(L, big):
    for sr in (1, -1):
        for sf in (1, -1):
            r = torch.tensor([sr * big, 0.3, -sr * big], requires_grad=True)
            f = torch.tensor([sf * big, -0.2, sf * big], requires_grad=True)
            for loss in (L.d_loss(r, f), L.g_loss(f, r)):
                assert torch.isfinite(loss), (L.name, sr, sf, loss)
                gr, gf = torch.autograd.grad(loss, (r, f), allow_unused=True)
                for g in (gr, gf):
                    assert g is None or torch.isfinite(g).all(), (L.name, sr, sf, g)


@pytest.mark.parametrize("name", BOUNDED)
def test_huge_logits_give_finite_losses_and_gradients(name):
    """±1e4 in float32: finite wherever the true value is (no sigmoid-then-log)."""
    _finite_losses_and_grads(LOSSES[name], 1e4)


@pytest.mark.parametrize("name", sorted(set(ORDER) - set(BOUNDED)))
def test_exponential_fgans_finite_at_large_logits(name):
    """These losses grow like e^|v| (e.g. KL's f*(v) = e^(v-1)): finite up to |v| = 40 in
    float32, and composites are evaluated in v so nothing overflows before that."""
    _finite_losses_and_grads(LOSSES[name], 40.0)


@pytest.mark.parametrize("div", list(PAPER))
def test_fgan_forms_agree_with_the_registry(div):
    """Our closed-form T(v) and f*(T(v)) equal the registry's activation and f_conj."""
    L, entry = LOSSES[f"fgan_{div}"], DIVERGENCES[div]
    v = torch.linspace(-5, 5, 201, dtype=torch.float64)
    torch.testing.assert_close(L.activation(v), entry.activation(v), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(L.conjugate(v), entry.f_conj(entry.activation(v)),
                               rtol=1e-9, atol=1e-9)


DOMAINS = {  # dom f* in our conventions (JS and Hellinger: half the paper's f)
    "kl": lambda t: np.isfinite(t), "reverse_kl": lambda t: t < 0,
    "pearson": lambda t: np.isfinite(t), "neyman": lambda t: t < 1,
    "hellinger": lambda t: t < 0.5, "jeffreys": lambda t: np.isfinite(t),
    "js": lambda t: t < 0.5 * math.log(2), "tv": lambda t: np.abs(t) <= 0.5,
}


@pytest.mark.parametrize("div", list(DOMAINS))
def test_activation_ranges_fit_the_conjugate_domain(div):
    entry = DIVERGENCES[div]
    v = torch.linspace(-30, 30, 601, dtype=torch.float64)
    t = entry.activation(v).numpy()
    assert DOMAINS[div](t).all()
    assert np.isfinite(LOSSES[f"fgan_{div}"].conjugate(v).numpy()).all()


def test_jeffreys_conjugate_against_lambert_w():
    t = np.linspace(-60, 30, 181)
    tt = t64(t).requires_grad_(True)
    L = LOSSES["fgan_jeffreys"]
    val = L.conjugate(tt)
    np.testing.assert_allclose(val.detach().numpy(), _jeffreys_conj_paper(t), rtol=1e-12,
                               atol=1e-12)
    (grad,) = torch.autograd.grad(val.sum(), tt)
    u = 1 / np.real(ss.lambertw(np.exp(1 - t)))      # f*'(t) = the maximiser u
    np.testing.assert_allclose(grad.numpy(), u, rtol=1e-12)
    assert torch.isfinite(L.conjugate(torch.tensor([-1e4, 80.0]))).all()   # float32


# ---------------------------------------------------------------------------- penalties

class Linear(torch.nn.Module):
    def __init__(self, a, b=0.3):
        super().__init__()
        self.lin = torch.nn.Linear(len(a), 1)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([a], dtype=torch.float32))
            self.lin.bias.fill_(b)

    def forward(self, x):
        return self.lin(x)


class Quadratic(torch.nn.Module):
    """D(x) = s/2 ‖x‖², so ∇D(x) = s·x."""

    def __init__(self, s=1.0):
        super().__init__()
        self.s = torch.nn.Parameter(torch.tensor(s, dtype=torch.float64))

    def forward(self, x):
        return 0.5 * self.s * (x * x).sum(1, keepdim=True)


def _batch(dim=2, n=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, dim, generator=g), torch.randn(n, dim, generator=g) + 1.0


@pytest.mark.parametrize("a", [[0.3, -0.4], [1.2, 1.6], [0.0, 0.0]])
def test_penalties_on_a_linear_discriminator(a):
    norm = math.hypot(*a)
    real, fake = _batch()
    D = Linear(a)
    gp = LOSSES["wgan_gp"].penalty(D, real, fake, generator=torch.Generator().manual_seed(1))
    lp = LOSSES["wgan_lp"].penalty(D, real, fake)
    r1 = LOSSES["ns_r1"].penalty(D, real, fake)
    assert gp.item() == pytest.approx(10 * (norm - 1) ** 2, rel=1e-6, abs=1e-6)
    assert lp.item() == pytest.approx(10 * max(0.0, norm - 1) ** 2, rel=1e-6, abs=1e-6)
    assert r1.item() == pytest.approx(5 * norm**2, rel=1e-6, abs=1e-6)
    # the graph reaches D's weights: d/da λ(‖a‖ - 1)² = 2λ(‖a‖ - 1) a/‖a‖
    (g,) = torch.autograd.grad(gp, D.lin.weight)
    expected = [0.0, 0.0] if norm == 0 else [2 * 10 * (norm - 1) * x / norm for x in a]
    np.testing.assert_allclose(g.numpy()[0], expected, rtol=1e-5, atol=1e-5)


def test_penalties_on_a_quadratic_discriminator():
    """With real = fake every interpolate is the real point, so ε does not matter."""
    real, _ = _batch(dim=3, n=32)
    real = real.double()
    D = Quadratic(0.7)
    n = real.norm(dim=1)
    gp = LOSSES["wgan_gp"].penalty(D, real, real.clone())
    assert gp.item() == pytest.approx(10 * ((0.7 * n - 1) ** 2).mean().item(), rel=1e-12)
    lp = LOSSES["wgan_lp"].penalty(D, real, real.clone())
    assert lp.item() == pytest.approx(10 * ((0.7 * n - 1).clamp(min=0) ** 2).mean().item(),
                                      rel=1e-12)
    r1 = LOSSES["ns_r1"].penalty(D, real, real)
    assert r1.item() == pytest.approx(5 * (0.49 * n**2).mean().item(), rel=1e-12)
    (gs,) = torch.autograd.grad(gp, D.s)      # d/ds 10·mean (s n - 1)^2
    assert gs.item() == pytest.approx((20 * (0.7 * n - 1) * n).mean().item(), rel=1e-12)


def test_penalty_is_deterministic_and_trains_only_d():
    real, fake = _batch()
    fake.requires_grad_(True)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.f = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(),
                                         torch.nn.Linear(8, 1))

        def forward(self, x):
            return self.f(x)
    D = Net()
    pen = LOSSES["wgan_gp"].penalty
    a = pen(D, real, fake, generator=torch.Generator().manual_seed(5))
    b = pen(D, real, fake, generator=torch.Generator().manual_seed(5))
    c = pen(D, real, fake, generator=torch.Generator().manual_seed(6))
    assert a.item() == b.item() != c.item()
    a.backward()
    assert fake.grad is None                      # the penalty never trains G
    assert D.f[0].weight.grad is not None and D.f[2].weight.grad is not None


def test_with_penalty_weight_copies():
    L = LOSSES["ns_r1"]
    M = L.with_penalty_weight(1.0)
    assert M.penalty.weight == M.defaults.penalty_weight == 1.0
    assert L.penalty.weight == L.defaults.penalty_weight == 10.0
    assert M.name == "ns_r1" and M.defaults.lr_d == L.defaults.lr_d
    with pytest.raises(ValueError, match="has no penalty"):
        LOSSES["ns"].with_penalty_weight(1.0)
    with pytest.raises(ValueError, match="weight"):
        L.with_penalty_weight(-1.0)


# --------------------------------------------------------------- optimal discriminators

XS = np.linspace(-14.0, 15.0, 29001)        # step 1e-3; contains every crossing below
PAIRS = [((0.0, 1.0), (1.0, 1.0)), ((0.0, 1.0), (0.5, 1.0))]


def _densities(pq):
    (m1, s1), (m2, s2) = pq
    return st.norm(m1, s1).pdf(XS), st.norm(m2, s2).pdf(XS)


def _optimum_by_quadrature(L, p, q):
    v = L.optimal_d(t64(p), t64(q))
    integrand = t64(p) * L.d_real(v) + t64(q) * L.d_fake(v)
    return float(torch.trapezoid(integrand, t64(XS)))


def _div(name, pq):
    (m1, s1), (m2, s2) = pq
    return gv.divergence(name, f"normal({m1}, {s1})", f"normal({m2}, {s2})").value


def _triangular(pq):
    (m1, s1), (m2, s2) = pq
    P, Q = st.norm(m1, s1), st.norm(m2, s2)
    val, _ = si.quad(lambda x: (P.pdf(x) - Q.pdf(x)) ** 2 / (P.pdf(x) + Q.pdf(x)), -30, 30,
                     points=[0.5], limit=200, epsabs=1e-13)
    return val


# name -> the D loss at the optimal D, from independent quantities
OPTIMA = {
    "minimax": lambda pq: math.log(4) - 2 * _div("js", pq),
    "ns": lambda pq: math.log(4) - 2 * _div("js", pq),
    "ns_r1": lambda pq: math.log(4) - 2 * _div("js", pq),
    "lsgan": lambda pq: 0.25 - _triangular(pq) / 8,
    "hinge": lambda pq: 2 - 2 * _div("tv", pq),
    **{f"fgan_{d}": (lambda pq, d=d: -_div(d, pq)) for d in PAPER},
}


@pytest.mark.parametrize("pq", PAIRS, ids=["N(0,1)|N(1,1)", "N(0,1)|N(0.5,1)"])
@pytest.mark.parametrize("name", list(OPTIMA))
def test_d_loss_at_the_optimal_discriminator(name, pq):
    L = LOSSES[name]
    p, q = _densities(pq)
    got = _optimum_by_quadrature(L, p, q)
    assert got == pytest.approx(OPTIMA[name](pq), abs=1e-6)
    if L.divergence is not None:       # the declared identity says the same
        assert L.optimum_value(_div(L.divergence, pq)) == pytest.approx(got, abs=1e-6)


@pytest.mark.parametrize("div", list(PAPER))
def test_fgan_optimal_output_is_the_registry_critic(div):
    """T(v*) = f'(p/q), the registry's optimal critic (where p/q is moderate)."""
    L = LOSSES[f"fgan_{div}"]
    x = np.linspace(-3, 3, 61) + 0.013
    p, q = st.norm(0, 1).pdf(x), st.norm(1, 1).pdf(x)
    T = L.activation(L.optimal_d(t64(p), t64(q)))
    expected = DIVERGENCES[div].optimal_critic(t64(p / q))
    torch.testing.assert_close(T, expected, rtol=1e-10, atol=1e-12)


def test_optimal_d_takes_numpy_or_torch():
    for name in ("minimax", "lsgan", "hinge", "fgan_tv", "fgan_jeffreys"):
        f = LOSSES[name].optimal_d
        a = f(np.array([0.2, 0.5, 0.0]), np.array([0.4, 0.5, 0.3]))
        b = f(t64([0.2, 0.5, 0.0]), t64([0.4, 0.5, 0.3]))
        assert isinstance(a, np.ndarray) and isinstance(b, torch.Tensor)
        np.testing.assert_allclose(a, b.numpy())
    assert LOSSES["lsgan"].optimal_d(np.array([1e-300]), np.array([1.0]))[0] == \
        pytest.approx(1e-300)
    assert LOSSES["minimax"].optimal_d(np.array([0.0]), np.array([1.0]))[0] == -math.inf
    for name in ("wgan", "wgan_gp", "wgan_lp", "rsgan", "ragan"):
        assert LOSSES[name].optimal_d is None


def test_wgan_critic_at_the_optimal_lipschitz_critic():
    """For N(0,1) vs N(1,1), D(x) = -x is an optimal 1-Lipschitz critic: d_loss = -W1 = -1."""
    p, q = _densities(PAIRS[0])
    L = LOSSES["wgan_gp"]
    x = t64(XS)
    value = float(torch.trapezoid(t64(p) * L.d_real(-x) + t64(q) * L.d_fake(-x), x))
    assert value == pytest.approx(L.optimum_value(_div("w1", PAIRS[0])), abs=1e-8)
