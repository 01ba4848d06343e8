"""Stored mpmath references for the CI exactness search (tests/test_exactness_search.py).

The search's reference (tests/mp_reference.py, mpmath at 40 digits with a 28-digit
control pass) is deterministic and shares no code with the library, but it costs up to
two minutes a pair: computed live it took 540 s of CI's 2 workers. Its values are
computed once here and stored with a stamp of what they depend on (the reference
module's text, the pair budget, mpmath's version), as scipy keeps mpmath-made tables:

    .venv/bin/python tests/exactness_refs.py            # recompute and store (2 workers)

The search uses a stored entry only when the stamp matches; otherwise it computes the
reference live. `test_stored_references_are_current` fails when the stamp is stale, and
`test_stored_references_match_a_live_run` recomputes the cheapest pairs and compares.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor

import mpmath

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mp_reference as R  # noqa: E402

FILE = os.path.join(HERE, "data", "exactness_refs.json")


def stamp(pair_work: int) -> str:
    """What a stored reference depends on: the reference module, the budget, mpmath."""
    h = hashlib.sha256()
    with open(R.__file__, "rb") as f:
        h.update(f.read())
    h.update(f"{pair_work} {mpmath.__version__}".encode())
    return h.hexdigest()[:20]


def pair_key(P, Q, alpha: float, ralpha: float, bw: float, grad_divs) -> str:
    """One pair's key: the two specs, the three parameters and the gradients asked for."""
    grads = sorted(grad_divs) if not isinstance(grad_divs, bool) else grad_divs
    return json.dumps([P.spec, Q.spec, alpha, ralpha, bw, grads])


def _encode(refs: dict) -> dict:
    return {d: None if r is None else
            {"value": r.value, "grad": r.grad, "nondiff": sorted(r.nondiff)}
            for d, r in refs.items()}


def _decode(entry: dict) -> dict:
    return {d: None if r is None else R.Ref(float(r["value"]), dict(r["grad"]),
                                            set(r["nondiff"]))
            for d, r in entry.items()}


def load(pair_work: int) -> tuple[bool, dict]:
    """(current, {pair_key: refs}): the stored references, and whether their stamp is the
    current one (a stale file's entries are not returned)."""
    try:
        with open(FILE) as f:
            data = json.load(f)
    except FileNotFoundError:
        return False, {}
    if data.get("stamp") != stamp(pair_work):
        return False, {}
    return True, {k: _decode(e["refs"]) for k, e in data["pairs"].items()}


def spent() -> dict:
    """{pair_key: component evaluations its reference used} from the stored file."""
    with open(FILE) as f:
        data = json.load(f)
    return {k: e["work"] for k, e in data["pairs"].items()}


def compute(job) -> tuple[str, dict, int]:
    """One pair's reference, as the search computes it live: (key, refs, work used)."""
    import test_exactness_search as T

    P, Q, alpha, ralpha, bw, grad_divs = job
    refs = T.references(P, Q, alpha, ralpha, bw, grad_divs=grad_divs)
    used = R._WORK.get("spent")
    return pair_key(P, Q, alpha, ralpha, bw, grad_divs), refs, \
        T.PAIR_WORK if used is None else int(used)


def store(workers: int = 2) -> None:
    """Recompute every CI pair's reference and write FILE."""
    import test_exactness_search as T

    jobs = list(T.ci_pairs())
    with ProcessPoolExecutor(workers) as ex:
        done = list(ex.map(compute, jobs))
    pairs = {k: {"refs": _encode(refs), "work": used} for k, refs, used in done}
    for k, e in pairs.items():
        for r in e["refs"].values():
            if r is not None and not (math.isfinite(r["value"]) or r["value"] == math.inf):
                raise AssertionError(f"bad reference for {k}: {r}")
    os.makedirs(os.path.dirname(FILE), exist_ok=True)
    with open(FILE, "w") as f:
        json.dump({"stamp": stamp(T.PAIR_WORK), "pairs": pairs}, f, indent=1,
                  sort_keys=True)
        f.write("\n")
    print(f"stored {len(pairs)} pairs in {FILE}")


if __name__ == "__main__":
    store(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
