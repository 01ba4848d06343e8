"""A finished run as people and files read it: metric rows, CSV and JSON.

The Train and Compare pages show these rows and offer them as downloads; the CLI's
``train --json`` writes the same `TrainResult.to_dict`. A diverged run's NaN losses are
data here, written as ``"nan"`` (see `ganloss_viz.jsondata`).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ganloss_viz.format import fmt
from ganloss_viz.jsondata import jsonable
from ganloss_viz.train.record import TrainResult
from ganloss_viz.train.schedule import text as schedule_text


def metric_rows(result: TrainResult) -> list[tuple[str, Any, str]]:
    """(metric, raw value, shown text) of a finished run."""
    m = result.metrics
    rows: list[tuple[str, Any, str]] = []
    if "modes" in m:
        rows += [
            ("modes covered", m["modes_covered"], f"{m['modes_covered']} of {m['modes']}"),
            # a fraction of the metric samples: exact, so no padded zeros (0.2592, not
            # 0.259200); the other values carry six significant figures, trimmed
            ("high-quality fraction", m["hq_fraction"], fmt(m["hq_fraction"], pad=False)),
            ("reverse KL of the modes (nats)", m["reverse_kl_modes"],
             fmt(m["reverse_kl_modes"], pad=False)),
        ]
    rows.append(("W1 to the target", m.get("w1"),
                 fmt(m["w1"], pad=False) if "w1" in m else "—"))
    cov = result.seconds_to_coverage
    rows.append(("seconds to coverage", cov,
                 fmt(cov, pad=False) if cov is not None else
                 ("not reached" if "modes" in m else "— (no modes)")))
    rows += [
        ("steps", result.steps, f"{result.steps:,}"),
        ("training seconds", result.seconds, fmt(result.seconds, pad=False)),
        ("steps/s", result.steps_per_s, fmt(result.steps_per_s, pad=False)),
        ("device", result.device, result.device),
    ]
    status = result.message if result.diverged else \
        ("stopped early" if result.stopped else "finished")
    rows.append(("status", status, status))
    if result.config.schedule:            # settings changed mid-run: what remakes the run
        sched = schedule_text(tuple(result.config.schedule))
        rows.append(("schedule", sched, sched))
    return rows


def metrics_csv(rows: list[tuple[str, Any, str]]) -> str:
    """The rows of `metric_rows` as a two-column CSV (metric, raw value)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["metric", "value"])
    for name, value, _ in rows:
        writer.writerow([name, "" if value is None else value])
    return out.getvalue()


def result_json(obj: dict) -> str:
    """Indented JSON of a result's `to_dict` (a run's or a comparison's)."""
    return json.dumps(jsonable(obj, nan="nan"), indent=2, allow_nan=False)
