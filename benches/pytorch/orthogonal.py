"""Orthogonal initialisation, PyTorch beside burn-init, in one run on one machine.

Times PyTorch's `nn.init.orthogonal_` (in place, float32, CPU, all cores) at 256², 1024² and
4096², runs burn-init's criterion benchmark of the same sizes (`host/orthogonal_<n>`: a new host
buffer), times PyTorch again, and prints both medians and the ratio ours / PyTorch's (< 1: burn-init
is faster). PyTorch's medians are the better of its two passes, so machine noise favours PyTorch.

    python3 benches/pytorch/orthogonal.py        # needs `pip install torch`; run from the repo root
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

SIZES = [256, 1024, 4096]
DEVICE = "flex"


def torch_median(n: int) -> float:
    w = torch.empty(n, n)
    torch.nn.init.orthogonal_(w)  # warm-up
    runs = max(5, min(50, int(2.0 / max(time_once(w), 1e-4))))
    return statistics.median(time_once(w) for _ in range(runs))


def time_once(w: torch.Tensor) -> float:
    start = time.perf_counter()
    torch.nn.init.orthogonal_(w)
    return time.perf_counter() - start


def ours(n: int) -> float:
    """Criterion's median of `<DEVICE>/orthogonal` / `host/orthogonal_<n>`, in seconds."""
    for bench in Path("target/criterion").rglob("new/benchmark.json"):
        ids = json.loads(bench.read_text())
        if ids["group_id"] == f"{DEVICE}/orthogonal" and ids["function_id"] == f"host/orthogonal_{n}":
            estimates = json.loads((bench.parent / "estimates.json").read_text())
            return estimates["median"]["point_estimate"] / 1e9
    raise SystemExit(f"no criterion result for host/orthogonal_{n}")


def main() -> None:
    torch.manual_seed(0)
    first = {n: torch_median(n) for n in SIZES}
    subprocess.run(
        ["cargo", "bench", "-p", "burn-init-benches", "--bench", "sampling", "--", f"{DEVICE}/orthogonal/host"],
        check=True,
    )
    second = {n: torch_median(n) for n in SIZES}
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; burn-init `sample_host` on {DEVICE}")
    print("| size | burn-init | PyTorch | burn-init / PyTorch |")
    print("|---|---|---|---|")
    for n in SIZES:
        theirs = min(first[n], second[n])
        mine = ours(n)
        print(f"| {n}² | {mine * 1e3:.1f} ms | {theirs * 1e3:.1f} ms | {mine / theirs:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
