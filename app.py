"""ganloss-viz: the Streamlit entry point (page config, navigation, shared sidebar).

Run with ``streamlit run app.py``. The pages live in ``app_pages/`` (listed in
`ganloss_viz.ui.shell.app_pages`); the root URL opens the divergence explorer at
``/explorer``. torch and the engine are imported by the pages, when they run; the
shared sidebar is drawn after the page.
"""

from __future__ import annotations

import os

# One math thread per process: hosts are shared (1-2 cores, several sessions), and
# two threads fighting over one core run far slower than one. Read when torch loads.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import streamlit as st  # noqa: E402

from ganloss_viz.ui import allocator, expiry, shell  # noqa: E402

allocator.limit_arenas()     # once per process, from the first visit on
expiry.tend()                # expired sessions' downloads released
st.set_page_config(layout="wide", page_title="ganloss-viz", page_icon=shell.ICON)
page = st.navigation(shell.app_pages())
shell.style()
with shell.charts_preloaded(page.url_path):   # before the imports: Plotly's script loads meanwhile
    shell.import_library(page.url_path)
    page.run()
# The sidebar's presets come after the page: on a cold start the browser then draws the
# page's first chart before some thirty preset links (benchmarks/cold_start.py: ~0.5 s).
# Pages end their runs normally (no st.stop), so that the sidebar is always drawn.
shell.sidebar(page.url_path)
