"""PyTorch reference for bench/backends.ts --model dcgan: the trainer's DCGAN step, timed.

The same networks as templates/image/model.ts with model.depth 2 on 28x28x1
(hidden = H, latent = Z):
  G: Linear(Z, 7*7*2H) -> BN -> ReLU -> ConvT(2H, H, 5, s2) -> BN -> ReLU
     -> ConvT(H, 1, 5, s2) -> tanh
  D: Conv(1, H, 5, s2) -> LeakyReLU(0.2) -> Conv(H, 2H, 5, s2) [-> BN for
     the logit loss; none for the WGAN-GP critic] -> LeakyReLU(0.2) -> Linear(7*7*2H, 1)
('same' padding: padding 2, output_padding 1 for the transposed ones; no
bias in a layer that batch norm follows.)
One generator step is one D update (real batch, G's batch detached; WGAN-GP:
critic loss with the penalty on random interpolates, differentiated twice)
and one G update, Adam; losses and gradient norms read back to the host every
step as the trainer does. Real batches are drawn from MNIST on the host and
copied to the device each step, as the trainer does.

    python3 bench/reference/dcgan.py --device cpu|cuda [--variant gan|wgan-gp] [--batch 64] [--mnist FILE]

Prints one JSON line: {"device", "threads", "steps_per_sec", "torch"}.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import report, steps_per_second


def load_mnist(path):
    """IDX images (n x 28 x 28 unsigned bytes) scaled to [-1, 1]; random data of that shape without a file."""
    if not path:
        return np.random.default_rng(1).uniform(-1, 1, (60000, 784)).astype(np.float32)
    raw = np.fromfile(path, dtype=np.uint8)
    assert int.from_bytes(raw[:4].tobytes(), "big") == 0x803, "not an IDX image file"
    return (raw[16:].reshape(-1, 784).astype(np.float32) / 127.5) - 1


class G(nn.Module):
    def __init__(self, z, h):
        super().__init__()
        self.h = h
        self.project = nn.Linear(z, 7 * 7 * 2 * h, bias=False)
        self.bn0 = nn.BatchNorm2d(2 * h)
        self.up0 = nn.ConvTranspose2d(2 * h, h, 5, 2, padding=2, output_padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(h)
        self.up1 = nn.ConvTranspose2d(h, 1, 5, 2, padding=2, output_padding=1)

    def forward(self, z):
        x = F.relu(self.bn0(self.project(z).view(-1, 2 * self.h, 7, 7)))
        x = F.relu(self.bn1(self.up0(x)))
        return torch.tanh(self.up1(x)).view(-1, 784)


class D(nn.Module):
    def __init__(self, h, batch_norm):
        super().__init__()
        self.down0 = nn.Conv2d(1, h, 5, 2, padding=2)
        self.down1 = nn.Conv2d(h, 2 * h, 5, 2, padding=2, bias=not batch_norm)
        self.bn1 = nn.BatchNorm2d(2 * h) if batch_norm else nn.Identity()
        self.out = nn.Linear(7 * 7 * 2 * h, 1)

    def forward(self, x):
        x = F.leaky_relu(self.down0(x.view(-1, 1, 28, 28)), 0.2)
        x = F.leaky_relu(self.bn1(self.down1(x)), 0.2)
        return self.out(x.flatten(1))


def grad_norm(params):
    return torch.sqrt(sum((p.grad ** 2).sum() for p in params))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--variant", default="gan", choices=["gan", "wgan-gp"])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--latent", type=int, default=64)
    ap.add_argument("--mnist", default="")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads (default: every core)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    torch.manual_seed(1)
    data = torch.from_numpy(load_mnist(a.mnist))
    rng = np.random.default_rng(1)
    wgan = a.variant == "wgan-gp"
    g = G(a.latent, a.hidden).to(dev)
    d = D(a.hidden, batch_norm=not wgan).to(dev)
    betas = (0.0, 0.9) if wgan else (0.5, 0.999)
    opt_g = torch.optim.Adam(g.parameters(), 1e-4 if wgan else 2e-4, betas=betas)
    opt_d = torch.optim.Adam(d.parameters(), 1e-4 if wgan else 2e-4, betas=betas)

    def real_batch():
        return data[rng.integers(0, data.shape[0], a.batch)].to(dev, non_blocking=True)

    def step():
        real = real_batch()
        fake = g(torch.randn(a.batch, a.latent, device=dev)).detach()
        opt_d.zero_grad(set_to_none=True)
        if wgan:
            eps = torch.rand(a.batch, 1, device=dev)
            x_hat = (fake + eps * (real - fake)).requires_grad_(True)
            grad = torch.autograd.grad(d(x_hat).sum(), x_hat, create_graph=True)[0]
            gp = ((grad.norm(dim=1) - 1) ** 2).mean()
            loss_d = d(fake).mean() - d(real).mean() + 10 * gp
        else:
            loss_d = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        loss_d.backward()
        nd = grad_norm(d.parameters())
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        out = d(g(torch.randn(a.batch, a.latent, device=dev)))
        loss_g = -out.mean() if wgan else F.softplus(-out).mean()
        loss_g.backward()
        ng = grad_norm(g.parameters())
        opt_g.step()
        return [loss_d.item(), nd.item(), loss_g.item(), ng.item()]

    report(dev, steps_per_second(step, a.warmup, a.steps, dev))

if __name__ == "__main__":
    main()
