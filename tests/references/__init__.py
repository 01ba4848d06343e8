"""Independent reference values of the divergences, written with numpy/scipy only.

Nothing here imports `ganloss_viz`: the laws are described by the small `Law` value
type below (which prints the spec strings the library parses) and realised with
`scipy.stats` frozen distributions. The divergences follow the definitions of
DESIGN.md directly:

* 1-D f-divergences: `scipy.integrate.quad` (epsrel=1e-11, limit=500; epsabs=0 except
  a floor of 1e-15 x the total, see `_Acc`) of q f(p/q) written in log space
  (log-densities as in scipy.stats, see `Law1D`), on the region where both densities
  are positive, on intervals split at
  the support ends, at quantiles of both laws (modes, kinks) and at the crossings
  p = q (found with `brentq`); the mutually singular parts follow the Lebesgue
  decomposition D_f = int_{p>0,q>0} q f(p/q) + P(q = 0) lim f(u)/u + Q(p = 0) f(0),
  with Dirac masses as atoms. Infinite values come out as `math.inf`.
* 1-D W1 = int |F_P - F_Q| (split at atoms and at the crossings of F_P - F_Q),
  W2^2 = int_0^1 (F_P^-1(u) - F_Q^-1(u))^2 du, energy = 2 int (F_P - F_Q)^2.
* MMD (Gaussian kernel): closed form for Gaussian mixtures (and Diracs), otherwise
  through characteristic functions, MMD^2 = int |phi_P - phi_Q|^2 w(t) dt where
  w(t) = l/sqrt(2 pi) exp(-l^2 t^2/2) is the kernel's spectral density (Bochner).
* Closed forms from the literature for Gaussians (1-D and 2-D) and a few others.
* 2-D: closed forms, product rules, the definitions for the singular "parallel
  lines" (E h(Y - Y') by quad over the trapezoidal density of Y - Y'), TV between
  Gaussians by an exact inner integral (conditional normal laws) and an outer quad,
  and otherwise adaptive vectorised 2-D Gauss-Kronrod (`scipy.integrate.cubature`;
  cross-checked against `dblquad` with scipy.stats.multivariate_normal densities,
  which is 50-100x slower).

Every numerical value checks its own quadrature error estimate; an integral that
overflows or does not converge raises `DivergentIntegral` (a divergence that is
infinite because of the tails is stated as inf in the test tables, with the reason).

One module per topic: `laws`, `numerics`, `measures`, `fdivs_1d`, `transport_1d`,
`mmd`, `closed_1d`, `one_d`, `closed_2d`, `plane`, `dispatch`."""

from .closed_1d import cauchy_kl, gaussian_closed_1d  # noqa: F401
from .closed_2d import gaussian_closed_2d, mmd_closed_2d  # noqa: F401
from .dispatch import reference, reference_2d  # noqa: F401
from .fdivs_1d import (  # noqa: F401
    F_DIVERGENCES,
    bhattacharyya_1d,
    f_divergence_1d,
    f_terms,
    power_integral_1d,
    renyi_1d,
)
from .laws import (  # noqa: F401
    INF,
    KEYWORD_FAMILIES,
    LN2,
    PARAMS,
    QUAD,
    TWO_D,
    Law,
    beta,
    cauchy,
    dirac,
    exponential,
    gamma,
    grid,
    gumbel,
    laplace,
    logistic,
    lognormal,
    mixture,
    mvnormal,
    normal,
    product,
    ring,
    student_t,
    uniform,
)
from .measures import Law1D, Measure1, frozen, measure1  # noqa: F401
from .mmd import char_fn, kernel_mean_1d, mmd_1d, mmd_cf_1d, mmd_closed_1d  # noqa: F401
from .numerics import DivergentIntegral  # noqa: F401
from .one_d import reference_1d  # noqa: F401
from .plane import Density2, f_divergence_2d  # noqa: F401
from .transport_1d import S_MAX, energy_1d, quantile_cost, w1_1d, w2_1d  # noqa: F401
