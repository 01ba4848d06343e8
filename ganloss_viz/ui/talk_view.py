"""The talk page's view: a deck picker, Previous / Next, the counter, the slide.

A slide is one of the app's own pages, drawn in presentation mode inside an iframe
(``/<page>?<query>&present=slide&embed=true``): every slide is the real page, with its
charts and controls, in its own session. The iframe's address is always built here
from a known page name and URL-encoded parameters (`ganloss_viz.state.talk.Slide`),
never taken as given, so a link cannot point a slide elsewhere.
"""

from __future__ import annotations

import streamlit as st

from ganloss_viz.format import literal
from ganloss_viz.state.talk import DECKS, Slide, TalkState, parse_deck

KEY = "talk"
ss = st.session_state

# Big buttons for a clicker-less speaker; the slide's frame takes the rest of the screen;
# presentation mode's Settings button moves to the bottom, off the Next button.
STYLE = """<style>
.st-key-talk-nav button { min-height: 2.6rem; font-size: 1.2rem; }
.st-key-talk-nav button p { font-size: 1.2rem; font-weight: 600; }
.st-key-talk-counter p { font-size: 1.4rem; font-weight: 700; text-align: center;
  margin: 0; white-space: nowrap; }
.st-key-talk-slide iframe { height: calc(100vh - 9rem) !important; min-height: 420px;
  border: 1px solid rgba(128, 128, 128, 0.25); }
[data-testid="stLayoutWrapper"]:has(> .st-key-present-control) { top: auto !important;
  bottom: 0.3rem; }
</style>"""


def k(name: str) -> str:
    return f"{KEY}.{name}"


def read_url(params) -> tuple[TalkState, list[str]]:
    return TalkState.from_query_params(params)


def apply(state: TalkState) -> None:
    ss[k("deck")] = state.deck
    ss[k("slide")] = state.slide


def _on_pick() -> None:
    name = ss.get(k("pick"))
    if name:
        ss[k("deck")] = name
        ss[k("slide")] = 1


def _on_text() -> None:
    ss[k("slide")] = 1


def _step(by: int, count: int) -> None:
    ss[k("slide")] = min(max(int(ss.get(k("slide"), 1)) + by, 1), count)


def picker() -> None:
    """A shipped deck from a list, or any deck as text (names, presets, app links)."""
    ss[k("pick")] = ss.get(k("deck")) if ss.get(k("deck")) in DECKS else None
    c_pick, c_text = st.columns([1, 2], gap="large")
    c_pick.selectbox("Deck", list(DECKS), key=k("pick"), on_change=_on_pick,
                     format_func=lambda n: f"{n} · {DECKS[n].title}",
                     placeholder="A deck of your own", index=None)
    c_text.text_input("Slides (a deck's name, or presets and app links, comma-separated)",
                      key=k("deck"), on_change=_on_text,
                      help="`explorer:js-vanishing` (a page's preset), `js-vanishing` (a "
                           "preset only one page has), `theory` (a page), or an app link "
                           "such as `/explorer?p=normal(0, 1)&q=dirac(3)` (URL-encoded in "
                           "the address). Press Enter to apply.")


def state() -> TalkState:
    deck = str(ss.get(k("deck"), "")).strip()
    return TalkState(deck=deck, slide=int(ss.get(k("slide"), 1)))


def slides(state: TalkState) -> tuple[list[Slide], str | None]:
    """(slides, None) or ([], the error) for the deck of `state`."""
    if not state.deck:
        return [], None
    try:
        return parse_deck(state.deck), None
    except ValueError as exc:
        return [], str(exc)


def decks_help() -> None:
    """The shipped decks, as links that open them in presentation mode."""
    st.markdown("Pick a deck above, or open one of these (each link is the whole talk):")
    for deck in DECKS.values():
        st.page_link("app_pages/talk.py", label=f"{deck.title} ({len(deck.slides)} slides)",
                     query_params={"deck": deck.name, "present": "1"},
                     icon=":material/slideshow:", help=deck.caption)
        st.caption(f"`deck={deck.name}` · {deck.caption}")


def navigation(slide: Slide, index: int, count: int) -> None:
    """Previous, the counter "3 / 8" with the slide's title, Next; then its caption."""
    st.html(STYLE)
    with st.container(key="talk-nav"):
        c_prev, c_mid, c_next = st.columns([1, 4, 1], vertical_alignment="center")
        c_prev.button("Previous", icon=":material/arrow_back:", key=k("prev"),
                      on_click=_step, args=(-1, count), disabled=index <= 1, width="stretch")
        with c_mid.container(key="talk-counter"):
            title = literal(slide.title) if slide.user else slide.title
            st.markdown(f"{index} / {count} · {title}")
        c_next.button("Next", icon=":material/arrow_forward:", key=k("next"),
                      on_click=_step, args=(1, count), disabled=index >= count,
                      width="stretch")
    if slide.caption:
        st.caption(literal(slide.caption) if slide.user else slide.caption)


def base_path() -> str:
    """The server's base path ("" at the root), for the slides' same-origin addresses."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def show(slide: Slide) -> None:
    """The slide: its page in presentation mode, in a frame that fills the screen."""
    with st.container(key="talk-slide"):
        st.iframe(f"{base_path()}/{slide.path()}", height=640)


def render(current: TalkState, deck: list[Slide], error: str | None) -> TalkState:
    """The deck's error, the pick prompt, or the current slide; returns the state shown
    (the slide number clamped to the deck)."""
    if error is not None:
        st.error(f"This deck cannot be shown: {literal(error)}", icon=":material/error:")
        return current
    if not deck:
        decks_help()
        return current
    index = min(max(current.slide, 1), len(deck))
    ss[k("slide")] = index
    navigation(deck[index - 1], index, len(deck))
    show(deck[index - 1])
    return TalkState(deck=current.deck, slide=index)


__all__ = ["KEY", "apply", "picker", "read_url", "render", "slides", "state"]
