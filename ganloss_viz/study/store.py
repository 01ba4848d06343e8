"""Study results on disk: a folder of Parquet parts, one row per finished run.

Parquet files cannot be appended to in place, so each batch of finished runs becomes
a new part file `part-<time>-<n>.parquet`, written under a temporary name, flushed to
disk and renamed into place (os.replace is atomic on POSIX): a reader or a resume sees
whole parts only, and a driver killed mid-write leaves at most a `.tmp` file, which
is ignored and removed at the next open. `compact()` merges the parts into
`results.parquet` the same way. Rows are keyed by `run_id`; reading keeps the first
row of each id, so a crash between writing the merged file and removing the parts
duplicates nothing.

    store = ResultStore("results/")
    store.done_ids()          # run ids already finished (a resume skips them)
    store.append(rows)        # rows: dicts as ganloss_viz.study.execute returns
    table = store.read()      # a pyarrow Table

The folder also holds `study.json`, the study's declaration (written once, checked
on resume: a different study in the same folder is an error, not a silent mix).
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import time

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema([
    ("run_id", pa.string()), ("loss", pa.string()), ("target", pa.string()),
    ("seed", pa.int64()), ("steps", pa.int64()), ("lr", pa.float64()),
    ("n_critic", pa.int64()), ("penalty_weight", pa.float64()), ("width", pa.int64()),
    ("depth", pa.int64()), ("batch", pa.int64()), ("lr_g", pa.float64()),
    ("lr_d", pa.float64()), ("n_critic_used", pa.int64()), ("penalty_weight_used", pa.float64()),
    ("modes", pa.int64()), ("modes_covered", pa.int64()), ("hq_fraction", pa.float64()),
    ("reverse_kl_modes", pa.float64()), ("w1", pa.float64()),
    ("seconds_to_coverage", pa.float64()), ("diverged", pa.bool_()), ("success", pa.bool_()),
    ("ever_covered", pa.bool_()), ("steps_done", pa.int64()), ("seconds", pa.float64()),
    ("wall_seconds", pa.float64()), ("cpu_seconds", pa.float64()), ("node", pa.string()),
])
"""The columns of a results row (ganloss_viz.study.execute), in order."""

MERGED = "results.parquet"
DECLARATION = "study.json"
_counter = itertools.count()


def _write_atomic(table: pa.Table, path: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def rows_table(rows: list[dict]) -> pa.Table:
    """Rows (dicts with SCHEMA's columns) as a Table; a missing or extra column is an error."""
    for row in rows:
        if set(row) != set(SCHEMA.names):
            missing, extra = set(SCHEMA.names) - set(row), set(row) - set(SCHEMA.names)
            raise ValueError(f"a results row must have the study columns; missing "
                             f"{sorted(missing)}, extra {sorted(extra)}")
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def dedupe(table: pa.Table) -> pa.Table:
    """The first row of each run_id."""
    seen: set[str] = set()
    keep = []
    for i, rid in enumerate(table.column("run_id").to_pylist()):
        if rid not in seen:
            seen.add(rid)
            keep.append(i)
    return table.take(keep) if len(keep) < table.num_rows else table


def read_results(source) -> pa.Table:
    """A results Table from a folder (a ResultStore), a .parquet file or its bytes / a
    file-like object (an upload). ValueError when it is not a study's results."""
    if isinstance(source, str | os.PathLike) and os.path.isdir(source):
        return ResultStore(source).read()
    try:
        table = pq.read_table(pa.BufferReader(source) if isinstance(source, bytes) else source)
    except (OSError, pa.ArrowException) as e:
        raise ValueError(f"not a Parquet file: {e}") from None
    missing = [n for n in SCHEMA.names if n not in table.column_names]
    if missing:
        raise ValueError(f"not a study's results: the columns {', '.join(missing)} are missing")
    try:
        table = table.select(SCHEMA.names).cast(SCHEMA)
    except (pa.ArrowException, ValueError) as e:
        raise ValueError(f"not a study's results: {e}") from None
    return dedupe(table)


class ResultStore:
    """A results folder (see the module docstring)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = os.fspath(folder)

    def _parts(self) -> list[str]:
        merged = os.path.join(self.folder, MERGED)
        parts = sorted(glob.glob(os.path.join(self.folder, "part-*.parquet")))
        return ([merged] if os.path.exists(merged) else []) + parts

    def open(self, declaration: dict) -> None:
        """Create the folder (or resume it): write or check the study's declaration and
        remove temporary files a killed driver left."""
        os.makedirs(self.folder, exist_ok=True)
        for tmp in glob.glob(os.path.join(self.folder, "*.tmp")):
            os.remove(tmp)
        path = os.path.join(self.folder, DECLARATION)
        if os.path.exists(path):
            with open(path) as f:
                old = json.load(f)
            if old != declaration:
                raise ValueError(f"{self.folder} holds the results of a different study; "
                                 f"use another --out folder")
            return
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(declaration, f, indent=1)
        os.replace(tmp, path)

    def declaration(self) -> dict | None:
        """The study's declaration, or None when the folder has none."""
        path = os.path.join(self.folder, DECLARATION)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)

    def append(self, rows: list[dict]) -> None:
        """Write `rows` as one new part, atomically (nothing for no rows)."""
        if not rows:
            return
        name = f"part-{time.time_ns():020d}-{os.getpid()}-{next(_counter)}.parquet"
        _write_atomic(rows_table(rows), os.path.join(self.folder, name))

    def read(self) -> pa.Table:
        """Every finished run (first row per run_id), in the order they were written."""
        tables = [pq.read_table(p, schema=SCHEMA) for p in self._parts()]
        if not tables:
            return SCHEMA.empty_table()
        return dedupe(pa.concat_tables(tables))

    def done_ids(self) -> set[str]:
        """The run ids already in the folder."""
        return set(self.read().column("run_id").to_pylist())

    def compact(self) -> None:
        """Merge every part into MERGED (atomically), then remove the parts."""
        parts = [p for p in self._parts() if not p.endswith(MERGED)]
        if not parts:
            return
        _write_atomic(self.read(), os.path.join(self.folder, MERGED))
        for p in parts:
            os.remove(p)


__all__ = ["DECLARATION", "MERGED", "SCHEMA", "ResultStore", "dedupe", "read_results",
           "rows_table"]
