"""The talk page's state: a deck of slides (app views) and the slide shown.

Query parameters: ``deck`` and ``slide`` (1-based); ``preset=<deck name>`` reads as
``deck=<deck name>``. A deck is either the name of a
shipped deck (`DECKS`) or a comma-separated list of slides, each one of

* ``<page>:<preset>`` — a page's named preset (``explorer:js-vanishing``);
* ``<preset>`` — a preset whose name only one page has (``js-vanishing``);
* ``<page>`` — a page in its default state (``theory``);
* ``/<page>?<query>`` — any app link (its path and query; URL-encode it inside
  ``deck=``). Commas inside parentheses or brackets (spec strings) do not split.

`parse_deck` validates every slide and raises `ValueError` naming the known decks,
pages or presets. Importing this module imports neither torch nor Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .fields import (
    Field,
    QueryParams,
    parse_choice,
    state_from_query_params,
    state_to_query_params,
)

PAGE_NAMES = ("explorer", "train", "compare", "theory", "dirac", "study")
"""The pages a slide can show (the app's pages but the talk page itself)."""

FRAME_PARAMS = ("present", "embed", "embed_options")
MAX_SLIDES = 40


@dataclass(frozen=True)
class Slide:
    """One view: a page, its query parameters, a title and a caption. `text` is the
    slide as written in the deck; `user` marks a title and caption taken from it (user
    text, shown literally)."""

    page: str
    query: tuple[tuple[str, str], ...]
    title: str
    caption: str
    text: str
    user: bool = False

    def path(self, present: bool = True) -> str:
        """The slide's relative URL (``explorer?preset=...&present=slide&embed=true``)."""
        extra = (("present", "slide"), ("embed", "true")) if present else ()
        query = urlencode(self.query + extra)
        return f"{self.page}?{query}" if query else self.page


@dataclass(frozen=True)
class Deck:
    """A shipped deck: a name for ``deck=``, a title, what it tells, and its slides."""

    name: str
    title: str
    caption: str
    slides: tuple[str, ...]

    @property
    def text(self) -> str:
        return ",".join(self.slides)


DECKS: dict[str, Deck] = {d.name: d for d in (
    Deck("divergences", "From KL and JS to Wasserstein: the divergences",
         "The note's story on exact numbers: KL is asymmetric and mode-covering, JS "
         "saturates at ln 2, disjoint supports leave JS and KL without a gradient, W1 keeps "
         "one, the non-saturating loss and the Dirac-GAN show which fixes converge.",
         ("theory:different-widths", "explorer:mode-seeking", "explorer:js-vanishing",
          "explorer:disjoint-kl", "explorer:parallel-lines", "explorer:vanishing-gradient",
          "dirac:gan-circles", "dirac:r1-converges")),
    Deck("training", "The same story in training runs",
         "The note's story on trained GANs: JS and KL on overlapping normals, no gradient "
         "on disjoint lines, a Wasserstein loss that moves, the saturating loss stalling, "
         "mode collapse, and the losses and penalties that fix it.",
         ("theory:overlapping-normals", "theory:disjoint-supports", "train:lines-js",
          "train:lines-wgan", "train:ring8-minimax", "train:ring8-ns-sgd",
          "train:ring8-collapse", "compare:classics-ring8", "train:grid25-r1")),
)}


def page_presets() -> dict[str, dict[str, Any]]:
    """Every page's presets by page name (imported when asked)."""
    from . import PRESETS
    from .compare import COMPARE_PRESETS
    from .dirac import DIRAC_PRESETS
    from .study import STUDY_PRESETS
    from .theory import THEORY_PRESETS
    from .train import TRAIN_PRESETS

    return {"explorer": PRESETS, "train": TRAIN_PRESETS, "compare": COMPARE_PRESETS,
            "theory": THEORY_PRESETS, "dirac": DIRAC_PRESETS, "study": STUDY_PRESETS}


def split_slides(text: str) -> list[str]:
    """Split a deck at its top-level commas (not those inside (), [] or {})."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def _short(text: str, limit: int = 60) -> str:
    """`text` as a quoted repr, cut to `limit` characters (a URL can hold anything)."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _known_presets(tables: dict[str, dict[str, Any]]) -> str:
    return "; ".join(f"{page}: {', '.join(table)}" for page, table in tables.items())


def _preset_slide(page: str, name: str, text: str, tables: dict[str, dict[str, Any]]) -> Slide:
    table = tables[page]
    if name not in table:
        raise ValueError(f"unknown preset {_short(name)} of page {_short(page)}; known: "
                         f"{', '.join(table)}")
    pr = table[name]
    return Slide(page, (("preset", name),), pr.title, pr.caption, text)


def parse_slide(text: str, tables: dict[str, dict[str, Any]] | None = None) -> Slide:
    """One slide of a deck (see the module docstring); ValueError naming what is known."""
    tables = page_presets() if tables is None else tables
    text = text.strip()
    if text.startswith("/") or "?" in text:
        parts = urlsplit(text)
        page = parts.path.strip("/").split("/")[-1]
        if page not in PAGE_NAMES:
            raise ValueError(f"unknown page {_short(page)} in the link {_short(text)}; known "
                             f"pages: {', '.join(PAGE_NAMES)}")
        query = tuple((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                      if k not in FRAME_PARAMS)
        preset = dict(query).get("preset")
        pr = tables[page].get(preset) if preset else None
        if pr is not None and query == (("preset", preset),):
            return Slide(page, query, pr.title, pr.caption, text)
        return Slide(page, query, f"/{page}", text, text, user=True)
    if ":" in text:
        page, name = (part.strip() for part in text.split(":", 1))
        if page not in PAGE_NAMES:
            raise ValueError(f"unknown page {_short(page)} in {_short(text)}; known pages: "
                             f"{', '.join(PAGE_NAMES)}")
        return _preset_slide(page, name, text, tables)
    if text in PAGE_NAMES:
        return Slide(text, (), f"/{text}", "", text)
    pages = [page for page, table in tables.items() if text in table]
    if len(pages) == 1:
        return _preset_slide(pages[0], text, text, tables)
    if len(pages) > 1:
        raise ValueError(f"preset {_short(text)} is on several pages ({', '.join(pages)}): write "
                         f"{pages[0]}:{text}")
    raise ValueError(f"unknown deck or slide {_short(text)}; known decks: {', '.join(DECKS)}; "
                     f"known pages: {', '.join(PAGE_NAMES)}; known presets: "
                     f"{_known_presets(tables)}")


def parse_deck(text: str) -> list[Slide]:
    """The slides of `text`: a shipped deck's name or a comma-separated list of slides.
    Raises ValueError (naming the known decks, pages and presets) for an empty deck, an
    unknown name or a bad slide, and when it has more than MAX_SLIDES slides."""
    text = (text or "").strip()
    if not text:
        raise ValueError(f"empty deck; known decks: {', '.join(DECKS)}")
    if text in DECKS:
        text = DECKS[text].text
    items = split_slides(text)
    if len(items) > MAX_SLIDES:
        raise ValueError(f"a deck has at most {MAX_SLIDES} slides; this one has {len(items)}")
    tables = page_presets()
    return [parse_slide(item, tables) for item in items]


@dataclass(frozen=True)
class TalkState:
    """preset: a shipped deck's name (``preset=`` as on every page; read, never written:
    the URL then says ``deck=<name>``); deck: the deck as written in the URL (a name or
    slides; defaults to the preset); slide: 1-based."""

    preset: str = ""
    deck: str = ""
    slide: int = 1

    def to_query_params(self) -> dict[str, str]:
        return state_to_query_params(self, TALK_FIELDS)

    @classmethod
    def from_query_params(cls, params: QueryParams) -> tuple[TalkState, list[str]]:
        """(state, errors): a deck that `parse_deck` refuses, or a slide that is not a
        number from 1 to MAX_SLIDES, is reported and replaced by the default."""
        return state_from_query_params(cls, TALK_FIELDS, params)


def parse_deck_text(text: str, state: Any = None) -> str:
    """A deck as written (stripped), once `parse_deck` accepts it."""
    parse_deck(text)
    return text.strip()


def parse_slide_number(text: str, state: Any = None) -> int:
    try:
        n = int(text.strip())
    except ValueError:
        raise ValueError(f"not a slide number (1 to {MAX_SLIDES})") from None
    if not 1 <= n <= MAX_SLIDES:
        raise ValueError(f"not a slide number (1 to {MAX_SLIDES})")
    return n


def parse_deck_name(text: str, state: Any = None) -> str:
    return parse_choice(text, DECKS, "deck")


TALK_FIELDS: tuple[Field, ...] = (
    Field("preset", parse_deck_name, relevant=lambda s: False),
    Field("deck", parse_deck_text, default=lambda s: s.preset,
          relevant=lambda s: bool(s.deck)),
    Field("slide", parse_slide_number, relevant=lambda s: bool(s.deck) and s.slide != 1),
)

assert {f.name for f in TALK_FIELDS} == {f.name for f in fields(TalkState)}


__all__ = ["DECKS", "MAX_SLIDES", "PAGE_NAMES", "TALK_FIELDS", "Deck", "Slide", "TalkState",
           "parse_deck", "parse_slide", "split_slides"]
