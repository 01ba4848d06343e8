"""Hostile URLs on every page of the app, under streamlit.testing.v1.AppTest.

Strangers open shared links: whatever a URL holds, a page must not raise, must not
run anything, and must say which parameters it replaced. The test iterates over
`ganloss_viz.ui.shell.PAGES`, so a page added there is covered when it lands. A
page's parameters are read from its state module's field table (the tuple of
`Field`s in ``ganloss_viz.state.<page>``), and its presets from the sidebar's preset
groups. Every parameter is set to the same hostile value at once (code, overflow,
NaN, infinities, huge numbers, 10k characters, unknown names, a deeply nested spec);
then, for each preset of the page, the preset is valid and every other parameter is
hostile, which opens the sections (sweep, landscape, ...) whose settings a bare URL
would ignore.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import pytest
from apptest_pages import open_page
from streamlit.testing.v1 import AppTest

from ganloss_viz.state.fields import Field
from ganloss_viz.ui import shell

MARKER = Path("/tmp/ganloss_viz_hostile_url_ran_code")
LONG = "x" * 10_000
DEEP = "mixture(components=[" * 300 + "normal(0, 1)" + "], weights=[1])" * 300

HOSTILE = {
    "code": f"__import__('os').system('touch {MARKER}')",
    "overflow": "1e400",
    "nan": "nan",
    "-inf": "-inf",
    "huge": "9" * 400,
    "long": LONG,
    "unknown": "no_such_name",
    "deep": DEEP,
}


def field_table(page: str) -> tuple[type | None, tuple[Field, ...]]:
    """(state class, field table) of a page, read from ganloss_viz.state.<page>.

    A page without a state module reads no parameters: (None, ()).
    """
    try:
        module = importlib.import_module(f"ganloss_viz.state.{page}")
    except ModuleNotFoundError:
        return None, ()
    tables = [v for v in vars(module).values()
              if isinstance(v, tuple) and v and all(isinstance(f, Field) for f in v)]
    assert len(tables) == 1, f"ganloss_viz.state.{page} should hold one field table"
    names = {f.name for f in tables[0]}
    classes = [v for v in vars(module).values()
               if dataclasses.is_dataclass(v) and isinstance(v, type)
               and {f.name for f in dataclasses.fields(v)} == names]
    assert classes, f"no state dataclass with the fields of ganloss_viz.state.{page}"
    return classes[0], tables[0]


def presets_of(page: str) -> list[str]:
    return [name for heading, pg, presets in shell.preset_groups() if pg == page
            for name in presets]


CASES = [(page, kind, None) for page in shell.PAGES for kind in HOSTILE] + \
        [(page, list(HOSTILE)[i % len(HOSTILE)], preset) for page in shell.PAGES
         for i, preset in enumerate(presets_of(page))]


def open_app_page(page: str, query: dict[str, str]) -> AppTest:
    return open_page(shell.PAGES[page]["page"], query, check=False)


def must_be_reported(cls: type, table: tuple[Field, ...], query: dict[str, str]) -> list[str]:
    """Names of the parameters whose URL value the field's own parser rejects and that
    the state does not ignore (a value a parser rejects must be named on the page)."""
    state = cls()
    names = []
    for f in table:
        if f.name not in query or f.ignored(state):
            continue
        try:
            value = f.parse(query[f.name], state)
        except ValueError:
            names.append(f.name)
            continue
        state = dataclasses.replace(state, **{f.name: value})
    return names


def shown_text(at: AppTest) -> list[str]:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [m.value for m in at.metric]
    return [str(p) for p in parts]


@pytest.mark.parametrize(("page", "kind", "preset"), CASES,
                         ids=[f"{p}-{k}" + (f"-{pr}" if pr else "") for p, k, pr in CASES])
def test_hostile_url_is_reported_not_raised(page, kind, preset):
    MARKER.unlink(missing_ok=True)
    cls, table = field_table(page)
    value = HOSTILE[kind]
    query = {f.name: value for f in table}
    query["preset"] = preset or value
    query["no_such_parameter"] = value
    at = open_app_page(page, query)

    assert not at.exception, [e.value for e in at.exception]
    assert not MARKER.exists(), "a URL value was executed"
    messages = [e.value for e in at.error] + [w.value for w in at.warning]
    if not preset:
        assert messages, "a hostile URL must be reported"
    reported = " ".join(messages)
    expected = must_be_reported(cls, table, query) if cls is not None else []
    if not preset:
        assert "preset" in expected or cls is None
    for name in expected:
        assert f"{name}=" in reported, (name, messages)
    assert ("instead" in reported or "ignoring" in reported) if expected else True
    # The page never echoes a huge value, and the URL now holds what the page shows.
    assert not any(LONG[:200] in text or DEEP[:400] in text for text in shown_text(at))
    for key, shown in at.query_params.items():
        if key in expected:
            assert shown != value, f"{key} still holds the hostile value"
