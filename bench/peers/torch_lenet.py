"""PyTorch peer of bench/lenet.mjs: LeNet-5 (conv 1->6 5x5 pad 2, relu, maxpool 2,
conv 6->16 5x5, relu, maxpool 2, 400->120->84->10), Adam, cross entropy.

  --mode step: median ms of a training step at batch 64 on random data.
  --mode full --data DIR: trains on the full Fashion-MNIST (inputs scaled to [0, 1]) for
  --epochs epochs with shuffled batches, then prints the time and the test accuracy.
Prints one JSON line.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--mode", default="step")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--steps", type=int, default=60)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def read_idx(path):
    with gzip.open(path, "rb") as f:
        buf = f.read()
    ndim = buf[3]
    shape = [int.from_bytes(buf[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


model = lenet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def step(x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


if args.mode == "step":
    x = torch.rand(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    for _ in range(10):
        step(x, y)
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step(x, y)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"threads": args.threads, "ms": float(np.median(times)), "min_ms": float(np.min(times))}))
else:
    t_load = time.perf_counter()
    d = args.data
    tx = torch.from_numpy(read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    ty = torch.from_numpy(read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    vx = torch.from_numpy(read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    vy = torch.from_numpy(read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    load_s = time.perf_counter() - t_load
    t0 = time.perf_counter()
    n = tx.shape[0]
    steps = 0
    for epoch in range(args.epochs):
        perm = torch.randperm(n)
        for i in range(0, n, args.batch):
            idx = perm[i:i + args.batch]
            step(tx[idx], ty[idx])
            steps += 1
    train_s = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(vx[i:i + 1000]).argmax(1) == vy[i:i + 1000]).sum()) for i in range(0, vx.shape[0], 1000))
    print(json.dumps({"threads": args.threads, "seconds": train_s, "load_seconds": load_s, "steps": steps, "accuracy": correct / vx.shape[0]}))
