"""The app's frame: its pages, the shared sidebar, and the entry-script guard.

app.py builds `st.navigation(app_pages())`, runs the page, then draws `sidebar()`. The
pages live in ``app_pages/``, not ``pages/``: a ``pages/`` folder would switch
Streamlit into its older directory-based mode, where a deep link opened first runs
the page without app.py. Adding a page is one entry in `PAGES` (and, if it has
presets for talks, one entry in `preset_groups`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from ganloss_viz.ui import present

ICON = ":material/ssid_chart:"
_LIBRARY_LOCK = threading.Lock()

PAGES: dict[str, dict[str, str]] = {
    "explorer": dict(page="app_pages/explorer.py", title="Divergence explorer", icon=ICON),
    "train": dict(page="app_pages/train.py", title="Train a GAN",
                  icon=":material/model_training:"),
    "compare": dict(page="app_pages/compare.py", title="Compare losses",
                    icon=":material/compare:"),
    "theory": dict(page="app_pages/theory.py", title="Theory", icon=":material/menu_book:"),
    "dirac": dict(page="app_pages/dirac.py", title="Dirac-GAN", icon=":material/cyclone:"),
    "study": dict(page="app_pages/study.py", title="Studies", icon=":material/query_stats:"),
    "talk": dict(page="app_pages/talk.py", title="Talk (slides)", icon=":material/slideshow:"),
}
"""Every page by its URL path, in the navigation's order (the explorer opens the app)."""


def import_library(url_path: str) -> None:
    """Import the library's registries (divergences, and the losses they import) one
    thread at a time, before a page that imports them at its top (the explorer, Train,
    Compare; the others import them late or never, and keep their fast first paint).
    Each session runs its page in its own thread: on a cold server, two first visits at
    once would import them in two threads, and Python hands one of them a half-built
    module (its f-GAN losses then find no f-divergence and the page fails). After the
    first visit this is a lookup in sys.modules."""
    if url_path in ("explorer", "train", "compare"):
        with _LIBRARY_LOCK:
            import ganloss_viz.divergences  # noqa: F401


def page(name: str) -> st.Page:
    """The st.Page of `PAGES[name]`, served at /<name>."""
    return st.Page(**PAGES[name], url_path=name)


def _landing() -> None:
    """The root URL forwards to /explorer, keeping its query string.

    Streamlit serves a ``default=True`` page at the root URL only: with the explorer as
    the default page, a shared ``/explorer?...`` link draws the explorer under a "Page
    not found" dialog (Streamlit 1.67, checked in Chromium); this hidden default page
    forwards to it instead.
    """
    st.switch_page(page("explorer"), query_params=st.query_params.to_dict())


def app_pages() -> list[st.Page]:
    """Every page of the app, for `st.navigation`: the explorer is where the app opens."""
    landing = st.Page(_landing, title="ganloss-viz", url_path="home", default=True,
                      visibility="hidden")
    return [landing, *(page(name) for name in PAGES)]


def preset_groups() -> list[tuple[str, str, dict]]:
    """(sidebar heading, page name, presets by name) for every page that has presets.

    A preset has `name`, `title` and `caption`; its link is /<page>?preset=<name>.
    Imported here, when the sidebar is drawn, so that no page's state module loads
    before it is needed.
    """
    from ganloss_viz.state import PRESETS
    from ganloss_viz.state.compare import COMPARE_PRESETS
    from ganloss_viz.state.dirac import DIRAC_PRESETS
    from ganloss_viz.state.theory import THEORY_PRESETS
    from ganloss_viz.state.train import TRAIN_PRESETS

    return [
        ("Presets for talks", "explorer", PRESETS),
        ("Training runs", "train", TRAIN_PRESETS),
        ("Losses side by side", "compare", COMPARE_PRESETS),
        ("Theory, live", "theory", THEORY_PRESETS),
        ("Dirac-GAN", "dirac", DIRAC_PRESETS),
    ]


