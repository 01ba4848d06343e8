"""Named explorer states for talks: each opens the section that tells its story.

A preset is a URL state (``?preset=<name>``) with a title for the sidebar and a
one-line caption that the page shows above the view. Its `settings` are the
explorer-state fields beyond P, Q and the divergence: the section to open (`view`)
and what that section needs (the swept parameter and its range, the divergences to
compare with, the landscape's axes, the fit's steps, the loss of the optimal D).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BIMODAL = "mixture(components=[normal(-2, 0.5), normal(2, 0.5)], weights=[0.5, 0.5])"


@dataclass(frozen=True)
class Preset:
    """A named explorer state: P, Q, the divergence, other settings, and a caption."""

    name: str
    title: str
    p: str
    q: str
    div: str
    caption: str
    settings: tuple[tuple[str, Any], ...] = ()


PRESETS: dict[str, Preset] = {pr.name: pr for pr in (
    Preset("js-vanishing", "JS saturates: vanishing gradient",
           "normal(0, 1)", "normal(6, 1)", "js",
           "Slide Q away from P: JS climbs to ln 2 ≈ 0.693147 and its gradient dies, so the "
           "original GAN's generator stops learning, while W1 keeps a slope of ±1.",
           (("view", "sweep"), ("sweep", "q.loc"), ("range", (-10.0, 10.0)),
            ("vs", ("w1",)))),
    Preset("parallel-lines", "Parallel lines (WGAN paper)",
           "product(dirac(0), uniform(0, 1))",
           "product(dirac(1), uniform(0, 1))", "w1",
           "The WGAN paper's Figure 1: P is the segment {0}×[0, 1], Q the segment {θ}×[0, 1]. "
           "W1 = |θ| has a useful gradient everywhere; JS is ln 2 except at θ = 0.",
           (("view", "sweep"), ("sweep", "q.x.loc"), ("range", (-1.0, 1.0)),
            ("vs", ("js",)))),
    Preset("mode-seeking", "Mode covering vs mode seeking",
           BIMODAL, "normal(0.5, 1)", "kl",
           "Fit one Gaussian Q to two modes: minimising KL(P‖Q) stretches Q over both "
           "(mode covering); minimising the reverse KL(Q‖P) settles on one (mode seeking).",
           (("view", "fit"), ("vs", ("reverse_kl",)), ("steps", 200), ("lr", 0.05))),
    Preset("disjoint-kl", "Disjoint supports: KL = ∞",
           "uniform(0, 1)", "uniform(2, 3)", "kl",
           "KL is infinite, JS is ln 2 and TV is 1 whatever the gap between the supports; "
           "only the transport distances (W1, W2) see how far apart they are.",
           (("view", "value"),)),
    Preset("dirac", "Two point masses",
           "dirac(0)", "dirac(3)", "js",
           "JS is exactly ln 2 with a zero gradient, however close the two atoms are; "
           "W1 is their distance.",
           (("view", "value"),)),
    Preset("heavy-tails", "Heavy tails: Cauchy vs normal",
           "cauchy(0, 1)", "normal(0, 1)", "kl",
           "KL(Cauchy ‖ Normal) is infinite: far out, the integrand p·log(p/q) levels off "
           "at 1/(2π) instead of vanishing. The reverse KL is finite.",
           (("view", "value"),)),
    Preset("correlated-2d", "Correlated 2-D Gaussians",
           "mvnormal(loc=[0, 0], cov=[[1, 0.8], [0.8, 1]])",
           "mvnormal(loc=[0, 0], cov=[[1, -0.8], [-0.8, 1]])", "hellinger",
           "Same marginals, opposite correlations: every 1-D marginal agrees, yet the "
           "joint laws are far apart (squared Hellinger 0.4, KL 3.56).",
           (("view", "value"),)),
    Preset("js-landscape", "JS landscape: a plateau",
           "normal(0, 1)", "normal(4, 0.5)", "js",
           "JS over Q's location and scale: a basin around P, a plateau near ln 2 around it "
           "where the arrows of −∇JS all but vanish, and the slow path of a direct fit.",
           (("view", "landscape"), ("lx", "q.loc"), ("ly", "q.scale"),
            ("xrange", (-6.0, 6.0)), ("yrange", (0.2, 4.0)), ("steps", 300), ("lr", 0.1))),
    Preset("vanishing-gradient", "Vanishing gradients at D*",
           "normal(0, 1)", "normal(3, 1)", "js",
           "At the optimal discriminator the saturating generator's gradient dies as Q "
           "moves away from P; the non-saturating one grows like ∇[KL(Q‖P) − 2·JS].",
           (("view", "optimal"), ("loss", "minimax"))),
)}
