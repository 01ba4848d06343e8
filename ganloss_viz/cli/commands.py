"""The command handlers: each takes the parsed arguments and returns (JSON object, text).

``list``
    ``{"distributions": [...], "divergences": [...], "losses": [...], "targets": [...]}``
``divergence P Q --div NAME [--param k=v ...]``
    ``{"div", "value", "method", "error", "grad"}``: D(P‖Q) and its gradient with
    respect to every parameter of P and Q.
``fit P Q0 --div NAME [--steps N] [--lr LR] [--param k=v ...]``
    ``{"div", "value", "q", "params", "steps"}``: Q, started at Q0, moved down
    D(P‖Q) by gradient descent on its parameters (with a progress bar on stderr
    unless ``--json``).
``train --loss NAME --target NAME [--steps N] [--seed S] [--device D] [--width W]
[--depth D] [--batch B] [--lr LR] [--html FILE]``
    ``{"loss", "target", "steps", "seconds", "steps_per_s", "device", "diverged",
    "stopped", "message", "wall_seconds", "metrics": {...}, "config": {...}}`` (plus
    ``"html"`` with ``--html``): one GAN training run (ganloss_viz.train), with a
    progress bar on stderr unless ``--json``.

``optimal --loss NAME P Q``
    ``{"loss", "d_loss_at_optimum", "divergence", "divergence_value", "identity",
    "predicted", "difference", ...}``: the D loss at the loss's optimal discriminator
    (integrated) and the identity that relates it to a divergence (ganloss_viz.optimal).

``dirac --method NAME [--gamma G] [--sigma S] [--clip C] [--g0 G0]``
    ``{"method", "eigenvalues": [[re, im], ...], "converges", "verdict", "params",
    "jacobian", "max_step"}``: the Dirac-GAN's linearisation at the equilibrium.

``compare --losses A,B,... --target NAME [--steps N] [--seed S] [--device D] [--width W]
[--depth D] [--batch B] [--threads T] [--html FILE]``
    ``{"runs": [<train object>, ...], "seconds": t}``: the losses trained side by side
    from the same weights, data and noise (ganloss_viz.train.compare), in the order given.

The library (and with it torch) is reached only inside the handlers: ``ganloss_viz``
imports its engine lazily, on first attribute access.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import ganloss_viz as gv
from ganloss_viz.cli import animations
from ganloss_viz.cli.output import fmt_number, params_text, table
from ganloss_viz.cli.progress import ProgressBar
from ganloss_viz.cli.study import cmd_study
from ganloss_viz.format import fmt, fmt_error, method_label

Handler = Callable[[argparse.Namespace], tuple[dict[str, Any], str]]


class UsageError(ValueError):
    """Bad input found by the command line itself (printed as one line, exit 2)."""


# ----------------------------------------------------------------------------- helpers


def divergence_name(name: str) -> str:
    if name not in gv.DIVERGENCES:
        raise UsageError(f"unknown divergence {name!r}; known: {', '.join(gv.DIVERGENCES)}")
    return name


def divergence_params(name: str, pairs: list[tuple[str, float]]) -> dict[str, float]:
    """The ``--param`` pairs as a dict, refusing unknown and repeated names."""
    declared = dict(getattr(gv.DIVERGENCES[name], "params", {}) or {})
    params: dict[str, float] = {}
    for key, value in pairs:
        if key not in declared:
            known = (f"its parameters are {', '.join(declared)}" if declared
                     else "it takes no parameters")
            raise UsageError(f"--param {key}: unknown parameter of divergence {name!r}; {known}")
        if key in params:
            raise UsageError(f"--param {key} is given more than once")
        params[key] = value
    return params


def distribution(text: str, label: str):
    try:
        return gv.dist(text)
    except ValueError as exc:
        raise UsageError(f"{label}: {exc}") from None


def pair(p_text: str, q_text: str, q_label: str):
    """P and Q parsed from their specs, refusing a dimension mismatch."""
    p = distribution(p_text, "P")
    q = distribution(q_text, q_label)
    if p.dim != q.dim:
        raise UsageError(f"P is {p.dim}-D but {q_label} is {q.dim}-D; "
                         "both must have the same dimension")
    return p, q


def heading(command: str, params: Mapping[str, float]) -> str:
    return command + (f", {params_text(params)}" if params else "")


# ----------------------------------------------------------------------------- commands


def cmd_list(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ganloss_viz import losses, targets
    from ganloss_viz.distributions import FAMILIES

    obj = {
        "distributions": list(FAMILIES),
        "divergences": list(gv.DIVERGENCES),
        "losses": losses.names(),
        "targets": targets.names(),
    }
    width = max(len(k) for k in obj)
    lines = [f"{k + ':':<{width + 1}} {', '.join(v) if v else '(none yet)'}"
             for k, v in obj.items()]
    return obj, "\n".join(lines)


def cmd_divergence(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    name = divergence_name(args.div)
    params = divergence_params(name, args.param)
    p, q = pair(args.p, args.q, "Q")
    from ganloss_viz.divergences.smoothness import NOTES  # torch: not for --help
    from ganloss_viz.exports import divergence_object  # numpy: not for --help

    result = gv.divergence(name, p, q, **params)
    obj = divergence_object(name, result.value, result.method, result.error, result.grad,
                            result.accurate, result.grad_notes)
    label = getattr(gv.DIVERGENCES[name], "label", name)
    lines = [
        heading(f"{name} ({label})", params),
        f"  P = {p.to_spec()}",
        f"  Q = {q.to_spec()}",
        f"  value  = {fmt_number(obj['value'])}",
        f"  method = {method_label(obj['method'])}",
        f"  error  = {fmt_error(obj['error'], obj['method'])}",
    ]
    if not obj["accurate"]:
        lines.append("  warning: not accurate to the digits shown (see error)")
    if obj["grad"]:
        lines.append("  gradient:")
        notes = obj["grad_notes"]
        lines.extend("    " + row for row in table(
            {k: notes[k].replace("_", "-") if k in notes else v
             for k, v in obj["grad"].items()}))
        lines.extend(f"    {k}: {NOTES[n]}" for k, n in obj["grad_notes"].items())
    return obj, "\n".join(lines)


def cmd_fit(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    name = divergence_name(args.div)
    params = divergence_params(name, args.param)
    p, q0 = pair(args.p, args.q0, "Q0")
    files = animations.requested(args)
    bar = None if args.json else ProgressBar(args.steps, label=f"fit {name}")
    with bar if bar is not None else contextlib.nullcontext():
        result = gv.fit(p, q0, name, steps=args.steps, lr=args.lr,
                        callback=bar.update if bar is not None else None, **params)
    obj = {
        "div": name,
        "value": float(result.value),
        "q": result.q.to_spec(),
        "params": {str(k): float(v) for k, v in result.params.items()},
        "steps": int(result.steps),
    }
    lines = [
        heading(f"fit {name}", params)
        + f": {obj['steps']} steps, lr {fmt(args.lr, 9, pad=False)}",
        f"  P  = {p.to_spec()}",
        f"  Q0 = {q0.to_spec()}",
        f"  Q  = {obj['q']}",
        f"  value = {fmt_number(float(result.values[0]))} -> {fmt_number(obj['value'])}",
        "  fitted parameters:",
    ]
    lines.extend("    " + row for row in table(obj["params"]))
    def animation():
        from ganloss_viz.explore.fitframes import FitRun, fit_animation

        run = FitRun(name, q0.to_spec(), obj["q"], obj["value"],
                     tuple(map(float, result.values)), tuple(map(dict, result.trajectory)))
        return fit_animation(p.to_spec(), [run], p.dim)

    animations.write(files, animation, obj, lines, args.json, "animation")
    return obj, "\n".join(lines)


def html_path(text: str | None):
    """The ``--html`` path, refused before training when its folder does not exist."""
    if text is None:
        return None
    from pathlib import Path

    path = Path(text)
    if path.is_dir():
        raise UsageError(f"--html {text}: is a folder; give a file name, e.g. replay.html")
    if not path.parent.is_dir():
        raise UsageError(f"--html {text}: the folder {str(path.parent)!r} does not exist")
    return path


def metrics_text(metrics: Mapping[str, Any]) -> str:
    parts = []
    if "modes" in metrics:
        parts.append(f"modes covered {metrics['modes_covered']}/{metrics['modes']}, "
                     f"HQ {fmt(metrics['hq_fraction'], 6, pad=False)}, "
                     f"reverse KL over modes {fmt(metrics['reverse_kl_modes'], 6, pad=False)}")
    if "w1" in metrics:
        parts.append(f"W1 {fmt(metrics['w1'], 6, pad=False)}")
    return ", ".join(parts) or "(no metrics)"


def cmd_train(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ganloss_viz.train import TrainConfig, train
    from ganloss_viz.train.schedule import parse as parse_schedule

    settings = {k: getattr(args, k) for k in ("width", "depth", "batch")
                if getattr(args, k) is not None}
    if args.lr is not None:
        settings.update(lr_g=args.lr, lr_d=args.lr)
    if args.schedule is not None:
        settings["schedule"] = parse_schedule(args.schedule)
    config = TrainConfig(loss=args.loss, target=args.target, steps=args.steps, seed=args.seed,
                         device=args.device, **settings).resolved()
    html = html_path(args.html)
    files = animations.requested(args, html=False)
    label = f"train {config.to_dict()['loss']} on {config.to_dict()['target']}"
    bar = None if args.json else ProgressBar(config.steps, label=label)
    with bar if bar is not None else contextlib.nullcontext():
        result = train(config, callback=(lambda p: bar.update(p.step)) if bar else None)
        if bar is not None:         # a diverged or stopped run ends short of config.steps
            bar.total = result.steps
    obj = result.to_dict()
    if html is not None:
        from ganloss_viz.figures.train import write_replay_html

        try:
            write_replay_html(html, result.frame, result.snapshots,
                              title=f"{obj['loss']} on {obj['target']} · ")
        except OSError as exc:
            raise UsageError(f"--html {args.html}: cannot write it ({exc.strerror or exc})"
                             ) from None
        obj["html"] = str(html)
    m = obj["metrics"]
    lines = [f"{label}: {obj['steps']} steps in {fmt(obj['seconds'], pad=False)} s "
             f"({fmt(obj['steps_per_s'], pad=False)} steps/s) on {obj['device']}"]
    if result.diverged:
        lines.append(f"  {result.message}; metrics of the last good snapshot (step "
                     f"{result.final.step})")
    elif result.stopped:
        lines.append("  stopped early")
    lines.append("  " + metrics_text(m))
    if "modes" in m:
        cov = m["seconds_to_coverage"]
        lines.append("  seconds to coverage: " + ("never (not every mode covered with HQ >= 0.5)"
                                                  if cov is None else fmt(cov, pad=False)))
    if html is not None:
        lines.append(f"  replay written to {html}")
    def replay():
        from ganloss_viz.figures.train import replay_figure

        return replay_figure(result.frame, result.snapshots,
                             title=f"{obj['loss']} on {obj['target']} · ")

    animations.write(files, replay, obj, lines, args.json, "replay")
    return obj, "\n".join(lines)


def cmd_dirac(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ganloss_viz import dirac

    method = dirac.get(args.method)
    given = {k: getattr(args, k) for k in ("gamma", "sigma", "clip", "g0")}
    unused = [k for k, v in given.items() if v is not None and k not in method.params]
    if unused:
        raise UsageError(f"--{unused[0]} is not a parameter of method {method.name!r}; "
                         f"its parameters: {', '.join(method.params) or 'none'}")
    files = animations.requested(args)
    a = dirac.analyse(method.name, method.params_of(**given))
    params = {k: getattr(a.params, k) for k in method.params}
    obj = {"method": method.name, "eigenvalues": [[z.real, z.imag] for z in a.eigenvalues],
           "converges": a.converges, "verdict": a.verdict, "params": params,
           "jacobian": a.jacobian.tolist(), "max_step": a.max_step}
    eig = ", ".join(f"{fmt(z.real)} {'+' if z.imag >= 0 else '−'} {fmt(abs(z.imag))}i"
                    for z in a.eigenvalues)
    shown = "".join(f", {k}={fmt(v, pad=False)}" for k, v in params.items())
    lines = [f"dirac {method.name} ({method.label}){shown}",
             f"  eigenvalues of the Jacobian at (0, 0): {eig}",
             f"  {a.verdict.replace('_', ' ')}: {a.reason}"]
    if a.max_step is not None:
        lines.append(f"  simultaneous GD converges locally for step sizes h < {fmt(a.max_step)}")
    def paths():
        from ganloss_viz import dirac_panels
        from ganloss_viz.figures.dirac import field_animation
        from ganloss_viz.state.dirac import DiracState

        page = DiracState()     # the page's start, step and steps
        return field_animation(dirac_panels.panels(
            [method.name], a.params, (page.theta0, page.psi0), page.h, page.steps))

    animations.write(files, paths, obj, lines, args.json, "paths")
    return obj, "\n".join(lines)


def cmd_optimal(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ganloss_viz.optimal import optimal, optimal_loss

    loss = optimal_loss(args.loss)
    p, q = pair(args.p, args.q, "Q")
    r = optimal(loss, p, q)
    obj = r.to_dict()
    lines = [f"optimal {r.loss} ({loss.label})", f"  P = {r.p}", f"  Q = {r.q}",
             f"  optimum: {r.curve_units}",
             f"  identity: {r.identity}",
             f"  d_loss at the optimum ({method_label(r.method)}, error "
             f"{fmt_error(r.error, r.method)}) = {fmt_number(r.d_loss_at_optimum)}",
             f"  {r.divergence} = {fmt_number(r.divergence_value)}, so the identity predicts "
             f"{fmt_number(r.predicted)}",
             f"  difference = {fmt_number(r.difference)}"]
    if r.note:
        lines.append(f"  note: {r.note}")
    return obj, "\n".join(lines)


def cmd_compare(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ganloss_viz.train import compare
    from ganloss_viz.train.compare import run_configs

    losses = [name.strip() for name in args.losses.split(",")]
    settings = {k: getattr(args, k) for k in ("width", "depth", "batch", "threads")
                if getattr(args, k) is not None}
    configs = run_configs(losses, args.target, args.steps, args.seed,
                          dict(settings, device=args.device))
    html = html_path(args.html)
    files = animations.requested(args, html=False)
    names = [c.to_dict()["loss"] for c in configs]
    label = f"compare {','.join(names)} on {configs[0].to_dict()['target']}"
    bar = None if args.json else ProgressBar(configs[0].steps, label=label)
    with bar if bar is not None else contextlib.nullcontext():
        result = compare(losses, args.target, args.steps, args.seed, device=args.device,
                         callback=(lambda p: bar.update(p.step)) if bar else None, **settings)
        if bar is not None:         # every run diverged early
            bar.total = max(r.steps for r in result.runs)
    obj = result.to_dict()
    if html is not None:
        from ganloss_viz.figures.train import write_replays_html

        try:
            write_replays_html(html, [(n, r.frame, r.snapshots)
                                      for n, r in zip(names, result.runs, strict=True)], label)
        except OSError as exc:
            raise UsageError(f"--html {args.html}: cannot write it ({exc.strerror or exc})"
                             ) from None
        obj["html"] = str(html)
    first = result.runs[0]
    lines = [f"{label}: {fmt(first.seconds, pad=False)} s of training "
             f"({fmt(first.steps_per_s, pad=False)} steps/s of all runs together), "
             f"{fmt(obj['seconds'], pad=False)} s in all on {first.device}"]
    for name, run in zip(names, result.runs, strict=True):
        m = run.to_dict()["metrics"]
        end = (f"{run.message}" if run.diverged else "stopped" if run.stopped
               else f"{run.steps} steps")
        cov = m["seconds_to_coverage"]
        lines.append(f"  {name}: {end}; {metrics_text(m)}"
                     + ("" if "modes" not in m else "; seconds to coverage "
                        + ("never" if cov is None else fmt(cov, pad=False))))
    if html is not None:
        lines.append(f"  replays written to {html}")
    def grid():
        from ganloss_viz.figures.compare import Panel, grid_figure

        return grid_figure([Panel(n, r.frame, r.snapshots)
                            for n, r in zip(names, result.runs, strict=True)],
                           title=f"{label} · ")

    animations.write(files, grid, obj, lines, args.json, "grid")
    return obj, "\n".join(lines)


COMMANDS: dict[str, Handler] = {
    "list": cmd_list,
    "divergence": cmd_divergence,
    "fit": cmd_fit,
    "train": cmd_train,
    "compare": cmd_compare,
    "dirac": cmd_dirac,
    "optimal": cmd_optimal,
    "study": cmd_study,
}
