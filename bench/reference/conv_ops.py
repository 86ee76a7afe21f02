"""PyTorch reference for bench/conv-gemm.ts: DCGAN's 64->128 convolution
(5x5, stride 2, 'same' padding: 14x14 -> 7x7, NCHW as PyTorch runs it) and
its two gradients, each timed on its own, median milliseconds per call.

    python3 bench/reference/conv_ops.py --batch 256 [--rounds 7] [--threads N]

Prints one JSON line: {"forward", "input_grad", "filter_grad", "threads", "torch"}.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=256)
p.add_argument("--rounds", type=int, default=7)
p.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads (default: every core, as dcgan.py)")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(3)
x = torch.randn(a.batch, 64, 14, 14)
w = torch.randn(128, 64, 5, 5)
dy = torch.randn(a.batch, 128, 7, 7)
ops = {
    # padding 2 on a 14x14 input with stride 2 gives 7x7, as tfjs's 'same' does
    "forward": lambda: F.conv2d(x, w, stride=2, padding=2),
    "input_grad": lambda: conv2d_input(x.shape, w, dy, stride=2, padding=2),
    "filter_grad": lambda: conv2d_weight(x, w.shape, dy, stride=2, padding=2),
}
times = {k: [] for k in ops}
with torch.no_grad():
    for r in range(a.rounds + 1):
        for k, f in ops.items():
            t = time.perf_counter()
            f()
            if r > 0:  # round 0 warms up
                times[k].append(1000 * (time.perf_counter() - t))
print(json.dumps({**{k: statistics.median(v) for k, v in times.items()}, "threads": torch.get_num_threads(), "torch": torch.__version__}))
