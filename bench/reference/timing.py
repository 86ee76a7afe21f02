"""What the PyTorch reference scripts share: time a training step and print the one JSON line bench/backends.ts reads."""
import json
import time

import torch


def steps_per_second(step, warmup, steps, dev):
    """Steps per second of `step()` over `steps` calls after `warmup`, the GPU synchronised at both ends."""
    for _ in range(warmup):
        step()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - t0)


def report(dev, sps):
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    print(json.dumps({"device": name, "threads": torch.get_num_threads(), "steps_per_sec": sps, "torch": torch.__version__}))
