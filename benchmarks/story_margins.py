"""How much room each Train story's bounds leave, over seeds and emulated CPU kinds.

Run from the repository root (one process at a time; each kind runs in its own
subprocess, because the dispatch variables are read when torch and MKL load)::

    .venv/bin/python benchmarks/story_margins.py                 # seeds 0-4, 4 kinds + contrasts
    .venv/bin/python benchmarks/story_margins.py --quick         # seeds 0-1, avx512 + avx2
    .venv/bin/python benchmarks/story_margins.py --stories wgan-gp --seeds 0-9 --kinds avx2
    .venv/bin/python benchmarks/story_margins.py --json out.json # keep every number
    .venv/bin/python benchmarks/story_margins.py --from out.json  # print a kept run again

The stories, their statistics and bounds live in `tests/stories.py` (the tests check
them on seed 0). A CPU make changes the last bits of every matrix product (the BLAS
picks a kernel per instruction set and vendor), and GAN training amplifies them, so
a test must hold for the whole spread of runs, not for one trajectory. The kinds:

  avx512     this machine's own dispatch (Intel Xeon: torch AVX512, MKL AVX-512), 1 thread
  avx2       the AMD EPYC (Zen 2/3) proxy: ATEN_CPU_CAPABILITY=avx2,
             MKL_ENABLE_INSTRUCTIONS=AVX2, ONEDNN_MAX_CPU_ISA=AVX2, 1 thread
  default    no SIMD in torch's kernels, MKL at SSE4.2, oneDNN at SSE4.1, 1 thread
  avx512-2t  this machine's dispatch on 2 torch threads (another reduction split)

Each kind's worker prints which capability torch reports, so an ignored variable
shows. For every story and bound the table gives, per kind, the worst value over the
seeds and its margin (bound minus value for an upper bound, value minus bound for a
lower one; negative = the test would fail). With contrasts (the default; --no-contrast
skips them), runs where the story's behaviour is absent are measured on the first
kind, to show each bound would catch its absence:

  collapse   ns at its default settings (ring8-ns, 2000 steps) in place of the collapse run
  minimax    the two runs swapped (ns as the "stalling" run)
  wgan-gp    lsgan's default run on ring8 (a sharp loss) in place of WGAN-GP
  wgan       the same lsgan run in place of clipped WGAN
  r1         ns against ns of the next seed (two runs of one loss: seed-to-seed noise)
  lines      the two runs swapped (clipped WGAN as the "frozen" run)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KINDS: dict[str, tuple[dict[str, str], int]] = {
    "avx512": ({}, 1),
    "avx2": ({"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
              "ONEDNN_MAX_CPU_ISA": "AVX2"}, 1),
    "default": ({"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
                 "ONEDNN_MAX_CPU_ISA": "SSE41"}, 1),
    "avx512-2t": ({}, 2),
}
DISPATCH_VARS = ("ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA")


def seed_list(text: str) -> list[int]:
    """"0-4" or "0,2,5" -> seeds."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


# --- the worker: one kind, in its own process --------------------------------------------------


def contrast(name: str, seed: int, threads: int) -> dict[str, float]:
    """The story's statistics on runs where its behaviour is absent (see the module doc)."""
    from stories import STORIES, run
    s = STORIES[name]
    runs = {
        "collapse": lambda: [run("ring8-ns", seed, 2000, threads)],
        "minimax": lambda: s.results(seed, threads)[::-1],
        "wgan-gp": lambda: [run("ring8-wgan-gp", seed, None, threads, loss="lsgan")],
        "wgan": lambda: [run("ring8-wgan", seed, None, threads, loss="lsgan")],
        "r1": lambda: [run("grid25-ns", seed, 2000, threads),
                       run("grid25-ns", seed + 1, 2000, threads)],
        "lines": lambda: s.results(seed, threads)[::-1],
    }[name]()
    return {k: float(v) for k, v in s.stats(*runs).items()}


