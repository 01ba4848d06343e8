"""The Theory page under streamlit.testing.v1.AppTest (no browser), and its URL state.

The page's numbers are read back from what it drew (metrics and the Markdown tables)
and compared with closed forms written here for normal(0, 1) against normal(1, 1):
KL = ½ both ways, Pearson = Neyman = e − 1, squared Hellinger = 1 − e^{−1/8},
TV = 2Φ(½) − 1, α(½) = 4·Hellinger, W1 = 1.
"""

from __future__ import annotations

import math
import re

import pytest
from apptest_pages import open_page
from scipy import stats
from streamlit.testing.v1 import AppTest

from ganloss_viz.state.theory import THEORY_PRESETS

TIMEOUT = 180
PAIR = {"p": "normal(0, 1)", "q": "normal(1, 1)"}
HELLINGER = 1 - math.exp(-1 / 8)
CLOSED = {"kl": 0.5, "reverse_kl": 0.5, "jeffreys": 1.0, "pearson": math.e - 1,
          "neyman": math.e - 1, "hellinger": HELLINGER, "tv": 2 * stats.norm.cdf(0.5) - 1,
          "alpha": 4 * HELLINGER}


def open_theory(query: dict[str, str] | None = None) -> AppTest:
    """The app, switched to the Theory page with `query` as its URL parameters."""
    return open_page("app_pages/theory.py", query, timeout=TIMEOUT)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, first_header: str) -> list[list[str]]:
    """The body rows of the Markdown table whose first header cell is `first_header`."""
    for md in at.markdown:
        lines = md.value.splitlines()
        if lines and lines[0].startswith(f"| {first_header} |"):
            return [[c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in lines[2:]]
    raise AssertionError(f"no table headed {first_header!r}")


def number(text: str) -> float:
    """A number as the page shows it (six significant figures, ∞ and −∞)."""
    return {"∞": math.inf, "−∞": -math.inf}[text] if "∞" in text else float(text)


@pytest.fixture(scope="module")
def normals() -> AppTest:
    return open_theory(PAIR)


def test_opens_with_every_section(normals):
    headers = [h.value for h in normals.header]
    assert [h.split(".")[0] for h in headers] == ["1", "2", "3", "4", "5", "6", "7"]
    assert normals.text_input(key="th.p.text").value == "normal(0, 1)"
    assert normals.text_input(key="th.q.text").value == "normal(1, 1)"
    assert not normals.error
    assert len(normals.get("plotly_chart")) == 1


def test_sidebar_lists_the_presets_for_talks(normals):
    links = {(x.proto.label, x.proto.page) for x in normals.sidebar.get("page_link")}
    for pr in THEORY_PRESETS.values():
        assert any(label == pr.title and "theory" in page for label, page in links), pr.name


def test_live_numbers_match_closed_forms(normals):
    m = metrics(normals)
    assert number(m["KL(P ‖ Q)"]) == pytest.approx(0.5, rel=1e-6)
    assert number(m["KL(Q ‖ P)"]) == pytest.approx(0.5, rel=1e-6)
    assert number(m["ln 2 (the ceiling)"]) == pytest.approx(math.log(2), rel=1e-6)
    js = number(m["JS(P ‖ Q), nats"])
    assert number(m["JS(P ‖ Q), bits"]) == pytest.approx(js / math.log(2), rel=1e-5)
    assert number(m["D loss at D*"]) == pytest.approx(math.log(4) - 2 * js, rel=1e-5)
    rows = {re.search(r"`(\w+)`", r[0]).group(1): number(r[-1])
            for r in table(normals, "divergence")}
    for name, expected in CLOSED.items():
        assert rows[name] == pytest.approx(expected, rel=1e-5), name


def test_loss_table_checks_every_identity_to_1e6(normals):
    rows = table(normals, "loss")
    checked = [r for r in rows if r[-1] != "—"]
    assert {r[0] for r in checked} >= {"`minimax`", "`ns`", "`hinge`", "`wgan`", "`lsgan`",
                                       "`fgan_kl`", "`fgan_js`", "`fgan_tv`"}
    for r in checked:
        assert abs(float(r[-1])) < 1e-6, r
    hinge = next(r for r in rows if r[0] == "`hinge`")
    assert number(hinge[4]) == pytest.approx(2 - 2 * CLOSED["tv"], rel=1e-5)
    wgan = next(r for r in rows if r[0] == "`wgan`")
    assert number(wgan[4]) == pytest.approx(-1.0, rel=1e-6)
    rsgan = next(r for r in rows if r[0] == "`rsgan`")
    assert "no known optimal" in rsgan[4]


def test_bad_url_value_is_an_error_beside_the_default():
    at = open_theory({"p": "normal(0, -1)", "q": "normal(1, 1)"})
    errors = [e.value for e in at.error]
    assert any("p='normal(0, -1)'" in e and "using p=normal(0, 1) instead" in e
               for e in errors), errors
    assert at.text_input(key="th.p.text").value == "normal(0, 1)"
    assert len(at.header) == 7


def test_preset_sets_the_pair_and_disjoint_numbers():
    at = open_theory({"preset": "disjoint-supports"})
    assert at.text_input(key="th.q.text").value == "uniform(2, 3)"
    assert any("Preset · Disjoint supports." in i.value for i in at.info)
    m = metrics(at)
    assert number(m["JS(P ‖ Q), nats"]) == pytest.approx(math.log(2), rel=1e-6)
    assert m["KL(P ‖ Q)"] == "∞"
    assert number(m["D loss at D*"]) == 0.0
    assert at.query_params["preset"] == "disjoint-supports"


def test_pairs_of_different_dimension_are_an_error_not_a_traceback():
    at = open_theory({"p": "normal(0, 1)", "q": "mvnormal(loc=[0, 0], cov=[[1, 0], [0, 1]])"})
    assert any("P is 1-D and Q is 2-D" in e.value for e in at.error)
    assert not at.header


def test_changing_q_changes_the_numbers_and_the_url():
    at = open_theory(PAIR)
    at.text_input(key="th.q.text").set_value("normal(0, 3)").run()
    assert not at.exception
    m = metrics(at)
    # KL(N(0,1) ‖ N(0,9)) = ln 3 + 1/18 − ½; KL(N(0,9) ‖ N(0,1)) = −ln 3 + 9/2 − ½
    assert number(m["KL(P ‖ Q)"]) == pytest.approx(math.log(3) + 1 / 18 - 0.5, rel=1e-6)
    assert number(m["KL(Q ‖ P)"]) == pytest.approx(-math.log(3) + 4.0, rel=1e-6)
    assert at.query_params["q"] == "normal(0, 3)"
