"""A run's schedule: the settings changed mid-run and the lone D or G steps, by step.

A run paused in the app can be steered (a learning rate, the critic steps, the penalty
weight, the loss itself) and stepped one network at a time; each such act is an
`Event` at the generator step where it happened. The events are kept in the run's
`TrainConfig.schedule`, so that the record of a run says everything that made it, and
training the same config with that schedule from scratch gives the same networks, bit
for bit on the CPU (`ganloss_viz.train.trainer.Trainer` applies the events at their
steps either way).

Text form (the CLI's ``--schedule``, the CSV export):
``"200: lr_d=5e-4, loss=hinge; 350: step_d=1"``: events at step 200, then at 350,
applied in the order written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import TrainConfig

STEERABLE = ("lr_g", "lr_d", "n_critic", "penalty_weight", "loss")
"""Settings that may change mid-run."""
LONE_STEPS = ("step_d", "step_g")
"""Acts: that many discriminator (step_d) or generator (step_g) steps alone."""
MAX_EVENTS = 200
MAX_LONE = 100        # lone steps in one event


@dataclass(frozen=True)
class Event:
    """At generator step `step`: set `name` (one of STEERABLE) to `value`, or make
    `value` lone steps of one network (`name` "step_d" or "step_g")."""

    step: int
    name: str
    value: Any

    def text(self) -> str:
        return f"{self.name}={self.value!r}" if isinstance(self.value, float) \
            else f"{self.name}={self.value}"

    def to_dict(self) -> dict:
        return {"step": self.step, self.name: self.value}


def steer(cfg: TrainConfig, name: str, value: Any) -> TrainConfig:
    """`cfg` (resolved) with `name` set to `value`, resolved and validated with the same
    caps. A new loss takes its own default penalty weight (the other settings stay:
    learning rates, critic steps and the optimizer are the run's, not the loss's).
    ValueError for an unknown name or a bad value."""
    if name not in STEERABLE:
        raise ValueError(f"cannot change '{name}' during a run; these can: "
                         f"{', '.join(STEERABLE)}")
    if name == "penalty_weight" and cfg.loss_object().penalty is None:
        raise ValueError(f"the loss '{cfg.loss_object().name}' has no penalty to weight")
    changes: dict[str, Any] = {name: value}
    if name == "loss":
        changes["penalty_weight"] = None
    return replace(cfg, **changes).resolved()


def check(cfg: TrainConfig, events: tuple[Event, ...]) -> None:
    """Raise ValueError for the first bad event of `events` in `cfg` (resolved): steps
    in order within 0..steps, known names, values the settings accept."""
    if len(events) > MAX_EVENTS:
        raise ValueError(f"a schedule holds at most {MAX_EVENTS} events, got {len(events)}")
    last = 0
    for ev in events:
        if not isinstance(ev, Event):
            raise ValueError(f"a schedule holds Events, got {ev!r}")
        if isinstance(ev.step, bool) or not isinstance(ev.step, int) or \
                not last <= ev.step <= cfg.steps:
            raise ValueError(f"schedule steps must be whole numbers in order within "
                             f"{last}..{cfg.steps}, got {ev.step!r}")
        last = ev.step
        if ev.name in LONE_STEPS:
            v = ev.value
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_LONE:
                raise ValueError(f"{ev.name} must be a whole number in 1..{MAX_LONE}, "
                                 f"got {v!r}")
        else:
            try:
                cfg = steer(cfg, ev.name, ev.value)
            except ValueError as exc:
                raise ValueError(f"schedule, step {ev.step}: {exc}") from None


def _value(name: str, text: str) -> Any:
    if name == "loss":
        return text
    try:
        return int(text) if name in ("n_critic", *LONE_STEPS) else float(text)
    except ValueError:
        raise ValueError(f"{name} needs a number, got '{text}'") from None


def parse(text: str) -> tuple[Event, ...]:
    """Events from the text form (module docstring); ValueError saying what is wrong."""
    events = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        step_text, sep, acts = part.partition(":")
        if not sep or not step_text.strip().isdigit():
            raise ValueError(f"a schedule part reads 'STEP: name=value, ...', got '{part}'")
        for act in (a.strip() for a in acts.split(",")):
            name, eq, value = (s.strip() for s in act.partition("="))
            if not eq or name not in STEERABLE + LONE_STEPS:
                raise ValueError(f"'{act}' is not name=value with a name among "
                                 f"{', '.join(STEERABLE + LONE_STEPS)}")
            events.append(Event(int(step_text), name, _value(name, value)))
    return tuple(events)


def text(events: tuple[Event, ...]) -> str:
    """The text form of `events` (parse(text(e)) == e)."""
    parts: list[str] = []
    for ev in events:
        head = f"{ev.step}:"
        if parts and parts[-1].startswith(head):
            parts[-1] += f", {ev.text()}"
        else:
            parts.append(f"{head} {ev.text()}")
    return "; ".join(parts)


__all__ = ["LONE_STEPS", "STEERABLE", "Event", "check", "parse", "steer", "text"]
