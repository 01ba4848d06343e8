"""Dirac-GAN: why some GAN training methods converge and others circle (Mescheder et al. 2018).

The settings live in the URL (method, gamma, sigma, clip, g0, theta0, psi0, h, steps, vs,
preset); every number comes from ganloss_viz.dirac."""

from __future__ import annotations

import streamlit as st

from ganloss_viz.ui import dirac_view as dv
from ganloss_viz.ui import present
from ganloss_viz.ui import widgets as w

w.sync_url(dv.KEY, dv.read_url, dv.apply)

st.title("Dirac-GAN: which training methods converge?")
with present.settings("dr-intro"):
    st.markdown("The simplest GAN: the data are a point at 0, the generator a point at θ, the "
                "discriminator D(x) = ψ·x. The equilibrium is (θ, ψ) = (0, 0). Watch gradient "
                "descent circle it, spiral out, or spiral in, and read why from the eigenvalues.")
messages = st.container()

with present.settings("dr"):
    state = dv.settings_panel()
w.write_url(dv.KEY, state.to_query_params())
with messages:
    w.show_url_errors(dv.KEY, state)
    with present.caption():
        dv.preset_info(state)

dv.results(state)
