#!/usr/bin/python3
"""PyTorch CPU reference for `pnpm bench`: the two reference VAEs of @vae/backends' bench, trained
the same way (batch 128, Adam 1e-3, Bernoulli BCE on logits summed per example + Gaussian KL,
mean over the batch) on synthetic images uniform in [0, 1], timed like ours (warm-up excluded,
median of windows), with one thread and with as many as cores (the faster is the reference). Prints one line `RESULT {json}` (and writes it to --json when given).

Run it with Debian's python3-torch (`apt-get install -y python3-torch libopenblas0-openmp`) and
`/usr/bin/python3`; `pnpm bench` runs it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, so
OpenBLAS picks its kernels for this CPU by itself, and records the core type it used.
"""

import argparse
import ctypes
import json
import os
import re
import statistics
import sys
import time


def blas_info():
    """The BLAS library torch loaded, read from /proc/self/maps, and what OpenBLAS says of itself.

    torch.__config__.show() says only BLAS_INFO=generic for Debian's build (it links libblas.so.3,
    which the alternatives system points at OpenBLAS); the core type comes from
    openblas_get_corename() of the library actually mapped into this process.
    """
    info = {"library": None, "corename": None, "config": None, "threads": None}
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "/" in line and "blas" in line.lower()})
    except OSError as error:
        info["error"] = f"cannot read /proc/self/maps: {error}"
        return info
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        corename = getattr(lib, "openblas_get_corename", None)
        if corename is None:
            continue
        corename.restype = ctypes.c_char_p
        config = lib.openblas_get_config
        config.restype = ctypes.c_char_p
        info.update(
            library=os.path.realpath(path),
            corename=corename().decode(),
            config=config().decode(),
            threads=lib.openblas_get_num_threads(),
        )
        return info
    info["library"] = ", ".join(paths) or None
    info["error"] = "no OpenBLAS among the loaded libraries" if paths else "no BLAS library loaded"
    return info


def build(model, torch):
    nn = torch.nn

    class Vae(nn.Module):
        def __init__(self):
            super().__init__()
            if model == "mlp":
                # 784-400-20: the mean and log-variance heads are two Dense layers, as in ours.
                self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU())
                self.mean, self.log_var = nn.Linear(400, 20), nn.Linear(400, 20)
                self.decoder = nn.Sequential(nn.Linear(20, 400), nn.ReLU(), nn.Linear(400, 784))
                self.latent, self.shape = 20, (1, 784)
            else:
                # The Keras example: 'same' padding; ConvTranspose2d(padding=1, output_padding=1)
                # doubles the size as Keras's Conv2DTranspose(strides=2, padding='same') does.
                self.encoder = nn.Sequential(
                    nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
                    nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
                    nn.Flatten(), nn.Linear(7 * 7 * 64, 16), nn.ReLU(),
                )
                self.mean, self.log_var = nn.Linear(16, 2), nn.Linear(16, 2)
                self.decoder = nn.Sequential(
                    nn.Linear(2, 7 * 7 * 64), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                    nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                    nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                    nn.ConvTranspose2d(32, 1, 3, padding=1),
                )
                self.latent, self.shape = 2, (1, 28, 28)

        def loss(self, x):
            h = self.encoder(x)
            mean, log_var = self.mean(h), self.log_var(h)
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            logits = self.decoder(z).reshape(x.shape)
            bce = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
            recon = bce.flatten(1).sum(1)
            kl = -0.5 * (1 + log_var - mean.square() - log_var.exp()).sum(1)
            return (recon + kl).mean()

    return Vae()


def measure(model, args, torch, threads):
    """Images/s of one model on `threads` threads: warm-up excluded, the median of timed windows."""
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    vae = build(model, torch)
    parameters = sum(p.numel() for p in vae.parameters())
    optimizer = torch.optim.Adam(vae.parameters(), lr=1e-3)
    data = torch.rand((args.images, *vae.shape), generator=torch.Generator().manual_seed(2))
    batches = [data[i : i + args.batch] for i in range(0, args.images - args.batch + 1, args.batch)]
    count = 0

    def step():
        nonlocal count
        optimizer.zero_grad(set_to_none=True)
        loss = vae.loss(batches[count % len(batches)])
        loss.backward()
        optimizer.step()
        count += 1
        return loss

    # Warm up (allocator, thread pools, oneDNN primitives) for 3 steps and about a window's time.
    started = time.perf_counter()
    warm_steps = 0
    row = {"model": model, "backend": "pytorch-cpu", "batchSize": args.batch, "threads": threads, "parameters": parameters}
    while warm_steps < 3 or time.perf_counter() - started < args.seconds:
        t = time.perf_counter()
        step().item()
        per_step = time.perf_counter() - t
        warm_steps += 1
    steps = max(2, round(args.seconds / max(per_step, 1e-6)))
    rates = []
    for _ in range(args.windows):
        t = time.perf_counter()
        for _ in range(steps):
            loss = step()
        loss.item()
        rates.append(steps * args.batch / (time.perf_counter() - t))
    return {
        **row,
        "trainImagesPerSecond": statistics.median(rates),
        "windowImagesPerSecond": rates,
        "stepsPerWindow": steps,
        "finalLoss": float(loss.item()),
    }


