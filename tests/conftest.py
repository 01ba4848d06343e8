"""Hypothesis profiles: the suite is reproducible by default; exploring is opt-in.

The default profile derandomizes Hypothesis, so a clean CI run draws the same examples
every time and a red run is never a coin toss. ``HYPOTHESIS_PROFILE=explore`` draws fresh
random examples on every run, for a local hunt before a release.
"""

import os

from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))
