"""A study's declaration: which runs it makes (a grid, or a random sample of it).

A study crosses losses × targets × seeds × settings, where the settings are the
training knobs a study may vary (SETTINGS: learning rate of both networks, critic
steps, penalty weight, width, depth, batch); an axis left empty keeps each loss's
default (lr, n_critic, penalty_weight) or the study's fixed value (width, depth, batch).
With `random=N`, N settings combinations are drawn (without replacement, by `sample_seed`)
from the settings grid, as in the random searches of Lucic et al. 2018, "Are GANs
Created Equal?"; every loss × target × seed then runs each of the drawn combinations.

    from ganloss_viz.study import Study
    s = Study(losses=["ns", "ns_r1"], targets=["ring8"], seeds=range(5), lr=[1e-4, 1e-3])
    s.runs()        # 20 Run objects, each with a stable run_id

A Study is validated once, before anything runs: an unknown name, an empty axis, a
setting over its cap (ganloss_viz.train.config CAPS, or HOSTED_CAPS and HOSTED_MAX_RUNS
when hosted) raises ValueError naming it, so a bad study never starts a results file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random as _random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..losses import get
from ..targets import get_target
from ..train.config import TrainConfig

SETTINGS = ("lr", "n_critic", "penalty_weight", "width", "depth", "batch")
"""The settings a study may vary, in the order of a run's columns."""

DEFAULT_STEPS = 1000
"""Steps of a study run unless given: short runs, so that a grid of thousands fits."""

MAX_RUNS = 100_000
HOSTED_MAX_RUNS = 24
"""Runs in one study: the cap, and the cap of a study started from the hosted app."""

HOSTED_MAX_STEPS = 500
"""Steps of each run of a study started from the hosted app."""

FIXED = {"width": 64, "depth": 2, "batch": 128}
"""A study's network and batch when those axes are left empty: a quarter of the
trainer's default cost per step (width 128, depth 3, batch 256)."""


