"""PyTorch reference for bench/backends.ts: the trainer's MLP GAN step, timed.

The same work as one generator step of the trainer's non-saturating GAN on
8 Gaussians with the template's networks: G and D are MLPs with `depth`
hidden layers of `hidden` ReLU units (D: one logit out), batch `batch`,
Adam(1e-3, betas=(0.5, 0.999)); one D update (real batch, G's batch
detached) then one G update, and both losses and gradient norms read back
to the host every step, as the trainer does for its metrics and NaN checks.

    python3 bench/reference/mlp_gan.py --device cpu|cuda [--steps 300] [--warmup 30] [--batch 256] [--threads N]

Prints one JSON line: {"device", "threads", "steps_per_sec", "torch"}.
"""
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import report, steps_per_second


def mlp(inputs, outputs, hidden, depth):
    layers, d = [], inputs
    for _ in range(depth):
        layers += [nn.Linear(d, hidden), nn.ReLU()]
        d = hidden
    layers.append(nn.Linear(d, outputs))
    return nn.Sequential(*layers)


def eight_gaussians(n, device, gen):
    k = torch.randint(0, 8, (n,), generator=gen, device=device)
    angle = k.float() * (2 * math.pi / 8)
    centres = torch.stack([torch.cos(angle), torch.sin(angle)], 1) * 2
    return (centres + 0.02 * torch.randn(n, 2, generator=gen, device=device)) / 1.414


def grad_norm(params):
    return torch.sqrt(sum((p.grad ** 2).sum() for p in params))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--latent", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads (default: every core)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    torch.manual_seed(1)
    gen = torch.Generator(device=dev).manual_seed(1)
    G = mlp(a.latent, 2, a.hidden, a.depth).to(dev)
    D = mlp(2, 1, a.hidden, a.depth).to(dev)
    opt_g = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), 1e-3, betas=(0.5, 0.999))

    def step():
        real = eight_gaussians(a.batch, dev, gen)
        fake = G(torch.randn(a.batch, a.latent, generator=gen, device=dev)).detach()
        opt_d.zero_grad(set_to_none=True)
        loss_d = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        loss_d.backward()
        nd = grad_norm(D.parameters())
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        loss_g = F.softplus(-D(G(torch.randn(a.batch, a.latent, generator=gen, device=dev)))).mean()
        loss_g.backward()
        ng = grad_norm(G.parameters())
        opt_g.step()
        # Read back, as the trainer reads its step statistics (and checks them for NaN).
        return [loss_d.item(), nd.item(), loss_g.item(), ng.item()]

    report(dev, steps_per_second(step, a.warmup, a.steps, dev))

if __name__ == "__main__":
    main()
