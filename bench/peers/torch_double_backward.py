"""PyTorch side of bench/double_backward.mjs: the same workloads as
bench/peers/tensorforge_double_backward.mjs, float32, random data. Prints one JSON line
of median milliseconds per step:
  wgan_gp:  a WGAN-GP critic step (DCGAN critic on 3x32x32, batch 32): critic loss plus
            10 * gradient penalty at interpolates (input gradient with create_graph),
            backward, Adam
  first:    the same critic step without the penalty (first-order only)
  hvp:      a Hessian-vector product for a conv / batch norm / max pool / avg pool net
            (gradient with create_graph, then the gradient of its dot with v)
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--steps", type=int, default=15)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
B = 32

critic = nn.Sequential(
    nn.Conv2d(3, 32, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Flatten(), nn.Linear(128 * 4 * 4, 1),
)
opt = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
real = torch.rand(B, 3, 32, 32) * 2 - 1
fake = torch.rand(B, 3, 32, 32) * 2 - 1
alpha = torch.rand(B, 1, 1, 1)


def wgan_step(penalty=True):
    opt.zero_grad()
    loss = critic(fake).mean() - critic(real).mean()
    if penalty:
        xi = (alpha * real + (1 - alpha) * fake).requires_grad_()
        (g,) = torch.autograd.grad(critic(xi).sum(), [xi], create_graph=True)
        gp = ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()
        loss = loss + 10 * gp
    loss.backward()
    opt.step()


net = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.Tanh(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.Tanh(), nn.AvgPool2d(2),
    nn.Flatten(), nn.Linear(32 * 8 * 8, 10),
)
params = list(net.parameters())
vs = [torch.randn_like(q) for q in params]
hx = torch.rand(B, 3, 32, 32)
hy = torch.randint(0, 10, (B,))


def hvp_step():
    loss = F.cross_entropy(net(hx), hy)
    gs = torch.autograd.grad(loss, params, create_graph=True)
    dot = sum((g * v).sum() for g, v in zip(gs, vs))
    return torch.autograd.grad(dot, params)


def median_ms(f):
    for _ in range(3):
        f()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


print(json.dumps({
    "threads": args.threads,
    "wgan_gp": median_ms(lambda: wgan_step(True)),
    "first": median_ms(lambda: wgan_step(False)),
    "hvp": median_ms(hvp_step),
}))
