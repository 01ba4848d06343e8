"""What hosting relies on: the hosted-mode switch, the Streamlit config, the requirements.

The switch is read when ganloss_viz.state.train is imported, so each setting is
checked in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ganloss_viz.train import CAPS, HOSTED_CAPS

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("import json, dataclasses; import ganloss_viz.state.train as t; "
         "from ganloss_viz.state.compare import CompareState; "
         "print(json.dumps([t.HOSTED, t.CAP_WORD, dataclasses.asdict(t.caps()), "
         "t.TrainState().config().hosted, CompareState().settings()['hosted']]))")


def probe(env_value: str | None):
    env = {k: v for k, v in os.environ.items() if k != "GANLOSS_VIZ_HOSTED"}
    if env_value is not None:
        env["GANLOSS_VIZ_HOSTED"] = env_value
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.mark.parametrize(("value", "hosted"), [
    (None, True), ("1", True), ("yes", True), ("0", False), ("false", False), (" Off ", False),
])
def test_hosted_switch_picks_the_caps(value, hosted):
    is_hosted, word, caps, config_hosted, compare_hosted = probe(value)
    assert is_hosted is hosted and config_hosted is hosted and compare_hosted is hosted
    expected = HOSTED_CAPS if hosted else CAPS
    assert caps == {k: getattr(expected, k) for k in caps}
    assert word == ("hosted cap" if hosted else "cap")


def test_hosted_caps_are_tighter_everywhere():
    for name, cap in vars(HOSTED_CAPS).items():
        assert cap <= getattr(CAPS, name), name


def test_streamlit_config_has_only_known_options():
    from streamlit import config

    tomllib = pytest.importorskip("tomllib")           # Python >= 3.11
    known = set(config._config_options_template)
    toml = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    keys = {f"{section}.{key}" for section, table in toml.items() for key in table}
    assert keys and keys <= known, keys - known


def test_requirements_pin_torch_and_name_the_app_libraries():
    lines = [ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text()
             .splitlines()]
    names = {ln.split("=")[0].split(">")[0].split("<")[0].split("[")[0].strip().lower()
             for ln in lines if ln and not ln.startswith("-")}
    assert {"torch", "numpy", "scipy", "streamlit", "plotly"} <= names
    assert any(ln.startswith("torch==") for ln in lines)
