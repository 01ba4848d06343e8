"""Talk: an ordered deck of the app's views, played as slides in presentation mode.

The deck and the slide live in the URL (deck, slide): a deck is a shipped deck's name
or comma-separated presets and app links (ganloss_viz.state.talk)."""

from __future__ import annotations

import streamlit as st

from ganloss_viz.ui import present
from ganloss_viz.ui import talk_view as tk
from ganloss_viz.ui import widgets as w

w.sync_url(tk.KEY, tk.read_url, tk.apply)

with present.settings("tk"):
    st.title("Talk")
    st.markdown("Play views of the app as slides: each slide is a page in presentation "
                "mode. Share the address to share the talk.")
    tk.picker()
messages = st.container()

state = tk.state()
deck, error = tk.slides(state)
state = tk.render(state, deck, error)
w.write_url(tk.KEY, state.to_query_params())
with messages:
    w.show_url_errors(tk.KEY, state)
