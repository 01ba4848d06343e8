"""The talk page's deck syntax (ganloss_viz.state.talk): shipped decks, presets, pages and
app links parse into slides; bad input is a ValueError naming what is known."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from ganloss_viz.state.talk import (
    DECKS,
    MAX_SLIDES,
    PAGE_NAMES,
    TalkState,
    page_presets,
    parse_deck,
    split_slides,
)


def test_page_names_are_the_apps_pages_but_the_talk():
    from ganloss_viz.ui.shell import PAGES

    assert set(PAGE_NAMES) == set(PAGES) - {"talk"}


@pytest.mark.parametrize("name", list(DECKS))
def test_shipped_decks_are_presets_with_captions(name):
    slides = parse_deck(name)
    assert len(slides) == len(DECKS[name].slides) >= 6
    tables = page_presets()
    for slide in slides:
        preset = dict(slide.query)["preset"]
        assert slide.caption == tables[slide.page][preset].caption
        assert not slide.user


@pytest.mark.parametrize(("text", "expected"), [
    ("a,b", ["a", "b"]),
    (" a , b ,", ["a", "b"]),
    ("/explorer?p=normal(0, 1)&q=mixture(components=[normal(-2, 1), normal(2, 1)]),theory",
     ["/explorer?p=normal(0, 1)&q=mixture(components=[normal(-2, 1), normal(2, 1)])",
      "theory"]),
    ("", []),
])
def test_split_keeps_commas_inside_brackets(text, expected):
    assert split_slides(text) == expected


@pytest.mark.parametrize(("text", "page", "query"), [
    ("explorer:js-vanishing", "explorer", {"preset": "js-vanishing"}),
    ("js-vanishing", "explorer", {"preset": "js-vanishing"}),
    ("gan-circles", "dirac", {"preset": "gan-circles"}),
    ("theory", "theory", {}),
    ("explorer:dirac", "explorer", {"preset": "dirac"}),
    ("/explorer?p=normal(0, 1)&q=dirac(3)&present=1", "explorer",
     {"p": "normal(0, 1)", "q": "dirac(3)"}),
    ("/dirac?preset=r1-converges", "dirac", {"preset": "r1-converges"}),
])
def test_slides_parse(text, page, query):
    (slide,) = parse_deck(text)
    assert (slide.page, dict(slide.query)) == (page, query)
    path = urlsplit(slide.path())
    assert path.path == page
    assert dict(parse_qsl(path.query)) == {**query, "present": "slide", "embed": "true"}


def test_a_link_slide_is_user_text():
    (slide,) = parse_deck("/explorer?p=normal(0, 1)&q=dirac(3)")
    assert slide.user and slide.caption == "/explorer?p=normal(0, 1)&q=dirac(3)"


@pytest.mark.parametrize(("text", "named"), [
    ("nope", ["divergences", "training", "js-vanishing", "gan-circles", "explorer"]),
    ("explorer:nope", ["js-vanishing", "mode-seeking"]),
    ("nowhere:js-vanishing", ["explorer", "dirac"]),
    ("/nowhere?p=1", ["explorer", "dirac"]),
    ("grid25-r1", ["train:grid25-r1"]),          # on two pages: name the page
    ("", ["divergences", "training"]),
    (",".join(["theory"] * (MAX_SLIDES + 1)), [str(MAX_SLIDES)]),
])
def test_bad_decks_name_what_is_known(text, named):
    with pytest.raises(ValueError) as info:
        parse_deck(text)
    for word in named:
        assert word in str(info.value)


@pytest.mark.parametrize(("params", "state", "errors"), [
    ({"deck": "training", "slide": "3"}, TalkState("", "training", 3), 0),
    ({"deck": "training"}, TalkState("", "training", 1), 0),
    ({"deck": "training", "slide": "x"}, TalkState("", "training", 1), 1),
    ({"deck": "training", "slide": "0"}, TalkState("", "training", 1), 1),
    ({"deck": "nope", "slide": "2"}, TalkState("", "", 2), 1),
    ({"deck": "x" * 10_000}, TalkState("", "", 1), 1),
    ({}, TalkState("", "", 1), 0),
    ({"preset": "training"}, TalkState("training", "training", 1), 0),
    ({"preset": "nope"}, TalkState("", "", 1), 1),
])
def test_state_from_url(params, state, errors):
    got, errs = TalkState.from_query_params(params)
    assert got == state and len(errs) == errors
    assert all(len(e) < 2000 for e in errs)
    if got.deck:
        again = TalkState.from_query_params(got.to_query_params())[0]
        assert (again.deck, again.slide) == (got.deck, got.slide)
