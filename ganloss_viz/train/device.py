"""Where a run trains: the device by name, and the CPU settings a run holds while it trains.

`resolve_device` turns "auto", "cpu" or "cuda" into a torch device (ValueError for a
GPU that is not there); `cpu_settings` sets torch's threads and flushes float32
denormals for the duration of a run; `sync` waits for a GPU's queued work, so that
timings measure it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

NO_GPU = "CUDA was requested but no GPU is available; use device 'auto' or 'cpu'"



def resolve_device(name: str) -> torch.device:
    """"auto" -> CUDA when available, else CPU; "cuda" without a GPU -> ValueError."""
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(NO_GPU)
        return torch.device("cuda")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    raise ValueError(f"device must be one of auto, cpu, cuda, got {name!r}")


def flushing_denormals() -> bool:
    """Whether this thread flushes float32 denormals to zero (torch has no getter: the
    smallest denormal, made from its bits, doubled, is 0 only when flushed)."""
    tiny = torch.tensor([1], dtype=torch.int32).view(torch.float32)
    return float(tiny * 2) == 0.0


@contextmanager
def cpu_settings(device: torch.device, threads: int | None) -> Iterator[None]:
    """Train with `threads` torch threads (None: leave them) and float32 denormals
    flushed to zero, both restored after. Adam's moments of a unit whose gradient has
    died decay geometrically through the denormal range, where every operation on them
    is tens of times slower: unflushed, one Adam step of D took 235 µs instead of 60
    (wgan_gp, ring8; 9% of a step, 16% of an ns step). Flushing changes only values
    below 1.2e-38. No effect on a GPU run, nor on a CPU torch cannot set to flush
    (it can on x86 with SSE3 and on AArch64)."""
    if device.type != "cpu":
        yield
        return
    old_threads, old_flush = torch.get_num_threads(), flushing_denormals()
    if threads is not None and threads != old_threads:
        torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(old_flush)
        if torch.get_num_threads() != old_threads:
            torch.set_num_threads(old_threads)


def sync(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
