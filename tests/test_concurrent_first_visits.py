"""Two first visits at once on a cold server: each session runs its page in its own
thread, and without `shell.import_library` one of two threads importing the Train and
Compare pages' modules got a half-built divergence registry (a ValueError from the f-GAN
losses, every time here). Checked in a fresh interpreter, as on a cold server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import threading
from ganloss_viz.ui import shell
errors = []
def visit(page, module):
    try:
        shell.import_library(page)
        __import__(module)
    except Exception as exc:
        errors.append(f"{module}: {type(exc).__name__}: {exc}")
threads = [threading.Thread(target=visit, args=a) for a in
           (("train", "ganloss_viz.ui.train_view"), ("compare", "ganloss_viz.ui.compare_view"))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors)
"""


def test_two_first_visits_at_once_import_cleanly():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=300).stdout
    assert out.strip() == "[]", out
