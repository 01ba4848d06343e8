"""The app's "GIF or MP4 for slides" control, without drawing: pressing Make with no browser
shows one error line instead of a traceback, and no download appears."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = Path(__file__).resolve().parents[1] / "app_pages" / "dirac.py"


def test_make_without_a_browser_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.query_params["preset"] = "r1-converges"
    at.run()
    assert not at.exception and not at.error
    make = next(b for b in at.button if b.label == "Make MP4")
    make.click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"BROWSER_PATH={str(tmp_path / 'no-chromium')!r} is not an executable browser"]
    assert not [b for b in at.get("download_button")]
