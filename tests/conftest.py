"""Hypothesis profiles: the suite is reproducible by default; exploring is opt-in.

The default profile derandomizes Hypothesis, so a clean CI run draws the same examples
every time and a red run is never a coin toss. ``HYPOTHESIS_PROFILE=explore`` draws fresh
random examples on every run, for a local hunt before a release.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))


@pytest.fixture
def no_speed_confirmation(monkeypatch):
    """Train and Compare ask before a run predicted to pass a minute; whether a test's run
    does depends on the machine (CI's is slower), not on the page: off, unless a test
    turns it on (tests of the confirmation set CONFIRM_SECONDS to 0 themselves)."""
    import ganloss_viz.ui.compare_view as cv
    import ganloss_viz.ui.train_view as tv

    for module in (cv, tv):
        monkeypatch.setattr(module, "CONFIRM_SECONDS", float("inf"))
