"""The argument parser of ``python -m ganloss_viz``: commands, options, argument types.

Every usage error is one line on stderr and exit status :data:`EXIT_USAGE` (see
:class:`OneLineErrorParser`). Nothing here imports torch, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import math
from typing import NoReturn

from ganloss_viz.cli.animations import add_options as add_animation_options
from ganloss_viz.cli.output import PROG, print_error
from ganloss_viz.cli.study import add_study

EXIT_OK, EXIT_BUG, EXIT_USAGE = 0, 1, 2

FIT_STEPS, FIT_LR = 200, 0.05
"""``gv.fit``'s documented defaults: 200 Adam steps at learning rate 0.05."""


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print_error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(EXIT_USAGE)


# ----------------------------------------------------------------------------- argument types


def nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value}")
    return value


def positive_int(text: str) -> int:
    value = nonnegative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def finite_float(text: str, what: str = "a finite number") -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text, "a finite number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def key_value(text: str) -> tuple[str, float]:
    """Parse one ``--param`` argument, ``name=number``."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not key.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected name=number (for example alpha=0.5), got {text!r}")
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {key!r} must be a number, got {raw.strip()!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"the value of {key!r} must be a finite number, got {raw.strip()!r}")
    return key, value


# ----------------------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m ganloss_viz``."""
    parser = OneLineErrorParser(
        prog=PROG,
        description="Exact GAN-loss / divergence explorer: values, gradients, direct fits.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--json", action="store_true",
                         help="print one JSON object on stdout (infinities as \"inf\")")
        return sub

    command("list", "list the distribution families, divergences, losses and targets")

    div = command("divergence", "D(P||Q) and its gradient w.r.t. every parameter of P and Q")
    div.add_argument("p", metavar="P", help='spec of P, e.g. "normal(0, 1)"')
    div.add_argument("q", metavar="Q", help='spec of Q, e.g. "normal(1, 2)"')
    add_div_options(div)

    fit = command("fit", "move Q (from Q0) down D(P||Q) by gradient descent on its parameters")
    fit.add_argument("p", metavar="P", help="spec of the fixed distribution P")
    fit.add_argument("q0", metavar="Q0", help="spec of the starting point of Q")
    add_div_options(fit)
    fit.add_argument("--steps", type=nonnegative_int, default=FIT_STEPS,
                     help="number of optimisation steps (default: %(default)s)")
    fit.add_argument("--lr", type=positive_float, default=FIT_LR,
                     help="learning rate (default: %(default)s)")
    add_animation_options(fit)

    add_train(command("train", "train a small 1-D or 2-D GAN with a chosen loss"))
    add_compare(command("compare", "train several losses side by side on one target, from "
                                   "the same initial weights, data and noise"))
    add_dirac(command("dirac", "Dirac-GAN (Mescheder et al. 2018): eigenvalues of the "
                               "gradient field's Jacobian at the equilibrium, convergence"))
    add_optimal(command("optimal", "the D loss at a loss's optimal discriminator for data P "
                                   "and generator Q, and the divergence it equals"))
    add_study(command("study", "many runs over losses, targets, seeds and settings (Ray), "
                               "one Parquet row per run"))
    return parser


def add_optimal(sub: argparse.ArgumentParser) -> None:
    """``optimal --loss NAME P Q``."""
    sub.add_argument("--loss", required=True, metavar="NAME",
                     help="GAN loss with a known optimum, e.g. minimax, hinge, wgan, fgan_kl")
    sub.add_argument("p", metavar="P", help='spec of the data P, e.g. "normal(0, 1)"')
    sub.add_argument("q", metavar="Q", help='spec of the generator Q, e.g. "normal(1, 1)"')


