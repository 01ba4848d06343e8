"""Compare GAN losses: K losses on one target, same seed, weights, data and noise.

The settings live in the URL (losses, target, steps, seed, width, depth, batch,
device, preset); the runs and their result live in this session's st.session_state."""

from __future__ import annotations

import streamlit as st

from ganloss_viz.ui import compare_results, present
from ganloss_viz.ui import compare_view as cv
from ganloss_viz.ui import widgets as w

w.sync_url(cv.KEY, cv.read_url, cv.apply)

st.title("Compare losses")
with present.settings("cmp-intro"):
    st.caption("Pick up to eight GAN losses and one target, then press **Compare**: every run "
               "starts from the same weights and sees the same data and noise, and the finished "
               "runs replay side by side, one slider driving them all.")
messages = st.container()

with present.settings("cmp"):
    state = cv.settings_panel()
if state is not None:
    w.write_url(cv.KEY, state.to_query_params())
with messages:
    w.show_url_errors(cv.KEY, state)
    with present.caption():
        cv.preset_info(state)

cv.controls(state)
compare_results.results()
