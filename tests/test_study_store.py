"""The results folder: rows round-trip through Parquet, parts are whole or absent,
a resume sees the finished run ids, compaction keeps every row once, and files that are
not a study's results are refused with a sentence."""

from __future__ import annotations

import io
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ganloss_viz.study.store import MERGED, SCHEMA, ResultStore, read_results, rows_table


def make_row(i: int, **over) -> dict:
    row = {name: None for name in SCHEMA.names}
    row.update(run_id=f"id{i}", loss="ns", target="ring8", seed=i, steps=100, width=64,
               depth=2, batch=128, lr_g=1e-3, lr_d=1e-3, n_critic_used=1, modes=8,
               modes_covered=i % 9, hq_fraction=0.1 * (i % 10), reverse_kl_modes=0.5,
               w1=1.0 / (i + 1), diverged=False, success=i % 2 == 0, ever_covered=True,
               steps_done=100, seconds=1.5, wall_seconds=1.6, cpu_seconds=1.4, node="local")
    row.update(over)
    return row


def test_rows_round_trip_and_dedupe(tmp_path):
    store = ResultStore(tmp_path / "out")
    store.open({"study": 1})
    store.append([make_row(0), make_row(1)])
    store.append([make_row(2), make_row(1, w1=99.0)])          # a repeat of id1 (a rerun)
    table = store.read()
    assert table.column("run_id").to_pylist() == ["id0", "id1", "id2"]
    assert table.to_pylist()[1] == make_row(1)                 # the first row of an id wins
    assert store.done_ids() == {"id0", "id1", "id2"}
    store.compact()
    assert sorted(os.listdir(tmp_path / "out")) == [MERGED, "study.json"]
    assert store.read().to_pylist() == table.to_pylist()
    store.append([make_row(3)])
    assert store.read().num_rows == 4


def test_a_killed_writer_leaves_no_partial_part(tmp_path):
    store = ResultStore(tmp_path)
    store.open({"study": 1})
    store.append([make_row(0)])
    (tmp_path / "part-999.parquet.123.tmp").write_bytes(b"PAR1 half a file")
    assert store.read().num_rows == 1                          # a .tmp is never read
    store.open({"study": 1})                                   # a resume removes it
    assert not list(tmp_path.glob("*.tmp"))


def test_another_study_in_the_folder_is_refused(tmp_path):
    store = ResultStore(tmp_path)
    store.open({"losses": ["ns"]})
    store.append([make_row(0)])
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ValueError, match="holds the results of a different study"):
        ResultStore(tmp_path).open({"losses": ["hinge"]})
    assert sorted(os.listdir(tmp_path)) == before


def test_rows_must_have_the_columns():
    with pytest.raises(ValueError, match="missing \\['w1'\\]"):
        rows_table([{k: v for k, v in make_row(0).items() if k != "w1"}])


def test_read_results_from_bytes_and_refusals(tmp_path):
    buf = io.BytesIO()
    pq.write_table(rows_table([make_row(0), make_row(1)]), buf)
    assert read_results(buf.getvalue()).num_rows == 2
    with pytest.raises(ValueError, match="not a Parquet file"):
        read_results(b"loss,target\nns,ring8\n")
    other = io.BytesIO()
    pq.write_table(pa.table({"run_id": ["a"], "loss": ["ns"]}), other)
    with pytest.raises(ValueError, match="columns .* are missing"):
        read_results(other.getvalue())
    assert read_results(str(tmp_path)).num_rows == 0           # an empty folder: no runs