def add_train(sub: argparse.ArgumentParser) -> None:
    """The options of ``train`` (unset ones take the loss's / target's defaults)."""
    sub.add_argument("--loss", required=True, metavar="NAME",
                     help="GAN loss (see 'list'), e.g. ns, hinge, wgan_gp, ns_r1")
    sub.add_argument("--target", required=True, metavar="NAME",
                     help='target (see \'list\') or a 1-D / 2-D spec, e.g. ring8, "normal(0, 1)"')
    sub.add_argument("--steps", type=positive_int, default=None,
                     help="generator steps (default: the target's default, e.g. 4000 for ring8)")
    sub.add_argument("--seed", type=nonnegative_int, default=0,
                     help="random seed (default: %(default)s)")
    sub.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                     help="auto: CUDA when available, else CPU (default: %(default)s)")
    sub.add_argument("--width", type=positive_int, default=None,
                     help="units per hidden layer (default: 128)")
    sub.add_argument("--depth", type=positive_int, default=None,
                     help="hidden layers (default: 3)")
    sub.add_argument("--batch", type=positive_int, default=None,
                     help="samples per step (default: 256)")
    sub.add_argument("--lr", type=positive_float, default=None,
                     help="learning rate of both networks (default: the loss's)")
    sub.add_argument("--schedule", metavar="TEXT", default=None,
                     help='settings changed mid-run and lone D / G steps, e.g. '
                          '"200: lr_d=5e-4, loss=hinge; 350: step_d=1" (what the app\'s '
                          'JSON export of a steered run holds; remakes it exactly)')
    sub.add_argument("--html", metavar="FILE", default=None,
                     help="also write the replay animation as a standalone HTML file")
    add_animation_options(sub, html=False)


def add_compare(sub: argparse.ArgumentParser) -> None:
    """The options of ``compare``: ``--losses A,B,...`` and the common ones of ``train``
    (no --loss or --lr: every loss keeps its own optimizer and rates)."""
    sub.add_argument("--losses", required=True, metavar="A,B,...",
                     help="1 to 8 distinct losses, comma-separated, e.g. ns,wgan_gp,hinge")
    sub.add_argument("--target", required=True, metavar="NAME",
                     help='target (see \'list\') or a 1-D / 2-D spec, e.g. ring8')
    sub.add_argument("--steps", type=positive_int, default=None,
                     help="generator steps (default: the target's default)")
    sub.add_argument("--seed", type=nonnegative_int, default=0,
                     help="random seed of every run (default: %(default)s)")
    sub.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                     help="auto: CUDA when available, else CPU (default: %(default)s)")
    for name, what in (("width", "units per hidden layer (default: 128)"),
                       ("depth", "hidden layers (default: 3)"),
                       ("batch", "samples per step (default: 256)")):
        sub.add_argument(f"--{name}", type=positive_int, default=None, help=what)
    sub.add_argument("--threads", type=positive_int, default=None,
                     help="CPU threads: 2 or more train that many groups of runs in "
                          "parallel (default: 1)")
    sub.add_argument("--html", metavar="FILE", default=None,
                     help="also write the runs' replays one after another in one HTML file")
    add_animation_options(sub, html=False)


def add_dirac(sub: argparse.ArgumentParser) -> None:
    """The options of ``dirac`` (unset parameters take the method's defaults)."""
    sub.add_argument("--method", required=True, metavar="NAME",
                     help="gan, ns, wgan, wgan_gp, r1, r2, instance_noise or consensus")
    sub.add_argument("--gamma", type=finite_float, default=None,
                     help="penalty / consensus weight >= 0 (default 0.3; consensus 1)")
    sub.add_argument("--sigma", type=finite_float, default=None,
                     help="instance-noise standard deviation >= 0 (default 1)")
    sub.add_argument("--clip", type=finite_float, default=None,
                     help="WGAN weight clipping: psi in [-clip, clip], clip > 0 (default 1)")
    sub.add_argument("--g0", type=finite_float, default=None,
                     help="WGAN-GP target gradient norm >= 0 (default 1)")
    add_animation_options(sub)   # the paths from the page's default start, step and steps


def add_div_options(sub: argparse.ArgumentParser) -> None:
    """``--div NAME`` (required) and ``--param K=V`` (repeatable)."""
    sub.add_argument("--div", required=True, metavar="NAME",
                     help="divergence name (see 'list'), e.g. js, kl, reverse_kl, w1")
    sub.add_argument("--param", type=key_value, action="append", default=[],
                     metavar="K=V", help="divergence parameter, e.g. alpha=0.5 (repeatable)")
