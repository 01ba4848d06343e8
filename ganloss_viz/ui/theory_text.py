r"""The Theory page's prose and formulas (Markdown with $...$, and LaTeX for st.latex).

Statements only: every number the page shows beside them comes from the library
(`ganloss_viz.ui.theory_view`). P is the data, Q the model, p and q their densities,
logarithms natural (nats).
"""

CONTENTS = (
    "**Contents** · [1 f-divergences](#f-divergences) · [2 KL](#kl) · [3 JS](#js) · "
    "[4 cross-entropy](#bce) · [5 disjoint supports](#disjoint) · [6 the tables](#tables) · "
    "[7 vanishing gradients](#vanishing)")

# --- 1. the f-divergence family --------------------------------------------------------

FDIV_INTRO = (
    "The divergences that a GAN's discriminator measures at its optimum belong, the "
    "Wasserstein distance aside, to one family. Pick a convex $f$ on $(0, \\infty)$ with "
    "$f(1) = 0$; then")
FDIV_DEFINITION = (r"\begin{aligned}D_f(P\,\|\,Q) &= \int q(x)\, f\!\left(\frac{p(x)}{q(x)}"
                   r"\right) dx \\ &= \mathbb{E}_{x \sim Q}\!\left[f\!\left(\frac{p(x)}{q(x)}"
                   r"\right)\right]\end{aligned}")
FDIV_JENSEN = (
    "It is never negative: when $P$ puts no mass where $q = 0$, Jensen's inequality for "
    "the convex $f$ gives $D_f(P\\|Q) \\ge f\\big(\\mathbb{E}_Q[p/q]\\big) = f(1) = 0$, with "
    "equality only at $P = Q$ when $f$ is strictly convex at 1. Where the supports "
    "differ, the Lebesgue decomposition adds the mass that each law puts where the "
    "other has none:")
FDIV_LEBESGUE = (r"\begin{gathered}D_f(P\|Q) = \int_{p > 0,\; q > 0} q\, "
                 r"f\!\left(\tfrac{p}{q}\right) dx \\ \;+\; P(q = 0)\, f'(\infty) \;+\; "
                 r"Q(p = 0)\, f(0), \\ f'(\infty) = \lim_{u \to \infty} \frac{f(u)}{u}"
                 r"\end{gathered}")
FDIV_CONVENTIONS = (
    "**Conventions.** Natural logarithms (nats). Squared Hellinger and total variation "
    "carry a ½, so both lie in [0, 1]; JS carries a ½, so it lies in [0, ln 2]. `gan` = "
    "2·JS − ln 4 is the minimax game's value: its $f$ has $f(1) = -\\ln 4$, a constant "
    "shift of a divergence. Each $f$, its conjugate $f^*$, the f-GAN output activation "
    "and the optimal critic are registered once, and the table of section 6 is rendered "
    "from that registry.")
FDIV_LIVE = (
    "**From the registry** (live): each generator $f$ evaluated at $u = 1$, and its "
    "Lebesgue constants. For disjoint supports only their sum $f(0) + f'(\\infty)$ is "
    "left; the last column is the engine's value for uniform(0, 1) against uniform(2, 3).")

# --- 2. KL ------------------------------------------------------------------------------

KL_DEFINITION = (r"\begin{aligned}\mathrm{KL}(P\|Q) &= \int p(x) \log\frac{p(x)}{q(x)}\,dx "
                 r"\\ &= \mathbb{E}_{P}\!\left[\log\frac{p}{q}\right], \\ f(u) &= u \log u"
                 r"\end{aligned}")
KL_GIBBS = ("**Non-negative, and zero only at P = Q** (Gibbs' inequality): $-\\log$ is "
            "strictly convex, so by Jensen's inequality")
KL_JENSEN = (r"\begin{aligned}\mathrm{KL}(P\|Q) &= \mathbb{E}_P\!\left[-\log\frac{q}{p}"
             r"\right] \\ &\ge -\log \mathbb{E}_P\!\left[\frac{q}{p}\right] \\ &= -\log "
             r"\int_{p > 0} q\,dx \\ &\ge -\log 1 = 0,\end{aligned}")
KL_ASYMMETRY = (
    "with equality only when $q/p$ is constant on P's support and $Q$ has no mass "
    "outside it, that is when $P = Q$.\n\n"
    "**Asymmetric.** The log-ratio is averaged under $P$ in KL(P‖Q) and under $Q$ in "
    "KL(Q‖P). KL(P‖Q) is large where $P$ has mass that $Q$ misses (infinite if $q = 0$ "
    "there), so a $Q$ fitted to it *covers* every mode of $P$; KL(Q‖P) is large where $Q$ "
    "puts mass that $P$ lacks, so a $Q$ fitted to it *seeks* one mode "
    "([see it in the explorer](/explorer?preset=mode-seeking)). Equal values are the "
    "exception (two normals of equal scale, for instance).")

