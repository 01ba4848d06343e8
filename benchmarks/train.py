"""Benchmark the GAN trainer (prints figures; no test asserts a time).

Run from the repository root::

    .venv/bin/python benchmarks/train.py              # speed + per-loss table + checks
    .venv/bin/python benchmarks/train.py --quick      # speed only, shorter
    .venv/bin/python benchmarks/train.py --losses ns,hinge --seeds 0,1,2

(a) Matmul peak: the best of a few large float32 matmuls (2048 x 2048), per torch
    thread count, as the machine's reference FLOP rate.
(b) Speed at the default 2-D size (ring8, width 128, depth 3, batch 256, noise 2, the
    non-saturating loss, Adam): steps/s of `ganloss_viz.train` (training seconds, no
    snapshots in the window) against a plain PyTorch loop of the same size, run
    alternately in the same process (nn.Sequential MLPs, sigmoid + nn.BCELoss,
    torch.optim.Adam with its default implementation, real samples drawn with
    target.sample and noise with torch.randn at every step, fake = G(z) reused for the
    G step), and the same loop with all data and noise drawn before it: the median
    over --repeats alternations, the ratios, the achieved FLOP rate
    of our step (its matmul FLOPs, counted analytically, times steps/s) and its
    fraction of the measured peak; then our steps/s with 1 and 2 torch threads.
(c) Per loss on ring8 with each loss's default settings and the default steps: modes
    covered and high-quality fraction at the end, seconds to coverage (training
    seconds until every mode is covered with >= half the samples high-quality), and
    steps/s; one row per loss, three seeds per cell ("a / b / c").
(e) Ablation of the engine's hand-written parts, on its own step (`RunState.iterate`, no
    snapshots; ring8 at the default size, 1 torch thread, alternated, median): the
    engine as it is; its networks through `MLP.forward` and torch.autograd instead of
    the hand-written forward / backward; and for a penalised loss (ns_r1, wgan_gp) the
    penalty differentiated by autograd instead of by hand. Each ratio says what one
    hand-written part buys. Each row also gives steps per CPU second of this thread
    (time.thread_time), which the other processes of a shared machine disturb much less
    than wall time. (A hand-written Adam bought 1.07-1.12x over
    torch.optim.Adam(fused=True), measured with this section, and was dropped.)
(d) The issue's "done when" checks with default settings (three seeds each):
    wgan_gp on ring8 covers >= 7 of 8 modes, ns_r1 on grid25 covers >= 23 of 25,
    ns_r1 on trimodal finds all 3 modes with W1 <= 0.4, and the fastest seconds to
    coverage on ring8 (from (c)) is <= 10 s.

The CPU may be shared: figures are noisy, compare them only within one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganloss_viz import losses  # noqa: E402
from ganloss_viz.targets import get_target  # noqa: E402
from ganloss_viz.train import TrainConfig, train  # noqa: E402
from ganloss_viz.train.engine import RunState  # noqa: E402

SIZE = dict(width=128, depth=3, batch=256, noise_dim=2)


# ----------------------------------------------------------------------------- (a) peak


def matmul_peak(threads: int, n: int = 2048, repeats: int = 5) -> float:
    """Best FLOP/s of an n x n float32 matmul with `threads` torch threads."""
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a, b = torch.randn(n, n), torch.randn(n, n)
        a @ b
        best = 0.0
        for _ in range(repeats):
            t = time.perf_counter()
            a @ b
            best = max(best, 2 * n**3 / (time.perf_counter() - t))
        return best
    finally:
        torch.set_num_threads(old)


# ----------------------------------------------------------------------------- (b) speed


def step_flops(width: int, depth: int, batch: int, noise_dim: int, dim: int = 2) -> int:
    """Matmul FLOPs of one engine step (n_critic 1), counted from its hand-written passes.

    G forward (B rows); D forward on [real; fake] (2B) and its backward (weight
    gradients of every layer, input gradients of all but the first); D forward on the
    fakes (B) and its input gradients (every layer); G backward (weight gradients,
    input gradients of all but the first layer). 2·m·n·k per (m, k) x (k, n) product.
    """
    def layers(n_in, n_out):
        sizes = [n_in] + [width] * depth + [n_out]
        return list(zip(sizes[:-1], sizes[1:], strict=True))

    def fwd(ls, rows):
        return sum(2 * rows * i * o for i, o in ls)

    def inputs(ls, rows, first):
        return sum(2 * rows * i * o for k, (i, o) in enumerate(ls) if k > 0 or first)

    G, D, B = layers(noise_dim, dim), layers(dim, 1), batch
    return (fwd(G, B) + fwd(D, 2 * B) + fwd(D, 2 * B) + inputs(D, 2 * B, False)
            + fwd(D, B) + inputs(D, B, True) + fwd(G, B) + inputs(G, B, False))


def plain_loop(target_name: str, width: int, depth: int, batch: int, noise_dim: int,
               lr: float = 1e-3, seed: int = 0, predrawn: bool = False):
    """A textbook PyTorch GAN loop of the same size; returns run(n_steps).

    predrawn: draw data and noise for all n steps at once before the loop (as our
    engine draws them in blocks) instead of at every step.
    """
    target = get_target(target_name)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)

    def mlp(n_in, n_out):
        layers, d = [], n_in
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.ReLU()]
            d = width
        return nn.Sequential(*layers, nn.Linear(d, n_out))

    G = mlp(noise_dim, target.dim)
    D = nn.Sequential(mlp(target.dim, 1), nn.Sigmoid())
    opt_g = torch.optim.Adam(G.parameters(), lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def run(n: int) -> None:
        if predrawn:
            reals = target.sample(n * batch, gen).split(batch)
            zs = torch.randn(n * batch, noise_dim, generator=gen).split(batch)
        for i in range(n):
            if predrawn:
                real, z = reals[i], zs[i]
            else:
                real = target.sample(batch, gen)
                z = torch.randn(batch, noise_dim, generator=gen)
            fake = G(z)
            opt_d.zero_grad()
            d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = bce(D(fake), ones)
            g_loss.backward()
            opt_g.step()
    return run


def ours_steps_per_s(steps: int, seed: int) -> float:
    cfg = TrainConfig(loss="ns", target="ring8", steps=steps, seed=seed, snapshot_every=steps,
                      lr_g=1e-3, lr_d=1e-3, device="cpu", threads=None, **SIZE)
    return train(cfg).steps_per_s


def speed(repeats: int, steps: int) -> None:
    torch.set_num_threads(1)
    peak1 = matmul_peak(1)
    peak2 = matmul_peak(2)
    print(f"(a) matmul peak (2048² float32, best of 5): {peak1 / 1e9:.1f} GFLOP/s on 1 thread, "
          f"{peak2 / 1e9:.1f} GFLOP/s on 2 threads")
    plain = plain_loop("ring8", **SIZE)
    plain_pre = plain_loop("ring8", **SIZE, predrawn=True)
    plain(20)
    plain_pre(20)
    ours_steps_per_s(20, 0)
    ours, base, base_pre = [], [], []
    for r in range(repeats):
        ours.append(ours_steps_per_s(steps, r))
        for fn, out in ((plain, base), (plain_pre, base_pre)):
            t = time.perf_counter()
            fn(steps)
            out.append(steps / (time.perf_counter() - t))
    o, b, bp = (statistics.median(v) for v in (ours, base, base_pre))
    flops = step_flops(**SIZE)
    print(f"\n(b) speed, ring8, width {SIZE['width']}, depth {SIZE['depth']}, batch "
          f"{SIZE['batch']}, noise {SIZE['noise_dim']}, ns loss, Adam, 1 torch thread; "
          f"{repeats} alternations of {steps} steps")
    print(f"    ours : {o:8.1f} steps/s  (runs: {', '.join(f'{x:.0f}' for x in ours)})")
    print(f"    plain: {b:8.1f} steps/s  (runs: {', '.join(f'{x:.0f}' for x in base)})")
    print(f"    plain, data and noise drawn before the loop: {bp:8.1f} steps/s  (runs: "
          f"{', '.join(f'{x:.0f}' for x in base_pre)})")
    print(f"    ratio ours / plain = {o / b:.2f}x; ours / plain with pre-drawn data = "
          f"{o / bp:.2f}x")
    print(f"    our step: {flops / 1e6:.1f} MFLOP of matmuls -> {o * flops / 1e9:.1f} GFLOP/s "
          f"= {o * flops / peak1:.0%} of the 1-thread matmul peak")
    by_threads = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        by_threads[threads] = statistics.median(ours_steps_per_s(steps, r) for r in range(3))
    torch.set_num_threads(1)
    print(f"    ours with 1 thread: {by_threads[1]:.0f} steps/s, with 2 threads: "
          f"{by_threads[2]:.0f} steps/s (median of 3)")


# ----------------------------------------------------------------------------- (e) ablation


class AutogradNets(RunState):
    """The engine's step with its networks run by `MLP.forward` and torch.autograd."""

    def iterate(self, hist_row: torch.Tensor) -> None:
        G = self.G
        for _ in range(self.n_critic):
            real, z = self.next_batch()
            d_value = self.d_step_autograd(real, G(z).detach())
        g_value, g_norm, x_norm = self.g_step_autograd(real, G(z))
        torch.stack([d_value, g_value, g_norm, x_norm], out=hist_row)

    def g_step_autograd(self, real: torch.Tensor, fake: torch.Tensor):
        real_out = self.output(self.D(real)).detach() if self.g_uses_real else None
        value = self.loss.g_loss(self.output(self.D(fake)), real_out)
        grad, dx = torch.autograd.grad(value, [self.G.flat, fake])
        self.opt_g.step(grad)
        return (value.detach(), torch.linalg.vector_norm(grad),
                torch.linalg.vector_norm(dx, dim=1).sum() * self.batch)