def worker(kind: str, stories: list[str], seeds: list[int], contrasts: bool) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    import torch
    from stories import STORIES
    threads = KINDS[kind][1]
    torch.set_num_threads(threads)
    info = {"kind": kind, "capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "env": {v: os.environ.get(v, "") for v in DISPATCH_VARS}}
    print(json.dumps({"info": info}), flush=True)
    for name in stories:
        for seed in seeds:
            t0 = time.perf_counter()
            values = STORIES[name].measure(seed, threads)
            print(json.dumps({"kind": kind, "story": name, "seed": seed, "stats": values,
                              "seconds": time.perf_counter() - t0}), flush=True)
            if contrasts:
                t0 = time.perf_counter()
                values = contrast(name, seed, threads)
                print(json.dumps({"kind": kind, "story": name, "seed": seed, "stats": values,
                                  "contrast": True, "seconds": time.perf_counter() - t0}),
                      flush=True)


def spawn(kind: str, stories: list[str], seeds: list[int], contrasts: bool) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k not in DISPATCH_VARS}
    env.update(KINDS[kind][0])
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind,
           "--stories", ",".join(stories), "--seeds", ",".join(map(str, seeds))]
    if contrasts:
        cmd.append("--contrast-worker")
    records = []
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT) as proc:
        for line in proc.stdout:
            rec = json.loads(line)
            records.append(rec)
            if "info" in rec:
                i = rec["info"]
                print(f"[{kind}] torch capability {i['capability']}, {i['threads']} thread(s), "
                      f"{' '.join(f'{k}={v}' for k, v in i['env'].items() if v) or 'no overrides'}",
                      flush=True)
            else:
                tag = " contrast" if rec.get("contrast") else ""
                print(f"[{kind}] {rec['story']} seed {rec['seed']}{tag}: {rec['seconds']:.0f} s",
                      flush=True)
    if proc.returncode:
        raise SystemExit(f"the {kind} worker failed (exit {proc.returncode})")
    return records


# --- the report ---------------------------------------------------------------------------------