KL_EQUAL = ("Equal both ways for this pair: a special case (two normals of equal scale are "
            "one). The preset *KL is asymmetric* (a narrow P, a wide Q) shows the "
            "rule.")

# --- 3. JS ------------------------------------------------------------------------------

JS_DEFINITION = (r"\begin{aligned}\mathrm{JS}(P\|Q) &= \tfrac12\,\mathrm{KL}(P\|M) + "
                 r"\tfrac12\,\mathrm{KL}(Q\|M), \\ M &= \tfrac12 (P + Q)\end{aligned}")
JS_BOUNDS = (
    "**Symmetric**: swapping $P$ and $Q$ swaps the two terms and leaves $M$ alone. "
    "**Bounded**: $p/m = 2p/(p + q) \\le 2$, so each KL is at most ln 2 and "
    "JS ∈ [0, ln 2] in nats; it is [0, 1] **only in bits** (logarithms to base 2). The "
    "ceiling ln 2 is reached exactly when the supports are disjoint. With "
    "$D^*(x) = p/(p + q)$, the optimal discriminator, and $H_b$ the binary entropy:")
JS_MIXTURE = (r"\begin{aligned}\mathrm{JS}(P\|Q) &= \ln 2 - \mathbb{E}_{x \sim M}\big["
              r"H_b(D^*(x))\big], \\ H_b(y) &= -y \ln y - (1 - y) \ln(1 - y)\end{aligned}")

# --- 4. cross-entropy -------------------------------------------------------------------

CROSS_ENTROPY = (r"\begin{aligned}H(p, q) &= -\mathbb{E}_{p}[\log q] \\ &= "
                 r"\underbrace{-\mathbb{E}_{p}[\log p]}_{H(p)} + "
                 r"\underbrace{\mathbb{E}_{p}\!\left[\log \tfrac{p}{q}\right]}"
                 r"_{\mathrm{KL}(p\|q)}\end{aligned}")
BCE_POINT_MASS = (
    "A discriminator's output $D \\in (0, 1)$ is a Bernoulli law on the labels {0, 1}, "
    "and its binary cross-entropy against a label $y$, "
    "$\\mathrm{BCE}(y, D) = -y \\log D - (1 - y) \\log(1 - D)$, is the cross-entropy of "
    "Bernoulli($y$) and Bernoulli($D$). **With the target $y = 1$ the label is a point "
    "mass at 1, whose entropy is zero**, so $\\mathrm{BCE}(1, D) = -\\log D$ is *exactly* "
    "$\\mathrm{KL}(\\delta_1 \\| \\mathrm{Bernoulli}(D))$. That is the only reason the two "
    "coincide.")
BCE_CORRECTION = (
    "**A correction to the note this project grew from.** It said that cross-entropy "
    "equals KL because “$H(p) = 0$, since the data distribution is known”. Knowing a "
    "distribution does not make its entropy zero: a known fair coin has entropy ln 2 "
    "(the row $y = 0.5$), a known N(0, 1) has differential entropy $\\tfrac12 \\ln(2\\pi e)$, "
    "and a narrow density has a negative one. What is true: $H(p)$ does not depend on "
    "the model $q$, so minimising the cross-entropy and minimising KL over $q$ have the "
    "same minimiser, while their values differ by $H(p)$, a constant for the generator. "
    "Label smoothing ($y = 0.9$) shows it: BCE exceeds KL by $H_b(0.9)$.")
BCE_GAN = (
    "**In the GAN.** $D^*(x) = p/(p + q)$ is the probability that a point $x$ of the "
    "mixture $M$ is real: the labels are soft wherever $P$ and $Q$ overlap. The minimax "
    "discriminator loss is twice the mixture's average BCE against those labels, so at "
    "its optimum the KL part vanishes and the labels' entropy is left, zero only where "
    "$P$ and $Q$ do not overlap:")
BCE_GAN_FORMULA = (r"\begin{aligned}&\mathbb{E}_P[-\log D] + \mathbb{E}_Q[-\log(1 - D)] \\ "
                   r"&= 2\,\mathbb{E}_{M}\Big[H_b(D^*) + \mathrm{KL}\big("
                   r"\mathrm{Bern}(D^*) \,\|\, \mathrm{Bern}(D)\big)\Big] \\ "
                   r"&\ge 2\,\mathbb{E}_M[H_b(D^*)] = \ln 4 - 2\,\mathrm{JS}(P\|Q)"
                   r"\end{aligned}")
