"""Theory: the divergences behind GAN losses, stated correctly, each claim checked live by
the library for the pair P, Q chosen on the page (in the URL: p, q, preset)."""

from __future__ import annotations

import streamlit as st

from ganloss_viz.ui import present
from ganloss_viz.ui import theory_view as tv
from ganloss_viz.ui import widgets as w

w.sync_url(tv.KEY, tv.read_url, tv.apply)

st.title("Theory: the divergences behind GAN losses")
with present.settings("th-intro"):
    st.markdown("The note this project grew from, stated correctly. Each claim sits beside "
                "the library's numbers for the pair below: :blue[**P**], the data, and "
                ":orange[**Q**], the model. Change either and every number follows.")
messages = st.container()

with present.settings("th"):
    state = tv.pair_panel()
w.write_url(tv.KEY, state.to_query_params())
with messages:
    w.show_url_errors(tv.KEY, state)
    with present.caption():
        tv.preset_info(state)

tv.render(state)
