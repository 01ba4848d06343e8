"""``study``: many training runs over losses, targets, seeds and settings, into Parquet.

``study --losses A,B|all --targets T,U --seeds 0-9 [--lr 1e-4,3e-4] [--n-critic 1,5]
[--penalty-weight 1,10] [--width W,...] [--depth D,...] [--batch B,...] [--steps N]
[--random N [--sample-seed S]] [--config FILE] [--address RAY_ADDRESS] [--cpus N]
[--inline] --out DIR``
    ``{"total", "resumed", "ran", "stopped", "seconds", "where", "cpus", "out"}``: the
    runs (ganloss_viz.study) as Ray tasks on an embedded local instance, or on the
    cluster at ``--address`` / ``RAY_ADDRESS``, or in this process with ``--inline``;
    one Parquet row per run in DIR, resumable. A progress bar with an ETA on stderr
    unless ``--json``; Ctrl-C stops cleanly and keeps the finished runs.

Nothing here imports torch or Ray before the command runs (``--help`` stays fast).
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from ganloss_viz.cli.progress import ProgressBar

LIST_AXES = (("lr", float, "learning rates of both networks (default: each loss's)"),
             ("n_critic", int, "discriminator steps per generator step (default: each loss's)"),
             ("penalty_weight", float, "penalty weights, for losses with a penalty "
                                       "(default: each loss's)"),
             ("width", int, "units per hidden layer (default: 64)"),
             ("depth", int, "hidden layers (default: 2)"),
             ("batch", int, "samples per step (default: 128)"))


def split_top(text: str) -> list[str]:
    """Split at the commas outside parentheses / brackets, so that a target may be a spec
    string such as "normal(0, 1)"."""
    parts, depth, cur = [], 0, []
    for ch in text:
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


def number_list(kind: type):
    """An argparse type: comma-separated numbers of `kind`, each > 0."""
    def parse(text: str) -> list:
        out = []
        for part in split_top(text):
            try:
                value = kind(part)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected comma-separated {'whole ' if kind is int else ''}numbers, "
                    f"got {part!r}") from None
            if not value > 0 or value == float("inf"):
                raise argparse.ArgumentTypeError(f"expected numbers > 0, got {part!r}")
            out.append(value)
        if not out:
            raise argparse.ArgumentTypeError("expected at least one number")
        return out
    return parse


def add_study(sub: argparse.ArgumentParser) -> None:
    """The options of ``study`` (see the module docstring)."""
    sub.add_argument("--losses", metavar="A,B,...",
                     help="losses, comma-separated, or 'all' (the 18 losses)")
    sub.add_argument("--targets", metavar="T,U,...",
                     help="targets, comma-separated (names or specs), e.g. ring8,grid25")
    sub.add_argument("--seeds", metavar="0-9", help="seeds: a range 0-9 and/or a list 0,3,7")
    for name, kind, what in LIST_AXES:
        sub.add_argument(f"--{name.replace('_', '-')}", type=number_list(kind), default=None,
                         metavar="X,Y,...", help=what)
    sub.add_argument("--steps", type=int, default=None,
                     help="generator steps of every run (default: 1000)")
    sub.add_argument("--random", type=int, default=None, metavar="N",
                     help="random search: N settings combinations drawn from the grid")
    sub.add_argument("--sample-seed", type=int, default=None,
                     help="seed of the --random draw (default: 0)")
    sub.add_argument("--config", metavar="FILE", default=None,
                     help="a .toml or .json study file (the options' names as keys; "
                          "options given here override it)")
    sub.add_argument("--address", metavar="RAY_ADDRESS", default=None,
                     help="a Ray cluster's head, host:port (default: RAY_ADDRESS, else an "
                          "embedded local Ray instance)")
    sub.add_argument("--cpus", type=int, default=None,
                     help="CPUs of the embedded local Ray instance (default: all cores)")
    sub.add_argument("--inline", action="store_true",
                     help="run in this process, one run after another, without Ray")
    sub.add_argument("--out", required=True, metavar="DIR",
                     help="results folder (Parquet; an existing one of the same study resumes)")


def declaration(args: argparse.Namespace) -> dict:
    """The study as plain data: the --config file's, overridden by the options given."""
    from ganloss_viz.losses import names as loss_names
    from ganloss_viz.study.grid import parse_seeds

    data: dict[str, Any] = {}
    if args.config is not None:
        from ganloss_viz.study.grid import load_file

        data = load_file(args.config).describe()
    if args.losses is not None:
        data["losses"] = loss_names() if args.losses.strip() == "all" else split_top(args.losses)
    if args.targets is not None:
        data["targets"] = split_top(args.targets)
    if args.seeds is not None:
        data["seeds"] = parse_seeds(args.seeds)
    for name, _, _ in LIST_AXES:
        if getattr(args, name) is not None:
            data[name] = getattr(args, name)
    for name in ("steps", "random", "sample_seed"):
        if getattr(args, name) is not None:
            data[name] = getattr(args, name)
    for name in ("losses", "targets", "seeds"):
        if not data.get(name):
            raise ValueError(f"the study has no {name}: give --{name} (or a --config file)")
    return data


class StudyBar(ProgressBar):
    """The progress bar, counting runs, with the estimated time left."""

    eta: float | None = None

    def render(self, now: float | None = None, finished: bool = False) -> str:
        line = super().render(now, finished)
        if finished or self.eta is None:
            return line + " runs"
        return line + f" runs, ETA {self.eta:.0f}s"


def cmd_study(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ganloss_viz.study.grid import from_dict
    from ganloss_viz.study.runner import run_study
    from ganloss_viz.study.store import ResultStore

    study = from_dict(declaration(args))
    n = len(study.runs())
    bar = None if args.json else StudyBar(n, label=f"study -> {args.out}")

    def progress(p) -> None:
        if bar is not None:
            bar.eta = p.eta
            bar.update(p.done)

    with bar if bar is not None else contextlib.nullcontext():
        result = run_study(study, args.out, backend="inline" if args.inline else "ray",
                           address=args.address, cpus=args.cpus, callback=progress)
        if bar is not None:
            bar.total = max(1, result.resumed + result.ran)
    ResultStore(args.out).compact()
    obj = dict(result.to_dict(), out=args.out)
    state = "stopped early" if result.stopped else "done"
    text = (f"study {state}: {result.resumed + result.ran} of {result.total} runs in "
            f"{args.out} ({result.resumed} from before, {result.ran} now in "
            f"{result.seconds:.1f} s on {result.where}, {result.cpus} CPUs)")
    return obj, text


__all__ = ["add_study", "cmd_study", "split_top"]