BCE_TABLE_CAPTION = (
    "**Worked example** (live): BCE from the minimax loss's per-sample terms at the raw "
    "output logit($D$), $H$ from its closed form, KL from the divergence engine "
    "(Bernoulli laws as atoms at 0 and 1). With $y = 1$ the entropy is 0 and BCE = KL; "
    "with a soft label it is not.")

# --- 5. disjoint supports -----------------------------------------------------------------

DISJOINT = (
    "If $P$ and $Q$ have disjoint supports, at every point one of $p$, $q$ is zero. On "
    "P's support $m = p/2$, so $\\log(p/m) = \\ln 2$ there, and likewise on Q's:")
DISJOINT_FORMULA = (r"\begin{aligned}\mathrm{JS}(P\|Q) &= \tfrac12\,\mathbb{E}_P\!\left["
                    r"\log\frac{p}{p/2}\right] \\ &\quad + \tfrac12\,\mathbb{E}_Q\!\left["
                    r"\log\frac{q}{q/2}\right] = \ln 2\end{aligned}")
DISJOINT_LINKS = (
    "whatever the distance between the supports. Move $Q$ a little and the supports stay "
    "disjoint, so JS stays ln 2: **its gradient in Q's parameters is exactly 0**, and the "
    "optimal discriminator ($D^* = 1$ on P, 0 on Q) is perfect. A generator trained "
    "through JS gets no signal. The same holds for laws on low-dimensional manifolds "
    "that do not meet, which Arjovsky & Bottou (2017) argue is the usual case for images. "
    "The Wasserstein distance W1 keeps growing with the gap, with slope 1.\n\n"
    "In the explorer: [JS saturates](/explorer?preset=js-vanishing) · "
    "[parallel lines (WGAN paper)](/explorer?preset=parallel-lines) · "
    "[two point masses](/explorer?preset=dirac).")
DISJOINT_LIVE = (
    "**Live** (divergence engine, gradients by autograd): JS and W1, and their "
    "derivatives as $Q$ slides right by θ, for two disjoint pairs and for your $P$ and $Q$ "
    "(last row).")

# --- 6. the tables --------------------------------------------------------------------------

FDIV_TABLE_INTRO = (
    "**f-divergences.** Each row is read from the divergence registry: the generator "
    "$f(u)$, its convex conjugate $f^*(t) = \\sup_u\\, \\big(tu - f(u)\\big)$ with its "
    "domain, the f-GAN output activation $g_f$ that maps the raw output $v$ into that "
    "domain (Nowozin et al. 2016, rescaled where our $f$ is a multiple of theirs), the "
    "optimal critic $T^*(u) = f'(u)$ at $u = p/q$, and the range. The last column is the "
    "engine's value for your $P$ and $Q$ (the α-divergence at α = {alpha}).")
LOSS_TABLE_INTRO = (
    "**GAN losses.** Each row is read from the loss registry: what the generator "
    "minimises when D is optimal, the registry divergence that the D loss measures at its "
    "optimum, and that identity. The last three columns check the identity live for your "
    "$P$ and $Q$: the D loss integrated at the optimal D from the loss's own per-sample "
    "terms, the identity's right-hand side from the divergence engine, and their "
    "difference. Penalties (GP, LP, R1) and weight clipping are left out of the optimum; "
    "the relativistic losses have no pointwise optimal D.")

# --- 7. vanishing gradients ------------------------------------------------------------------

VANISHING = (
    "$P = N(0, 1)$ is the data, $Q = N(\\theta, 1)$ the generator, and $D$ the optimal "
    "discriminator $D^* = p/(p + q)$ for the current θ.\n\n"
    "The **saturating** generator loss $\\mathbb{E}_Q[\\log(1 - D^*)]$ has gradient "
    "$2\\,\\partial_\\theta \\mathrm{JS}(P\\|Q)$, which dies as $P$ and $Q$ separate and JS "
    "flattens at ln 2; Arjovsky & Bottou (2017, Theorem 2.4) bound it by a multiple of "
    "ε/(1 − ε) for any D within ε of a perfect one.\n\n"
    "The **non-saturating** loss $-\\mathbb{E}_Q[\\log D^*]$ keeps its gradient, and that "
    "gradient is exactly $\\partial_\\theta\\big[\\mathrm{KL}(Q\\|P) - "
    "2\\,\\mathrm{JS}(P\\|Q)\\big]$ (their Theorem 2.5; computed separately by the "
    "divergence engine, it lies on the same curve). It does not vanish, but it follows a "
    "reverse KL (mode seeking) minus a JS term that pushes the wrong way, and with a "
    "noisy D its updates are unstable (their Theorem 2.6).\n\n"
    "In the explorer: [vanishing gradients at D*](/explorer?preset=vanishing-gradient), "
    "with the optimal discriminator drawn over the densities.")