def sgemm_gflops(torch, threads, n=2048, seconds=0.5):
    """torch.matmul of two n x n float32 matrices (OpenBLAS sgemm) on `threads` threads: the native peak here."""
    torch.set_num_threads(threads)
    a, b = torch.rand(n, n), torch.rand(n, n)
    torch.matmul(a, b)
    reps, started = 0, time.perf_counter()
    while reps < 3 or time.perf_counter() - started < seconds:
        torch.matmul(a, b)
        reps += 1
    return 2 * n**3 * reps / (time.perf_counter() - started) / 1e9


def best_of_threads(model, args, torch):
    """Measures at every thread count asked for, in two rounds (1, n, 1, n, ...); the row of the
    fastest, with each thread count's best rate in `byThreads`.

    PyTorch on this kind of machine varies a lot from one measurement to the next (the same
    two-thread MLP measured about 4,700 and 23,000 images/s minutes apart): each thread count gets
    its best of two full measurements, each with its own warm-up, so one bad moment does not make
    PyTorch look slower than it is.
    """
    best_by_threads = {}
    for _ in range(args.rounds):
        for threads in args.threads:
            row = measure(model, args, torch, threads)
            known = best_by_threads.get(threads)
            if known is None or row["trainImagesPerSecond"] > known["trainImagesPerSecond"]:
                best_by_threads[threads] = row
    best = max(best_by_threads.values(), key=lambda r: r["trainImagesPerSecond"])
    return {
        **best,
        "byThreads": {str(t): r["trainImagesPerSecond"] for t, r in best_by_threads.items()},
        "rounds": args.rounds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--windows", type=int)
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=128)
    cores = len(os.sched_getaffinity(0))
    parser.add_argument(
        "--threads",
        default=f"1,{cores}" if cores > 1 else "1",
        help="comma-separated thread counts to measure; the fastest is the reference (default: 1, then the cores)",
    )
    parser.add_argument("--rounds", type=int, help="measurements per thread count, the best kept (default 2, 1 with --quick)")
    parser.add_argument("--models", default="keras-conv,mlp")
    parser.add_argument("--json")
    args = parser.parse_args()
    args.seconds = args.seconds or (0.5 if args.quick else 2.0)
    args.windows = args.windows or (1 if args.quick else 3)
    args.rounds = args.rounds or (1 if args.quick else 2)
    args.threads = [int(t) for t in str(args.threads).split(",")]

    try:
        import torch
    except ImportError as error:
        result = {"available": False, "error": f"no PyTorch for {sys.executable}: {error}"}
    else:
        # torch's own default may be the physical cores only (1 on a 2-vCPU machine).
        default_threads = torch.get_num_threads()
        torch.set_num_threads(max(args.threads))
        torch.matmul(torch.ones(64, 64), torch.ones(64, 64))  # loads the BLAS, for blas_info()
        result = {
            "available": True,
            "torch": torch.__version__,
            "python": sys.executable,
            "cores": cores,
            "threadsMeasured": args.threads,
            "torchDefaultThreads": default_threads,
            "mkldnn": torch.backends.mkldnn.is_available(),
            # The vector width of torch's own kernels (ATen), as torch.__config__.show() says it.
            "cpuCapability": next(iter(re.findall(r"CPU capability usage: (\S+)", torch.__config__.show())), None),
            "blas": blas_info(),
            "environment": {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))},
            "images": args.images,
            "sgemmGflops": {str(t): sgemm_gflops(torch, t) for t in args.threads},
            "results": [best_of_threads(m, args, torch) for m in args.models.split(",")],
        }
    line = json.dumps(result)
    if args.json:
        with open(args.json, "w") as out:
            out.write(line + "\n")
    print(f"RESULT {line}")


if __name__ == "__main__":
    main()
