"""Studies: which GAN loss is reliable, over seeds and settings.

A `Study` (grid.py) declares the runs: losses × targets × seeds × settings (a grid or a
random sample of it); `execute` (execute.py) trains one run into one results row;
`run_study` (runner.py) runs a study's unfinished runs on Ray (an embedded local
instance, or a cluster) or in this process, streaming rows into a `ResultStore`
(store.py: a folder of Parquet parts, written atomically, resumable); summary.py turns
rows into success rates with Wilson intervals and best-of-k curves.

    from ganloss_viz.study import Study, run_study, read_results
    study = Study(losses=["ns", "ns_r1"], targets=["ring8"], seeds=range(5), lr=[1e-4, 1e-3])
    run_study(study, "results/")             # embedded Ray; backend="inline" without it
    table = read_results("results/")         # pyarrow Table, one row per run
"""

from .execute import execute
from .grid import HOSTED_MAX_RUNS, HOSTED_MAX_STEPS, MAX_RUNS, Run, Study, from_dict, parse_seeds
from .runner import StudyProgress, StudyResult, run_study
from .store import SCHEMA, ResultStore, read_results
from .summary import Rate, best_of_k, success_table, wilson

__all__ = ["HOSTED_MAX_RUNS", "HOSTED_MAX_STEPS", "MAX_RUNS", "SCHEMA", "Rate", "ResultStore",
           "Run", "Study", "StudyProgress", "StudyResult", "best_of_k", "execute", "from_dict",
           "parse_seeds", "read_results", "run_study", "success_table", "wilson"]