# Larger section tabs: they are what a speaker clicks on a projected page. Page links
# (preset titles in the sidebar, the talk page's decks), metric labels, the tags of a
# multiselect ("Wasserstein-1 (earth mover'…") and table cells wrap instead of being cut
# or running off the page. A metric value is neither cut (a Pearson χ² of 3.99535e287
# read "3.9953…" at 1280 px) nor wrapped (the browser broke "±5.6e-12" after its "e-"):
# the pages give their tiles the room (tests/test_browser_layout.py checks that they
# fit). Nor does a number in the right-aligned (numeric) columns of the explorer's
# tables wrap: the table of every divergence broke "±1.5e-11" after its "e-" (Theory's
# table of losses needs those breaks: without them it ran 160 px past the page; the
# layout test checks that none of its numbers is split). A long parameter name in the
# explorer's gradient table (q.components.1.scale) breaks where it must. On a phone an
# equation, a table or Compare's grid of panels (whose titles need some 180 px each)
# wider than its column scrolls sideways instead of being cut (not on wider screens,
# where KaTeX's 2-pixel overhang would show a scrollbar under every equation).
STYLE = """<style>
[data-testid="stTab"] p { font-size: 1.2rem; font-weight: 600; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {
  min-width: 0; max-width: 100%; white-space: nowrap !important; overflow: visible;
  text-overflow: clip; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] { height: auto; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] > span {
  white-space: normal; overflow: visible; text-overflow: clip; }
.st-key-gradient-table td[style*="right"], .st-key-every-divergence td[style*="right"] {
  white-space: nowrap; }
.st-key-gradient-table td:first-child { overflow-wrap: anywhere; }
[data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible;
  text-overflow: clip; }
[data-testid="stPageLink-NavLink"] * { white-space: normal; overflow: visible;
  text-overflow: clip; }
@media (max-width: 640px) {
  .katex-display { overflow-x: auto; overflow-y: hidden; }
  .st-key-compare-grid { overflow-x: auto; }
  .st-key-compare-grid [data-testid="stElementContainer"] { min-width: 720px; }
  [data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
}
</style>"""


def style() -> None:
    """A few CSS rules for projectors (drawn once per run, invisible), and presentation
    mode's when the URL has ``present=1`` (`ganloss_viz.ui.present`)."""
    st.html(STYLE)
    present.style()


@contextmanager
def charts_preloaded(url_path: str) -> Iterator[None]:
    """Run the page with, on a session's first page run, a blank 10-pixel Plotly chart
    in the sidebar, removed when the page has drawn. The browser loads
    Plotly's script (a lazily loaded chunk of several MB) when it first meets a chart;
    meeting this one first, it loads and compiles it while the page imports torch,
    instead of after (benchmarks/cold_start.py: about 20% sooner to the first chart).

    Not on the hidden landing page (`url_path` ""), whose run forwards at once: the
    forward could clear its chart before the browser drew it (Plotly's script then
    loaded only with the page's first chart, 1-2 s later, in some starts); the page it
    forwards to draws it before its imports (cold_start.py: 0.2-0.5 s sooner)."""
    if not url_path or st.session_state.get("_charts_preloaded"):
        yield
        return
    st.session_state["_charts_preloaded"] = True
    import plotly.graph_objects as go

    blank = go.Figure(layout=dict(height=10, margin=dict(l=0, r=0, t=0, b=0),
                                  xaxis_visible=False, yaxis_visible=False,
                                  paper_bgcolor="rgba(0,0,0,0)",
                                  plot_bgcolor="rgba(0,0,0,0)"))
    with st.sidebar:
        slot = st.empty()
    slot.plotly_chart(blank, config={"staticPlot": True, "displayModeBar": False})
    yield
    slot.empty()


def sidebar(current: str = "") -> None:
    """What the app is, and the presets for talks (links that reproduce a view): one
    expander per page, open for the `current` page (its URL path), so the list stays
    short on a projector."""
    with st.sidebar:
        present.toggle()
        st.markdown(
            "**ganloss-viz** explores the losses of generative adversarial networks and "
            "the divergences behind them, exactly: pick two distributions and a "
            "divergence to see its value (closed form, quadrature or Monte Carlo with an "
            "error bar), its gradient and the densities. Every view is a URL you can share."
        )
        for heading, name, presets in preset_groups():
            with st.expander(heading, expanded=name == current, icon=PAGES[name]["icon"]):
                for preset in presets.values():
                    st.page_link(page(name), label=preset.title, icon=":material/slideshow:",
                                 query_params={"preset": preset.name}, help=preset.caption)
