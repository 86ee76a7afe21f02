"""BEGAN on 8 Gaussians in PyTorch: is its failure on the ring the method's or our implementation's?

The trainer's BEGAN does not halve the sliced Wasserstein distance on
8 Gaussians in any setting tried (docs/measured.md). This script trains the
same objective independently of tfjs, so that a result here that matches the
trainer's points at BEGAN itself, not at our code:

  data  the WGAN-GP paper's ring, as src/trainer/data/toy.ts: 8 centres at
        radius 2, std 0.02, both divided by 1.414;
  G     an MLP, `depth` hidden layers of `hidden` ReLU units, z ~ N(0, I_2);
  D     an auto-encoder: encoder MLP 2 -> `code`, decoder MLP `code` -> 2,
        each `depth` hidden layers of `hidden` units (`--act`);
  loss  L(v) = mean_j |v_j - AE(v)_j|; D minimises L(x) - k_t L(G(z)),
        G minimises L(G(z)); k_(t+1) = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1),
        k_0 = 0 (Berthelot et al. 2017). Adam, betas (0.5, 0.999).

Scored as the trainer scores it: the sliced Wasserstein distance over 128
fixed directions between 1,024 generated and 1,024 real points, at the end
over after the first step (the ratio the test's bar of 0.5 applies to); a
mode is covered when any sample lies within 3 std of its centre, and the
high-quality share is the fraction of samples that do.

    python3 bench/reference/began_toy.py [--gamma 0.5,1,2] [--lambda-k 0.001,0.01,0.1]
        [--code 4] [--act relu] [--lr 1e-3] [--steps 3000] [--seeds 1,2,3] [--jobs 2]

Prints a markdown table, one row per setting, one cell per seed.
"""
import argparse
import itertools
import math
from multiprocessing import Pool

import torch
import torch.nn as nn

SCALE = 1.414
CENTRES = torch.tensor(
    [[2 * math.cos(a) / SCALE, 2 * math.sin(a) / SCALE] for a in (i * math.pi / 4 for i in range(8))],
    dtype=torch.float32,
)
STD = 0.02 / SCALE
ACTIVATIONS = {'relu': nn.ReLU, 'elu': nn.ELU, 'tanh': nn.Tanh}


def ring(n, gen):
    return CENTRES[torch.randint(0, 8, (n,), generator=gen)] + STD * torch.randn(n, 2, generator=gen)


def mlp(inputs, outputs, hidden, depth, act):
    layers, d = [], inputs
    for _ in range(depth):
        layers += [nn.Linear(d, hidden), act()]
        d = hidden
    layers.append(nn.Linear(d, outputs))
    return nn.Sequential(*layers)


def sliced_w1(a, b, directions):
    pa, _ = torch.sort(a @ directions, 0)
    pb, _ = torch.sort(b @ directions, 0)
    return (pa - pb).abs().mean().item()


def coverage(x):
    dist, nearest = torch.cdist(x, CENTRES).min(1)
    good = dist <= 3 * STD
    return int((torch.bincount(nearest[good], minlength=8) > 0).sum()), 100 * good.float().mean().item()


def train(setting):
    gamma, lambda_k, code, act, lr, steps, hidden, depth, batch, seed = setting
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(1000 + seed)
    g = mlp(2, 2, hidden, depth, nn.ReLU)
    enc = mlp(2, code, hidden, depth, ACTIVATIONS[act])
    dec = mlp(code, 2, hidden, depth, ACTIVATIONS[act])
    opt_g = torch.optim.Adam(g.parameters(), lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr, betas=(0.5, 0.999))
    energy = lambda v: (v - dec(enc(v))).abs().mean(1).mean()  # noqa: E731

    real_eval = ring(1024, torch.Generator().manual_seed(5))
    z_eval = torch.randn(1024, 2, generator=torch.Generator().manual_seed(6))
    directions = torch.randn(2, 128, generator=torch.Generator().manual_seed(7))
    directions /= directions.norm(dim=0, keepdim=True)

    k, k_max, first = 0.0, 0.0, None
    for step in range(steps):
        x = ring(batch, gen)
        fake = g(torch.randn(batch, 2, generator=gen)).detach()
        l_real, l_fake = energy(x), energy(fake)
        opt_d.zero_grad()
        (l_real - k * l_fake).backward()
        opt_d.step()
        opt_g.zero_grad()
        energy(g(torch.randn(batch, 2, generator=gen))).backward()
        opt_g.step()
        k = min(1.0, max(0.0, k + lambda_k * (gamma * l_real.item() - l_fake.item())))
        k_max = max(k_max, k)
        if step == 0:
            with torch.no_grad():
                first = sliced_w1(g(z_eval), real_eval, directions)
    with torch.no_grad():
        samples = g(z_eval)
        ratio = sliced_w1(samples, real_eval, directions) / first
    modes, hq = coverage(samples)
    return setting, ratio, modes, hq, k_max


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    floats = lambda s: [float(v) for v in s.split(',')]  # noqa: E731
    ints = lambda s: [int(v) for v in s.split(',')]  # noqa: E731
    p.add_argument('--gamma', type=floats, default=[0.5, 1.0, 2.0])
    p.add_argument('--lambda-k', type=floats, default=[0.001, 0.01, 0.1])
    p.add_argument('--code', type=ints, default=[4])
    p.add_argument('--act', type=lambda s: s.split(','), default=['relu'])
    p.add_argument('--lr', type=floats, default=[1e-3])
    p.add_argument('--steps', type=int, default=3000)
    p.add_argument('--hidden', type=int, default=64)
    p.add_argument('--depth', type=int, default=3)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--seeds', type=ints, default=[1, 2, 3])
    p.add_argument('--jobs', type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(1)  # one process per core: small MLPs gain nothing from intra-op threads
    settings = [
        (gm, lk, c, act, lr, a.steps, a.hidden, a.depth, a.batch, s)
        for gm, lk, c, act, lr, s in itertools.product(a.gamma, a.lambda_k, a.code, a.act, a.lr, a.seeds)
    ]
    with Pool(a.jobs) as pool:
        results = pool.map(train, settings)
    print(f'BEGAN on 8 Gaussians, PyTorch {torch.__version__}, {a.steps} steps, batch {a.batch}, '
          f'{a.depth} x {a.hidden} units; per seed: distance ratio / modes of 8 / % high quality (max k_t)\n')
    print('| gamma | lambda_k | code | act | lr | ' + ' | '.join(f'seed {s}' for s in a.seeds) + ' | halved |')
    print('|---|---|---|---|---|' + '---|' * len(a.seeds) + '---|')
    for key, group in itertools.groupby(results, key=lambda r: r[0][:5]):
        group = list(group)
        cells = [f'{r:.2f} / {m} / {hq:.0f} % ({km:.2f})' for _, r, m, hq, km in group]
        halved = sum(r <= 0.5 for _, r, _, _, _ in group)
        print(f'| {key[0]:g} | {key[1]:g} | {key[2]} | {key[3]} | {key[4]:g} | ' + ' | '.join(cells) + f' | {halved}/{len(group)} |')


if __name__ == '__main__':
    main()