@dataclass(frozen=True)
class Run:
    """One run of a study: loss, target, seed, steps and the settings (None: the loss's
    default). `run_id` identifies it across resumes (a hash of all of these)."""

    loss: str
    target: str
    seed: int
    steps: int
    lr: float | None
    n_critic: int | None
    penalty_weight: float | None
    width: int
    depth: int
    batch: int

    @property
    def run_id(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def config(self) -> TrainConfig:
        """The TrainConfig of this run (CPU, one torch thread, 10 snapshots with metrics)."""
        return TrainConfig(
            loss=self.loss, target=self.target, steps=self.steps, seed=self.seed,
            device="cpu", width=self.width, depth=self.depth, batch=self.batch,
            lr_g=self.lr, lr_d=self.lr, n_critic=self.n_critic,
            penalty_weight=self.penalty_weight, snapshot_every=max(1, self.steps // 10),
            points=64, grid=4, threads=1)


def parse_seeds(text: str) -> list[int]:
    """"0-9" -> 0..9, "0,3,7" -> [0, 3, 7], or a mix ("0-4,10"); ValueError otherwise."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        low, dash, high = part.partition("-")
        try:
            a = int(low)
            b = int(high) if dash else a
        except ValueError:
            raise ValueError(f"seeds must look like 0-9 or 0,3,7; got {text!r}") from None
        if a < 0 or b < a:
            raise ValueError(f"bad seed range {part!r} in {text!r} (need 0 <= first <= last)")
        seeds.extend(range(a, b + 1))
    return list(dict.fromkeys(seeds))


def _names(values: Iterable[str], what: str) -> list[str]:
    out = [v.strip() for v in values if v.strip()]
    if not out:
        raise ValueError(f"the study has no {what}")
    repeated = sorted({v for v in out if out.count(v) > 1})
    if repeated:
        raise ValueError(f"each of the {what} may appear once; repeated: {', '.join(repeated)}")
    return out


@dataclass(frozen=True)
class Study:
    """A grid (or, with `random`, a random sample of the settings grid) of runs.

    losses, targets: names (targets may also be spec strings); seeds: whole numbers >= 0;
    steps: generator steps of every run (DEFAULT_STEPS); lr, n_critic, penalty_weight,
    width, depth, batch: the values each setting takes (empty: see the module
    docstring); random: draw that many settings combinations instead of the full grid;
    sample_seed: the draw's seed; hosted: the hosted app's caps.
    """

    losses: tuple[str, ...]
    targets: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int = DEFAULT_STEPS
    lr: tuple[float, ...] = ()
    n_critic: tuple[int, ...] = ()
    penalty_weight: tuple[float, ...] = ()
    width: tuple[int, ...] = ()
    depth: tuple[int, ...] = ()
    batch: tuple[int, ...] = ()
    random: int | None = None
    sample_seed: int = 0
    hosted: bool = False
    _runs: tuple[Run, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("losses", "targets", "seeds", *SETTINGS):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "_runs", tuple(self._build()))

    def settings_grid(self) -> list[dict]:
        """Every combination of the settings' values (a one-value axis where empty)."""
        axes = [getattr(self, s) or (FIXED.get(s),) for s in SETTINGS]
        return [dict(zip(SETTINGS, combo, strict=True)) for combo in itertools.product(*axes)]

    def _build(self) -> list[Run]:
        losses = [get(n).name for n in _names(self.losses, "losses")]
        targets = _names(self.targets, "targets")
        for t in targets:
            get_target(t)
        if not self.seeds:
            raise ValueError("the study has no seeds")
        for s in self.seeds:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise ValueError(f"seeds must be whole numbers >= 0, got {s!r}")
        grid = self.settings_grid()
        if self.random is not None:
            if isinstance(self.random, bool) or not isinstance(self.random, int) \
                    or not 1 <= self.random <= len(grid):
                raise ValueError(f"random must be a whole number from 1 to the {len(grid)} "
                                 f"settings combinations, got {self.random!r}")
            grid = _random.Random(self.sample_seed).sample(grid, self.random)
        n = len(losses) * len(targets) * len(self.seeds) * len(grid)
        cap = HOSTED_MAX_RUNS if self.hosted else MAX_RUNS
        which = "hosted cap" if self.hosted else "cap"
        if n > cap:
            raise ValueError(f"the study has {n} runs, over the {which} of {cap}")
        if self.hosted and self.steps > HOSTED_MAX_STEPS:
            raise ValueError(f"steps = {self.steps} exceeds the hosted cap of "
                             f"{HOSTED_MAX_STEPS} for a study")
        runs = [Run(loss=lo, target=t, seed=s, steps=self.steps, **g)
                for lo in losses for t in targets for g in grid for s in self.seeds]
        # every distinct (loss, target, settings) once through TrainConfig's checks and caps
        for r in {r.run_id: r for r in runs if r.seed == self.seeds[0]}.values():
            cfg = r.config()
            TrainConfig(**{**asdict(cfg), "hosted": self.hosted}).resolved()
        return runs

    def runs(self) -> list[Run]:
        """The study's runs: losses, then targets, then settings, then seeds."""
        return list(self._runs)

    def describe(self) -> dict:
        """The declaration as plain data (what `from_dict` reads back)."""
        out = {"losses": list(self.losses), "targets": list(self.targets),
               "seeds": list(self.seeds), "steps": self.steps}
        for s in SETTINGS:
            if getattr(self, s):
                out[s] = list(getattr(self, s))
        if self.random is not None:
            out["random"], out["sample_seed"] = self.random, self.sample_seed
        return out


KEYS = ("losses", "targets", "seeds", "steps", *SETTINGS, "random", "sample_seed")


def from_dict(data: dict, hosted: bool = False) -> Study:
    """A Study from plain data (a TOML / JSON file): the keys of KEYS; `seeds` may be a
    list or a "0-9" string, the others lists (or one value). Unknown keys are errors."""
    if not isinstance(data, dict):
        raise ValueError("a study file holds one table / object of settings")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ValueError(f"unknown study key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
    kw = dict(data)
    if isinstance(kw.get("seeds"), str):
        kw["seeds"] = parse_seeds(kw["seeds"])
    for k in ("losses", "targets", "seeds", *SETTINGS):
        if k in kw and not isinstance(kw[k], list | tuple):
            kw[k] = [kw[k]]
    for k in ("losses", "targets", "seeds"):
        kw.setdefault(k, [])
    return Study(**kw, hosted=hosted)


def load_file(path: str, hosted: bool = False) -> Study:
    """A Study from a .toml or .json file (see from_dict)."""
    import tomllib
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ValueError(f"cannot read the study file {path!r}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode()) if path.endswith(".toml") else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"the study file {path!r} is not valid "
                         f"{'TOML' if path.endswith('.toml') else 'JSON'}: {e}") from None
    return from_dict(data, hosted=hosted)


__all__ = ["DEFAULT_STEPS", "FIXED", "HOSTED_MAX_RUNS", "HOSTED_MAX_STEPS", "KEYS", "MAX_RUNS",
           "SETTINGS", "Run", "Study", "from_dict", "load_file", "parse_seeds"]
