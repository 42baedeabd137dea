"""PyTorch and numpy side of the bench.

python3 bench/peers/torch_ops.py --suite-json '[...]' --threads 2 --lib torch|numpy
prints {"workload name": microseconds per call, ...}.
"""
import argparse
import json
import os
import sys
import time


# TF_BENCH_CLOCK=cpu (run.mjs --clock cpu): process CPU time instead of wall time.
CLOCK = time.process_time if os.environ.get("TF_BENCH_CLOCK") == "cpu" else time.perf_counter


def time_it(fn, min_ms=60, repeats=7):
    for _ in range(3):
        fn()
    iters = 1
    while True:
        t0 = CLOCK()
        for _ in range(iters):
            fn()
        ms = (CLOCK() - t0) * 1e3
        if ms >= min_ms / 4 or iters >= 10_000_000:
            iters = max(1, int(iters * min_ms / max(ms, 1e-3)) + 1)
            break
        iters *= 4
    samples = []
    for _ in range(repeats):
        t0 = CLOCK()
        for _ in range(iters):
            fn()
        samples.append((CLOCK() - t0) * 1e6 / iters)
    samples.sort()
    return samples[len(samples) // 2]


def torch_ops(threads):
    import torch
    torch.set_num_threads(threads)
    f = torch.nn.functional
    return {
        "add": torch.add, "mul": torch.mul, "exp": torch.exp, "tanh": torch.tanh,
        "sigmoid": torch.sigmoid, "relu": torch.relu, "gelu": f.gelu,
        "sum": torch.sum, "sumRows": lambda a: torch.sum(a, 1),
        "softmax": lambda a: torch.softmax(a, -1),
        "transposeCopy": lambda a: a.t().contiguous(), "matmul": torch.matmul,
    }, lambda shape: torch.randn(*shape)


def torch_models():
    import torch
    nn = torch.nn

    def mlp(layers):
        mods = []
        for i in range(len(layers) - 1):
            if i > 0:
                mods.append(nn.ReLU())
            mods.append(nn.Linear(layers[i], layers[i + 1]))
        return nn.Sequential(*mods)

    def train_step(w):
        torch.manual_seed(0)
        model = mlp(w["layers"])
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.randn(w["batch"], w["layers"][0])
        y = torch.randint(0, w["layers"][-1], (w["batch"],))

        def step():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return step

    def infer(w):
        torch.manual_seed(0)
        model = mlp(w["layers"]).eval()
        x = torch.randn(w["batch"], w["layers"][0])

        def run():
            with torch.no_grad():
                model(x)
        return run

    def rnn_layer(w):
        torch.manual_seed(0)
        return (nn.LSTM if w["cell"] == "lstm" else nn.GRU)(w["I"], w["H"])

    def rnn_forward(w):
        layer = rnn_layer(w).eval()
        x = torch.randn(w["T"], w["B"], w["I"])

        def run():
            with torch.no_grad():
                layer(x)
        return run

    def rnn_train(w):
        layer = rnn_layer(w)
        x = torch.randn(w["T"], w["B"], w["I"], requires_grad=True)

        def step():
            layer.zero_grad()
            x.grad = None
            out, _ = layer(x)
            out.sum().backward()
        return step


    def conv_parts(w, grad):
        torch.manual_seed(0)
        c = w["conv"]
        x = torch.randn(c["n"], c["c"], c["h"], c["w"], requires_grad=grad)
        weight = torch.randn(c["k"], c["c"] // c["groups"], c["ks"], c["ks"], requires_grad=grad)
        bias = torch.randn(c["k"], requires_grad=grad)
        return c, x, weight, bias

    def conv2d(w):
        c, x, weight, bias = conv_parts(w, False)

        def run():
            with torch.no_grad():
                torch.nn.functional.conv2d(x, weight, bias, stride=c["stride"], padding=c["pad"], groups=c["groups"])
        return run

    def conv2d_train(w):
        c, x, weight, bias = conv_parts(w, True)
        gy = torch.randn(c["n"], c["k"], c["oh"], c["ow"])

        def run():
            for t in (x, weight, bias):
                t.grad = None
            torch.nn.functional.conv2d(x, weight, bias, stride=c["stride"], padding=c["pad"], groups=c["groups"]).backward(gy)
        return run


    return {"mlpTrainStep": train_step, "mlpInfer": infer, "rnnForward": rnn_forward, "rnnTrain": rnn_train,
            "conv2d": conv2d, "conv2dTrain": conv2d_train}


def numpy_ops(threads):
    import numpy as np
    from math import sqrt

    def softmax(a):
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    rng = np.random.default_rng(0)
    return {
        "add": np.add, "mul": np.multiply, "exp": np.exp, "tanh": np.tanh,
        "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "relu": lambda a: np.maximum(a, 0),
        "sum": np.sum, "sumRows": lambda a: np.sum(a, 1), "softmax": softmax,
        "transposeCopy": lambda a: np.ascontiguousarray(a.T), "matmul": np.matmul,
    }, lambda shape: rng.standard_normal(shape, dtype=np.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--suite-json", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lib", choices=["torch", "numpy"], default="torch")
    a = p.parse_args()
    ops, make = (torch_ops if a.lib == "torch" else numpy_ops)(a.threads)
    models = torch_models() if a.lib == "torch" else {}
    results = {}
    for w in json.loads(a.suite_json):
        if w["op"] in models:
            results[w["name"]] = time_it(models[w["op"]](w))
            continue
        fn = ops.get(w["op"])
        if fn is None:
            continue
        inputs = [make(s) for s in w["shapes"]]
        results[w["name"]] = time_it(lambda: fn(*inputs))
    print(json.dumps(results))


if __name__ == "__main__":
    sys.exit(main())
