#!/usr/bin/env python3
"""Workload A (../shared/bench/WORKLOADS.md) in PyTorch for one seed and for five seeds trained as one batched
computation: every layer's weights of the five models stacked into one [5, fan_in, fan_out] tensor, the
forward pass as batched matrix products (torch.baddbmm), one backward pass, the five models' per-layer
gradient norms read to the host, SGD lr 0.1. The same step as torch_bench.py's A, for N models at once: what
"seeds trained together" costs in PyTorch, beside `npm run bench`'s A-5seeds row.

usage: python torch_seeds.py [--threads 1] [--steps 100] [--warmup 10] [--seeds 5]
prints one JSON line per case: {"workload": "A-1seed-batched" or "A-5seeds", "median_ms": ...}
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

BATCH, WIDTH, DEPTH = 128, 64, 20


def models(n, seed=0):
    """n stacked copies of A's weights (PyTorch's Linear initialisation is not needed for timing)."""
    g = torch.Generator().manual_seed(seed)
    fan_in = [2] + [WIDTH] * DEPTH
    fan_out = [WIDTH] * DEPTH + [1]
    weights = [(torch.randn(n, a, b, generator=g) * (2.0 / (a + b)) ** 0.5).requires_grad_() for a, b in zip(fan_in, fan_out)]
    biases = [torch.zeros(n, 1, b).requires_grad_() for b in fan_out]
    return weights, biases


def step(weights, biases, x, y, n):
    h = x.expand(n, BATCH, 2)
    for w, b in zip(weights[:-1], biases[:-1]):
        h = torch.sigmoid(torch.baddbmm(b, h, w))
    out = torch.baddbmm(biases[-1], h, weights[-1])
    # Each model's own mean loss; the sum's gradient with respect to model k's weights is model k's gradient.
    loss = F.binary_cross_entropy_with_logits(out, y.expand(n, BATCH, 1), reduction="none").mean(dim=(1, 2)).sum()
    for t in weights + biases:
        t.grad = None
    loss.backward()
    torch.stack([w.grad.flatten(1).norm(dim=1) for w in weights[:-1]]).tolist()
    with torch.no_grad():
        for t in weights + biases:
            t -= 0.1 * t.grad


def median_ms(n, steps, warmup):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(BATCH, 2, generator=g)
    y = (torch.rand(BATCH, 1, generator=g) > 0.5).float()
    weights, biases = models(n)
    for _ in range(warmup):
        step(weights, biases, x, y, n)
    times = []
    for _ in range(steps):
        started = time.perf_counter()
        step(weights, biases, x, y, n)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--seeds", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    print(json.dumps({"workload": "A-1seed-batched", "median_ms": median_ms(1, a.steps, a.warmup), "threads": a.threads}))
    print(json.dumps({"workload": f"A-{a.seeds}seeds", "median_ms": median_ms(a.seeds, a.steps, a.warmup), "threads": a.threads}))


if __name__ == "__main__":
    main()
