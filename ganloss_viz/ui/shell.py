"""The app's frame: its pages, the shared sidebar, and the entry-script guard.

app.py builds `st.navigation(app_pages())`, draws `sidebar()` and runs the page. The
pages live in ``app_pages/``, not ``pages/``: a ``pages/`` folder would switch
Streamlit into its older directory-based mode, where a deep link opened first runs
the page without app.py.
"""

from __future__ import annotations

import streamlit as st

from ganloss_viz.state import PRESETS
from ganloss_viz.state.train import TRAIN_PRESETS

ICON = ":material/ssid_chart:"
EXPLORER = dict(page="app_pages/explorer.py", title="Divergence explorer", icon=ICON,
                url_path="explorer")
TRAIN = dict(page="app_pages/train.py", title="Train a GAN", icon=":material/model_training:",
             url_path="train")


def _landing() -> None:
    """The root URL forwards to /explorer, keeping its query string.

    Streamlit serves a ``default=True`` page at the root URL only, so a shared
    ``/explorer?...`` link would not resolve if the explorer were the default page;
    this hidden default page forwards to it instead.
    """
    st.switch_page(explorer_page(), query_params=st.query_params.to_dict())


def explorer_page() -> st.Page:
    return st.Page(**EXPLORER)


def train_page() -> st.Page:
    return st.Page(**TRAIN)


def app_pages() -> list[st.Page]:
    """Every page of the app, for `st.navigation`: the explorer is where the app opens."""
    landing = st.Page(_landing, title="ganloss-viz", url_path="home", default=True,
                      visibility="hidden")
    return [landing, explorer_page(), train_page()]


# Larger section tabs: they are what a speaker clicks on a projected page.
STYLE = """<style>
[data-testid="stTab"] p { font-size: 1.2rem; font-weight: 600; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
</style>"""


def style() -> None:
    """A few CSS rules for projectors (drawn once per run, invisible)."""
    st.html(STYLE)


def sidebar() -> None:
    """What the app is, and the presets for talks (links that reproduce a view)."""
    with st.sidebar:
        st.markdown(
            "**ganloss-viz** explores the losses of generative adversarial networks and "
            "the divergences behind them, exactly: pick two distributions and a "
            "divergence to see its value (closed form, quadrature or Monte Carlo with an "
            "error bar), its gradient and the densities. Every view is a URL you can share."
        )
        st.markdown("**Presets for talks**")
        for preset in PRESETS.values():
            st.page_link(explorer_page(), label=preset.title, icon=":material/slideshow:",
                         query_params={"preset": preset.name}, help=preset.caption)
        st.markdown("**Training runs**")
        for preset in TRAIN_PRESETS.values():
            st.page_link(train_page(), label=preset.title, icon=":material/model_training:",
                         query_params={"preset": preset.name}, help=preset.caption)