def variant(base: type, hand_penalty: bool, cfg: TrainConfig) -> RunState:
    st = base(cfg, torch.device("cpu"))
    if not hand_penalty:
        st.fast_penalty = False
    return st


def ablation(repeats: int, steps: int) -> None:
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)          # as the engine's cpu_settings
    rows = [("engine (hand-written networks and penalty)", RunState, True),
            ("networks by MLP.forward + autograd", AutogradNets, True),
            ("penalty by autograd (hand-written networks)", RunState, False)]
    print(f"\n(e) ablation: steps/s of the engine's step, 1 thread, median of {repeats} "
          f"alternations of {steps} steps (ratio: engine / variant)")
    for loss in ("ns", "ns_r1", "wgan_gp"):
        cfg = TrainConfig(loss=loss, target="ring8", steps=steps, seed=0, device="cpu",
                          **SIZE).resolved()
        todo = [r for r in rows if r[2] or losses.get(loss).penalty is not None]
        states = [variant(base, pen, cfg) for _, base, pen in todo]
        hist = torch.empty(4)
        rates: list[list[float]] = [[] for _ in todo]
        cpu_rates: list[list[float]] = [[] for _ in todo]
        for st in states:                   # warm-up
            for _ in range(20):
                st.iterate(hist)
        for _ in range(repeats):
            for st, out, cpu_out in zip(states, rates, cpu_rates, strict=True):
                t, ct = time.perf_counter(), time.thread_time()
                for _ in range(steps):
                    st.iterate(hist)
                out.append(steps / (time.perf_counter() - t))
                cpu_out.append(steps / (time.thread_time() - ct))
        med = [statistics.median(r) for r in rates]
        cpu = [statistics.median(r) for r in cpu_rates]
        print(f"    {loss} (n_critic {cfg.n_critic})")
        for (name, *_), m, c, r in zip(todo, med, cpu, rates, strict=True):
            print(f"      {name:<46} {m:8.1f} steps/s  x{med[0] / m:5.2f}   "
                  f"per CPU second {c:8.1f}  x{cpu[0] / c:5.2f}   "
                  f"(runs: {', '.join(f'{x:.0f}' for x in r)})", flush=True)


