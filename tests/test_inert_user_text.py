"""User text is inert: what a URL carries or a user types is shown as text, never as
live Markdown, HTML or LaTeX (issue 14, item 6).

A shared link can hold anything, and every page echoes a bad URL value in its error
box; Streamlit renders those boxes as Markdown (links, images, ``$...$`` LaTeX, its own
autolinks and icons). The unit tests pin `literal`, the one helper the pages show such
text through; the browser test feeds hostile strings to every URL parameter of every
page (each parameter's field table, as in test_app_hostile.py) and to the spec inputs,
then reads the DOM that Chromium rendered: the strings appear as typed, and nothing of
them became a link, an image, a formula or a script.
"""

from __future__ import annotations

import urllib.parse

import pytest
from browser_harness import MARKS, SHOTS, chromium_page, streamlit_server
from test_app_hostile import field_table, must_be_reported

from ganloss_viz.format import literal
from ganloss_viz.ui import shell

WAIT = 120_000          # milliseconds (a busy machine, a cold torch import)
EVIL = "evil.example"
HOSTILE = (
    "[Log in to continue](https://evil.example/login)",
    "![pixel](https://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(document.domain)",
    r"$\href{https://evil.example/tex}{click}$",
    "www.evil.example/autolink :material/home: :red[big]",
)
# Valid values that make a page read the parameters it ignores otherwise (alpha only
# for the alpha divergences, clip only for WGAN, ...); every other parameter is hostile.
OPENERS: dict[str, list[dict[str, str]]] = {
    "explorer": [{}, {"div": "alpha"}, {"div": "mmd"}],
    "train": [{}, {}],
    "compare": [{}, {}],
    "theory": [{}, {}],
    "dirac": [{}, {"method": "wgan_gp"}, {"method": "wgan"}, {"method": "instance_noise"}],
    "study": [{}, {}],
    "talk": [{}, {}],
}


# --- the helper ------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_is_one_code_span_holding_the_text(text):
    md = literal(text)
    fence = md[: len(md) - len(md.lstrip("`"))]
    inner = md[len(fence): -len(fence)]
    assert md.endswith(fence) and "`" * len(fence) not in inner
    assert inner.replace("\u2060", "") == text


def test_literal_backticks_whitespace_and_icons():
    assert literal("a `b` c") == "``a `b` c``"
    assert literal("`x") == "`` `x ``"             # padded: CommonMark strips one space
    assert literal("``") == "``` `` ```"
    assert literal("a\n\n# b\n- c") == "`a # b - c`"  # one line: no heading, no list
    assert literal("  ") == ""
    # Streamlit turns ":material/" into ":material_" even in code; a word joiner stops it
    assert literal(":material/home:") == "`:\u2060material/home:`"


# --- the pages in Chromium ---------------------------------------------------------------


def rotated(names: list[str], shift: int) -> dict[str, str]:
    """Each parameter its own hostile string, shifted on every load."""
    return {n: HOSTILE[(i + shift) % len(HOSTILE)] for i, n in enumerate(names)}


def wait_for_texts(page, needles: list[str]) -> None:
    """Wait until every needle is in the page's alerts, as plain text (word joiners
    dropped); fails naming the ones missing."""
    script = """needles => {
        const text = [...document.querySelectorAll('[data-testid="stAlert"]')]
            .map(a => a.innerText).join('\\n').replace(/\\u2060/g, '');
        return needles.every(n => text.includes(n));
    }"""
    try:
        page.wait_for_function(script, arg=needles, timeout=WAIT)
    except Exception:
        text = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
        missing = [n for n in needles if n not in text.replace("\u2060", "")]
        pytest.fail(f"not shown literally: {missing}\nalerts: {text[:3000]}")
    page.wait_for_timeout(300)


def assert_inert(page, where: str) -> None:
    """Nothing hostile became a link, an image, a formula or a script."""
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    bad = [h for h in links if EVIL in h or h.lower().startswith("javascript:")]
    assert not bad, (where, bad)
    images = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('src'))")
    assert not [s for s in images if s == "x" or EVIL in (s or "")], (where, images)
    assert page.locator(".katex").filter(has_text=EVIL).count() == 0, where
    assert page.locator('[data-testid="stAlert"] .katex').count() == 0, where
    assert page.locator('[data-testid="stException"]').count() == 0, where


def type_spec(page, index: int, text: str) -> None:
    box = page.get_by_test_id("stTextInput").nth(index).locator("input")
    box.fill(text)
    box.press("Enter")


@MARKS[0]
@MARKS[1]
def test_hostile_text_is_shown_as_text_on_every_page():
    assert set(OPENERS) == set(shell.PAGES), "every page needs its URL loads here"
    dialogs: list[str] = []
    shift = 0
    with streamlit_server("inert") as base, chromium_page(width=1280, height=800) as page:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for name in shell.PAGES:
            cls, table = field_table(name)
            names = [f.name for f in table]
            covered: set[str] = set()
            for opener in OPENERS[name]:
                query = {**rotated(names, shift), **opener}
                shift += 1
                reported = must_be_reported(cls, table, query)
                covered |= set(reported)
                page.goto(f"{base}/{name}?{urllib.parse.urlencode(query)}")
                wait_for_texts(page, [f"{n}={query[n]!r}" for n in reported])
                assert_inert(page, f"{name} {opener}")
            assert covered == set(names), (name, set(names) - covered)
            if name in ("explorer", "theory"):      # the free-text spec inputs
                for i in range(0, len(HOSTILE), 2):
                    p_text, q_text = HOSTILE[i], HOSTILE[(i + 1) % len(HOSTILE)]
                    type_spec(page, 0, p_text)
                    type_spec(page, 1, q_text)
                    wait_for_texts(page, [repr(t)[1:31] for t in (p_text, q_text)])
                    assert_inert(page, f"{name} typed {p_text!r}, {q_text!r}")
        page.goto(f"{base}/explorer?p={urllib.parse.quote(HOSTILE[0])}")
        wait_for_texts(page, [f"p={HOSTILE[0]!r}"])
        page.screenshot(path=str(SHOTS / "inert-explorer-p.png"))
    assert not dialogs, dialogs
