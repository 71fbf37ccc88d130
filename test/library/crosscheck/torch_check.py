#!/usr/bin/env python3
"""Recomputes gradscope's per-tensor gradient norms with PyTorch, from the same weights and inputs.

Usage: python torch_check.py /tmp/gradscope-crosscheck.json
For every trainable tensor it compares gradscope's norm with PyTorch's, both computed in float32, and
with a float64 PyTorch reference computed from the same float32 weights and inputs:

  - weight matrices (kernels, recurrent kernels): gradscope and PyTorch float32 must agree to 1e-5 relative;
  - every tensor (biases, batch-norm gamma/beta too): |gradscope - torch32| <= 1e-4 |torch32| + 1e-6 G + 1e-7,
    where G is the global gradient norm. The last two terms are float32 rounding (epsilon 1.2e-7) at the
    scale of the whole gradient and of the per-example loss derivatives (about 1): some gradients are sums
    with heavy cancellation, such as the output bias (the mean of sigmoid(z) - y over the batch) or a bias
    followed by batch normalization (exactly 0 in exact arithmetic, rounding noise in float32), and no two
    float32 engines agree on those to more digits.
  - the ratio of gradscope's error to PyTorch float32's error, both against the float64 reference, is
    reported for information.

Prints one line per case and a JSON summary on the last line; exits 1 if any check fails.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
TOLERANCE = 1e-5


def act(name, z):
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leakyRelu": lambda t: F.leaky_relu(t, 0.01),
        "elu": F.elu,
        "selu": F.selu,
        "gelu": F.gelu,  # erf form
        "swish": F.silu,
        "mish": lambda t: t * torch.tanh(F.softplus(t)),
        "softsign": F.softsign,
        "linear": lambda t: t,
    }[name](z)


def loss_fn(name, out, y):
    if name == "binaryCrossEntropy":
        return F.binary_cross_entropy_with_logits(out, y)
    if name == "softmaxCrossEntropy":
        return -(y * F.log_softmax(out, dim=-1)).sum(-1).mean()
    return F.mse_loss(out, y)


def leaf(p, dtype):
    return torch.tensor(p["values"], dtype=torch.float32).to(dtype).reshape(p["shape"]).requires_grad_(True)


def mlp_forward(case, P, x):
    o = case["options"]
    depth = o["depth"]
    bn = o.get("batchNorm") or False
    if bn is True:
        bn = "before"
    residual = o.get("residual", False)
    scale = o.get("residualScale", 1)
    alpha = o.get("leakyReluAlpha", 0.01)
    activation = o.get("activation", "relu")
    digits = max(2, len(str(depth)))
    name = lambda prefix, l: f"{prefix}_{str(l).zfill(digits)}"

    def batchnorm(z, l):
        mean = z.mean(0)
        var = z.var(0, unbiased=False)
        return (z - mean) / torch.sqrt(var + 1e-5) * P[name("batchnorm", l) + "/gamma"] + P[name("batchnorm", l) + "/beta"]

    h = x
    for l in range(1, depth + 1):
        z = h @ P[name("dense", l)] + P[name("dense", l) + "/bias"]
        if bn == "before":
            z = batchnorm(z, l)
        a = F.leaky_relu(z, alpha) if activation == "leakyRelu" else act(activation, z)
        if bn == "after":
            a = batchnorm(a, l)
        if residual and l >= 2:
            skip = h @ P[name("skip", l)] if name("skip", l) in P else h
            h = skip + scale * a
        else:
            h = a
    return h @ P["output"] + P["output/bias"]


def recurrent_forward(case, P, x):
    o = case["options"]
    cell = o["cell"]
    units = o["units"]
    prefix = {"simple": "rnn", "lstm": "lstm", "gru": "gru"}[cell] + "_01"
    W, U, b = P[prefix], P[prefix + "/recurrent_kernel"], P[prefix + "/bias"]
    batch, steps, _ = x.shape
    h = torch.zeros(batch, units, dtype=x.dtype)
    c = torch.zeros(batch, units, dtype=x.dtype)
    for t in range(steps):
        xt = x[:, t, :]
        if cell == "simple":
            h = torch.tanh(xt @ W + h @ U + b)
        elif cell == "lstm":
            zs = xt @ W + h @ U + b
            i, f, g, o_ = zs.split(units, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o_) * torch.tanh(c)
        else:  # GRU, reset applied before the recurrent matrix (TensorFlow.js's variant)
            xz, xr, xh = (xt @ W + b).split(units, dim=1)
            uz, ur, uh = U.split(units, dim=1)
            z = torch.sigmoid(xz + h @ uz)
            r = torch.sigmoid(xr + h @ ur)
            hh = torch.tanh(xh + (r * h) @ uh)
            h = z * h + (1 - z) * hh
    return h @ P["output"] + P["output/bias"]


def grads(case, dtype):
    P = {p["name"]: leaf(p, dtype) for p in case["params"]}
    x = torch.tensor(case["x"], dtype=torch.float32).to(dtype)
    y = torch.tensor(case["y"], dtype=torch.float32).to(dtype)
    out = mlp_forward(case, P, x) if case["kind"] == "mlp" else recurrent_forward(case, P, x)
    loss = loss_fn(case["loss"], out, y)
    loss.backward()
    return loss.item(), {n: (t.grad.norm().item() if t.grad is not None else 0.0) for n, t in P.items()}


def rel(a, b):
    return abs(a - b) / abs(b) if b != 0 else abs(a)


def check(case):
    loss32, torch32 = grads(case, torch.float32)
    loss64, torch64 = grads(case, torch.float64)
    ours = case["norms"]
    G = sum(v * v for v in torch64.values()) ** 0.5
    kernel_worst, kernel_name = 0.0, None
    precision_ok = True
    worst_ratio, worst_ratio_name = 0.0, None
    for p in case["params"]:
        n = p["name"]
        if p["weight"] in ("kernel", "recurrent_kernel"):
            r = rel(ours[n], torch32[n])
            if r > kernel_worst:
                kernel_worst, kernel_name = r, n
        if abs(ours[n] - torch32[n]) > 1e-4 * abs(torch32[n]) + 1e-6 * G + 1e-7:
            precision_ok = False
        ratio = rel(ours[n], torch64[n]) / (rel(torch32[n], torch64[n]) + 1e-7)
        if ratio > worst_ratio:
            worst_ratio, worst_ratio_name = ratio, n
    loss_rel = rel(case["lossValue"], loss32)
    return kernel_worst, kernel_name, precision_ok, worst_ratio, worst_ratio_name, loss_rel, min(torch32.values())


def main():
    data = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gradscope-crosscheck.json"))
    summary = []
    failed = False
    for case in data["cases"]:
        kernel_worst, kernel_name, precision_ok, worst_ratio, worst_ratio_name, loss_rel, smallest = check(case)
        ok = kernel_worst <= TOLERANCE and precision_ok and loss_rel <= 1e-5
        failed |= not ok
        print(
            f"{'ok  ' if ok else 'FAIL'} {case['name']:<48} kernels vs torch32: max rel diff {kernel_worst:.1e} ({kernel_name}); "
            f"all {len(case['params'])} tensors vs float64: error <= {worst_ratio:.1f}x torch32's ({worst_ratio_name}); "
            f"loss rel diff {loss_rel:.0e}; smallest norm {smallest:.0e}"
        )
        summary.append({"case": case["name"], "tensors": len(case["params"]), "kernelMaxRelDiff": kernel_worst, "errorVsTorch32": worst_ratio, "lossRelDiff": loss_rel, "ok": ok})
    print(json.dumps({"torch": torch.__version__, "backend": data["backend"], "tolerance": TOLERANCE, "cases": summary}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
