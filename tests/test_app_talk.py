"""The talk page and presentation mode under streamlit.testing.v1.AppTest.

Talk: a deck from the URL shows "1 / N" with the first slide's title and caption and a
frame of that page in presentation mode; Next and Previous move the counter, the slide
and the URL; a bad deck is an error naming the known decks, as literal text.
Presentation mode: ``present=1`` injects its CSS and the button that leaves it, and the
pages' own URL syncing keeps ``present`` in the URL.
"""

from __future__ import annotations

import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from ganloss_viz.state.talk import DECKS, parse_deck
from ganloss_viz.ui import present

TIMEOUT = 180


def open_app_page(page: str, query: dict[str, str]) -> AppTest:
    return open_page(f"app_pages/{page}.py", query, timeout=TIMEOUT)


def counter(at: AppTest) -> str:
    return next(m.value for m in at.markdown if " / " in m.value and " · " in m.value)


def frames(at: AppTest) -> list[str]:
    return [str(f.proto.src) for f in at.get("iframe")]


def test_deck_from_the_url_steps_with_next_and_previous():
    slides = parse_deck("divergences")
    n = len(slides)
    at = open_app_page("talk", {"deck": "divergences"})
    assert counter(at) == f"1 / {n} · {slides[0].title}"
    assert slides[0].caption in [c.value for c in at.caption]
    assert frames(at) == [f"/{slides[0].path()}"]
    assert "present=slide" in frames(at)[0] and "embed=true" in frames(at)[0]
    assert at.button(key="talk.prev").disabled
    at.button(key="talk.next").click().run()
    assert counter(at) == f"2 / {n} · {slides[1].title}"
    assert frames(at) == [f"/{slides[1].path()}"]
    assert at.query_params["slide"] == ["2"] or at.query_params["slide"] == "2"
    at.button(key="talk.next").click().run()
    at.button(key="talk.prev").click().run()
    assert counter(at) == f"2 / {n} · {slides[1].title}"


def test_slide_from_the_url_is_clamped_to_the_deck():
    n = len(DECKS["training"].slides)
    at = open_app_page("talk", {"deck": "training", "slide": "30"})
    assert counter(at).startswith(f"{n} / {n} · ")
    assert at.button(key="talk.next").disabled


def test_a_deck_of_presets_and_links():
    at = open_app_page("talk", {"deck": "gan-circles,/explorer?p=normal(0, 1)&q=dirac(3)"})
    assert counter(at) == "1 / 2 · GAN circles forever"
    at.button(key="talk.next").click().run()
    assert counter(at).startswith("2 / 2 · ")
    assert "dirac%283%29" in frames(at)[0]


@pytest.mark.parametrize(("deck", "known"), [("nope", "divergences, training"),
                                             ("explorer:**bold**", "js-vanishing")])
def test_bad_deck_is_a_literal_error_naming_the_known_decks(deck, known):
    at = open_app_page("talk", {"deck": deck})
    (error,) = at.error
    assert known in error.value
    assert error.value.endswith("`")               # the message is one inert code span
    assert not frames(at)


def test_no_deck_lists_the_shipped_decks():
    at = open_app_page("talk", {})
    assert not frames(at) and not at.error
    assert all(f"deck={name}" in " ".join(c.value for c in at.caption) for name in DECKS)


def styles(at: AppTest) -> list[str]:
    return [str(h.proto.body) for h in at.get("html")]


def test_present_mode_injects_its_css_and_keeps_present_in_the_url():
    at = open_app_page("dirac", {"preset": "gan-circles", "present": "1"})
    assert present.STYLE in styles(at)
    assert at.query_params["present"] in ("1", ["1"])
    assert at.query_params["method"] in ("gan", ["gan"])     # the page wrote its state
    at.button(key="present.leave").click().run()             # settings back
    assert "present" not in at.query_params
    assert present.STYLE not in styles(at)
    at.toggle(key=present.TOGGLE_KEY).set_value(True).run()  # the sidebar's switch
    assert at.query_params["present"] in ("1", ["1"])
    assert present.STYLE in styles(at)


def test_present_mode_survives_a_settings_change():
    at = open_app_page("theory", {"preset": "disjoint-supports", "present": "1"})
    at.text_input(key="th.q.text").set_value("uniform(5, 6)").run()
    assert at.query_params["present"] in ("1", ["1"])
    assert "uniform(5, 6)" in str(at.query_params["q"])


def test_off_without_present():
    at = open_app_page("dirac", {"preset": "gan-circles"})
    assert present.STYLE not in styles(at)
    assert "present" not in at.query_params
