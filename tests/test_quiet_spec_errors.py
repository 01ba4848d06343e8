"""A bad spec is an error for its author, not a line in the server's log (issue 14,
item 5). Python's tokenizer warns about malformed literals (``1if 2``, ``"\\d"``) when
the spec parser hands the text to ``ast.parse``; on a hosted app every visitor's typo
then printed a SyntaxWarning on the server's stderr. The parser must stay silent and
keep its clear ValueError; the CLI must print its one line on stderr and nothing else.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from ganloss_viz.distributions import dist
from ganloss_viz.state.explorer import ExplorerState

ROOT = Path(__file__).resolve().parents[1]
# Each makes Python 3.11's tokenizer warn (SyntaxWarning or DeprecationWarning).
NOISY = ["normal(1is 1, 2)", "normal(1if 2)", "normal(0x1for 2)", 'normal("\\d", 1)']


@pytest.mark.parametrize("text", NOISY)
def test_a_malformed_number_is_an_error_not_a_warning(text):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="bad spec"):
            dist(text)
        _, errors = ExplorerState.from_query_params({"p": text})
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []
    assert len(errors) == 1 and "p=" in errors[0]


def test_the_cli_prints_one_line_for_a_malformed_number():
    proc = subprocess.run(
        [sys.executable, "-m", "ganloss_viz", "divergence", NOISY[1], "normal(0, 1)",
         "--div", "kl"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