def report(records: list[dict]) -> bool:
    """Print the margin table (and per-seed values); True when every bound holds everywhere."""
    sys.path.insert(0, str(ROOT / "tests"))
    from stories import STORIES
    infos = {r["info"]["kind"]: r["info"] for r in records if "info" in r}
    kinds = list(infos)
    runs = [r for r in records if "story" in r]
    seeds = sorted({r["seed"] for r in runs if not r.get("contrast")})
    print(f"\nseeds {', '.join(map(str, seeds))}; kinds: "
          + "; ".join(f"{k} (torch {i['capability']}, {i['threads']} thread"
                      f"{'s' if i['threads'] > 1 else ''})" for k, i in infos.items()))
    print("each cell: worst value over the seeds (margin to the bound; negative = fails)\n")
    head = f"| story | bound | {' | '.join(kinds)} | contrast (behaviour absent) |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    ok = True
    for name, story in STORIES.items():
        mine = [r for r in runs if r["story"] == name]
        if not mine:
            continue
        for b in story.bounds:
            cells = []
            for k in kinds:
                xs = [r["stats"][b.stat] for r in mine if r["kind"] == k and not r.get("contrast")
                      and (r["seed"] == 0 or not b.seed0)]
                if not xs:
                    cells.append("-")
                    continue
                worst = min(xs, key=b.margin)
                ok &= b.margin(worst) > 0 if b.op in ("<", ">") else b.margin(worst) >= 0
                cells.append(f"{worst:.4g} ({b.margin(worst):+.3g})")
            cs = [r["stats"][b.stat] for r in mine if r.get("contrast")]
            if cs:
                fails = sum(not b.holds(x) for x in cs)
                best = max(cs, key=b.margin)
                cells.append(f"fails {fails}/{len(cs)}; best {best:.4g} ({b.margin(best):+.3g})")
            else:
                cells.append("-")
            print(f"| {name} | `{b}` | {' | '.join(cells)} |")
    spreads = []
    for name, story in STORIES.items():
        for b in story.bounds:
            if not b.seed0:
                continue
            worst = 0.0
            for s in seeds:
                xs = [r["stats"][b.stat] for r in runs if r["story"] == name
                      and r["seed"] == s and not r.get("contrast")]
                if len(xs) > 1:
                    worst = max(worst, (max(xs) - min(xs)) / max(abs(x) for x in xs))
            spreads.append(f"{name} {b.stat} {worst:.2g}")
    if spreads:
        print("\n(seed 0): judged on seed 0 only, being decided by the seed and not the kind; "
              "largest relative spread between kinds at any seed: " + ", ".join(spreads))
    print("\nper-seed values (seed: value per kind, in the order above; c = contrast), "
          "every statistic, [its bound] where the test checks it\n")
    for name, story in STORIES.items():
        mine = [r for r in runs if r["story"] == name]
        if not mine:
            continue
        names = list(dict.fromkeys(k for r in mine for k in r["stats"]))
        bounds = {b.stat: b for b in story.bounds}
        for stat in names:
            parts = []
            for s in seeds:
                vals = []
                for k in kinds:
                    xs = [r["stats"][stat] for r in mine
                          if r["kind"] == k and r["seed"] == s and not r.get("contrast")]
                    vals.append(f"{xs[0]:.4g}" if xs else "-")
                cs = [r["stats"][stat] for r in mine if r["seed"] == s and r.get("contrast")]
                if cs:
                    vals.append(f"c {cs[0]:.4g}")
                parts.append(f"{s}: {' / '.join(vals)}")
            mark = f"  [{bounds[stat].op} {bounds[stat].value:g}]" if stat in bounds else ""
            print(f"  {name:<9}{stat:<26}" + "; ".join(parts) + mark)
    secs = sum(r["seconds"] for r in runs)
    print(f"\n{len(runs)} measurements, {secs:.0f} s of story runs; "
          f"{'every bound holds on every seed and kind' if ok else 'SOME BOUND FAILS'}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default=None, help="e.g. 0-4 (default) or 0,3,7")
    ap.add_argument("--kinds", default=None, help=f"comma-separated, of {', '.join(KINDS)}")
    ap.add_argument("--stories", default=None, help="comma-separated story names (all)")
    ap.add_argument("--quick", action="store_true",
                    help="seeds 0-1, kinds avx512 and avx2, no contrasts")
    ap.add_argument("--no-contrast", action="store_true")
    ap.add_argument("--json", help="also write every record to this file")
    ap.add_argument("--from", dest="source", help="print the report of a --json file")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--contrast-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from stories import STORIES
    stories = args.stories.split(",") if args.stories else list(STORIES)
    bad = [s for s in stories if s not in STORIES]
    if bad:
        raise SystemExit(f"unknown stories {bad}; known: {', '.join(STORIES)}")
    seeds = seed_list(args.seeds or ("0-1" if args.quick else "0-4"))
    if args.worker:
        worker(args.worker, stories, seeds, args.contrast_worker)
        return
    if args.source:
        records = [json.loads(line) for line in Path(args.source).read_text().splitlines()]
        raise SystemExit(0 if report(records) else 1)
    kinds = (args.kinds.split(",") if args.kinds
             else ["avx512", "avx2"] if args.quick else list(KINDS))
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise SystemExit(f"unknown kinds {bad}; known: {', '.join(KINDS)}")
    contrasts = not (args.quick or args.no_contrast)
    records: list[dict] = []
    for i, kind in enumerate(kinds):
        records += spawn(kind, stories, seeds, contrasts and i == 0)
        if args.json:
            Path(args.json).write_text("".join(json.dumps(r) + "\n" for r in records))
    raise SystemExit(0 if report(records) else 1)


if __name__ == "__main__":
    main()