# ----------------------------------------------------------------------------- (c), (d)


_RUNS: dict = {}


def run_default(loss: str, target: str, seed: int):
    """The default run of `loss` on `target` (cached: (d) reuses (c)'s runs)."""
    key = (loss, target, seed)
    if key not in _RUNS:
        _RUNS[key] = train(TrainConfig(loss=loss, target=target, seed=seed, device="cpu"))
    return _RUNS[key]


def cell(values, fmt) -> str:
    return " / ".join("—" if v is None else fmt.format(v) for v in values)


def per_loss(names: list[str], seeds: list[int]) -> float | None:
    print(f"\n(c) ring8, default settings and steps, seeds {', '.join(map(str, seeds))} "
          "(one value per seed)")
    head = f"{'loss':<18} {'opt':<7} {'lr_g':>7} {'n_c':>3} {'steps':>5}  {'modes':<14} " \
           f"{'hq':<20} {'seconds to coverage':<24} {'steps/s':<16}"
    print(head)
    print("-" * len(head))
    best = None
    for name in names:
        d = losses.get(name).defaults
        rs = [run_default(name, "ring8", s) for s in seeds]
        modes = [r.metrics["modes_covered"] for r in rs]
        hq = [r.metrics["hq_fraction"] for r in rs]
        cov = [r.seconds_to_coverage for r in rs]
        sps = [r.steps_per_s for r in rs]
        flag = " (diverged)" if any(r.diverged for r in rs) else ""
        print(f"{name:<18} {d.optimizer:<7} {d.lr_g:>7.0e} {d.n_critic:>3} {rs[0].config.steps:>5}"
              f"  {cell(modes, '{:d}'):<14} {cell(hq, '{:.2f}'):<20} {cell(cov, '{:.1f}'):<24} "
              f"{cell(sps, '{:.0f}'):<16}{flag}", flush=True)
        for c in cov:
            if c is not None and (best is None or c < best[0]):
                best = (c, name)
    return best


