"""The app under streamlit.testing.v1.AppTest, switched to one page with URL parameters,
as a visitor's link opens it: the one opener every test_app_* module uses."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"
TIMEOUT = 120


def open_page(script: str, query: dict[str, str] | None = None, check: bool = True,
              timeout: float = TIMEOUT) -> AppTest:
    """The app at page `script` (e.g. "app_pages/train.py") with `query` as its URL
    parameters, run once (each run allowed `timeout` seconds); with `check`, a page that
    raised fails the test here."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    at.switch_page(script)
    at.query_params.clear()
    at.query_params.update(query or {})
    at.run()
    if check:
        assert not at.exception, [e.value for e in at.exception]
    return at
