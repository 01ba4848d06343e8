"""Plotly figure builders: plain numpy data in, `go.Figure` out.

Pure functions, no Streamlit and no torch: the pages compute the data with the
library and hand arrays to these builders, and the tests check the traces directly.
P is drawn in blue and Q in orange on every figure; the chosen divergence in purple.
One module per family of figures:

* `densities`: P and Q on the line or in the plane, and the integrand of D;
* `sweep`: D and ∂D/∂θ along one parameter, other divergences overlaid;
* `landscape`: D over two parameters, arrows of −∇D, the path of a fit;
* `fit`: the animation of Q descending D(P ‖ Q).
"""

from .densities import density_1d, density_2d, integrand_1d, integrand_2d
from .fit import Track, fit_animation_1d, fit_animation_2d
from .landscape import landscape
from .style import COMPARE_COLORS, INTEGRAND_COLOR, P_COLOR, Q_COLOR, chart_config
from .sweep import Curve, sweep

__all__ = [
    "COMPARE_COLORS", "INTEGRAND_COLOR", "P_COLOR", "Q_COLOR", "Curve", "chart_config",
    "density_1d",
    "density_2d", "fit_animation_1d", "fit_animation_2d", "integrand_1d",
    "integrand_2d", "landscape", "sweep", "Track",
]
