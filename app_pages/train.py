"""Train a GAN: pick a loss and a target; play, pause, step and steer the run; replay it.

The settings live in the URL (loss, target, steps, seed, width, depth, batch, lr,
device, preset); the run and its result live in this session's st.session_state."""

from __future__ import annotations

import streamlit as st

from ganloss_viz.ui import present
from ganloss_viz.ui import train_settings as ts
from ganloss_viz.ui import train_view as tv
from ganloss_viz.ui import widgets as w

w.sync_url(ts.KEY, ts.read_url, ts.apply)

st.title("Train a GAN")
messages = st.container()

with present.settings("tr"):
    state = ts.settings_panel()
w.write_url(ts.KEY, state.to_query_params())
with messages:
    w.show_url_errors(ts.KEY, state)
    with present.caption():
        ts.preset_info(state)

tv.instrument(state, ts.settings_more)