def checks(seeds: list[int], best) -> None:
    print(f"\n(d) checks with default settings, seeds {', '.join(map(str, seeds))}")

    def report(text, values, ok):
        print(f"    {'PASS' if all(ok) else 'FAIL'}  {text}: {values}", flush=True)

    rs = [run_default("wgan_gp", "ring8", s) for s in seeds]
    report("wgan_gp ring8 modes covered >= 7 of 8",
           [r.metrics["modes_covered"] for r in rs], [r.metrics["modes_covered"] >= 7 for r in rs])
    rs = [run_default("ns_r1", "grid25", s) for s in seeds]
    report("ns_r1 grid25 modes covered >= 23 of 25",
           [r.metrics["modes_covered"] for r in rs],
           [r.metrics["modes_covered"] >= 23 for r in rs])
    rs = [run_default("ns_r1", "trimodal", s) for s in seeds]
    report("ns_r1 trimodal 3 of 3 modes and W1 <= 0.4",
           [(r.metrics["modes_covered"], round(r.metrics["w1"], 3)) for r in rs],
           [r.metrics["modes_covered"] == 3 and r.metrics["w1"] <= 0.4 for r in rs])
    if best is not None:
        report("fastest seconds to coverage on ring8 <= 10 s", f"{best[0]:.1f} s ({best[1]})",
               [best[0] <= 10])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="speed section only, shorter")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=300, help="steps per speed measurement")
    ap.add_argument("--losses", default=",".join(losses.LOSSES))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--ablation", action="store_true",
                    help="only (e): the ablation of the engine's hand-written parts")
    args = ap.parse_args()
    print(f"# benchmarks/train.py — {platform.processor() or platform.machine()}, "
          f"os.cpu_count() = {os.cpu_count()}, usable cores = {len(os.sched_getaffinity(0))}, "
          f"torch {torch.__version__}, python {platform.python_version()}")
    if args.ablation:
        ablation(args.repeats, args.steps)
        return
    if not args.no_speed:
        speed(3 if args.quick else args.repeats, 150 if args.quick else args.steps)
    if args.quick:
        return
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    best = per_loss([n for n in args.losses.split(",") if n], seeds)
    checks(seeds, best)


if __name__ == "__main__":
    main()
