"""Studies: which loss is reliable, over seeds and settings.

Shows a study's results (the shipped one, an uploaded file, or a small study run here):
success rates with Wilson intervals, time to coverage and final W1 per loss, and how
much each loss depends on its settings. The filters live in the URL (source, losses,
targets, lr, score); uploaded and page-run results in this session's st.session_state.
"""

from __future__ import annotations

import streamlit as st

from ganloss_viz.ui import present
from ganloss_viz.ui import study_view as sv
from ganloss_viz.ui import widgets as w

w.sync_url(sv.KEY, sv.read_url, sv.apply)

st.title("Studies: which loss is reliable?")
with present.settings("st-intro"):
    st.markdown("Many short runs of every loss over targets, seeds and learning rates: how "
                "often each loss covers every mode, how fast, how close it gets, and how much "
                "it depends on tuning. Run larger studies with `python -m ganloss_viz study` "
                "(on Ray) and load their results here.")

with present.settings("st-load"), st.expander("Load a results file or run a small study",
                                               icon=":material/upload_file:"):
    sv.upload_panel()
    sv.run_panel()

label, rows, decl = sv.pick_rows()
if not rows:
    st.info("This study has no runs yet.", icon=":material/hourglass_empty:")
else:
    with present.settings("st"):
        state = sv.filters(rows)
    w.write_url(sv.KEY, state.to_query_params())
    w.show_url_errors(sv.KEY, state)
    with present.caption():
        sv.preset_info(state)
    st.caption(sv.describe(label, rows, decl))
    sv.figures(rows, state)
