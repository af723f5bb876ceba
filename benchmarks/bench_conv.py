"""Where convolution training time goes on XLA:CPU, against TensorFlow's kernels (issue 16).

For the 3x3 ``"SAME"`` convolutions of ``vs_tensorflow.py``'s conv workloads, times the
three pieces of a training step separately: the forward convolution, the input gradient
(``dx``) and the kernel gradient (``dw``), each as its own compiled program, medians of
interleaved rounds.

- ``jax`` side (default): ``lax.conv_general_dilated`` and its VJP as XLA:CPU compiles
  them by default (convolutions and dots go to YNNPACK), the same programs compiled with
  YNNPACK off for convolutions (``compiler_options``: XLA's Eigen convolution), and
  jtape's ``_conv_math.convolution`` (im2col for few input channels) compiled with jtape's
  options (``_xla_options``), as jtape's programs are. Every side runs with glibc keeping
  freed buffers (``_host_memory``, as in a jtape process; ``--glibc-defaults``: not).
- ``tensorflow`` side: ``tf.nn.conv2d``, ``Conv2DBackpropInput`` and
  ``Conv2DBackpropFilter`` in ``tf.function`` (oneDNN), run with TF's own Python.

Run: ``.venv/bin/python benchmarks/bench_conv.py`` and
``/work/tfvenv/bin/python benchmarks/bench_conv.py --backend tensorflow``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

SHAPES = [  # (batch, height = width, in channels, out channels): the workloads' convs
    (64, 32, 3, 32),  # CNN, first conv
    (64, 16, 32, 64),  # CNN, second conv
    (32, 32, 16, 16),  # ResNet block
    (32, 28, 1, 32),  # Conv-Flatten-Dense
]
EIGEN = {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"}


def _median_ms(fns: dict, rounds: int, sync) -> dict:
    times = {name: [] for name in fns}
    for fn in fns.values():
        sync(fn())
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            sync(fn())
            times[name].append(time.perf_counter() - start)
    return {name: 1e3 * statistics.median(t) for name, t in times.items()}


def _jax_pieces(shape, rng):
    import jax
    from jax import lax

    from jtape import _conv_math, _xla_options

    n, hw, cin, cout = shape
    dn = ("NHWC", "HWIO", "NHWC")
    x = jax.numpy.asarray(rng.standard_normal((n, hw, hw, cin)), "float32")
    w = jax.numpy.asarray(rng.standard_normal((3, 3, cin, cout)), "float32")
    g = jax.numpy.asarray(rng.standard_normal((n, hw, hw, cout)), "float32")

    def lax_conv(x, w):
        return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dn)

    def jtape_conv(x, w):
        return _conv_math.convolution(x, w, (1, 1), "SAME", (1, 1), dn)

    fns = {}
    for label, conv, options in [
        ("xla", lax_conv, None),
        ("xla-eigen", lax_conv, EIGEN),
        ("jtape", jtape_conv, _xla_options.compiler_options()),
    ]:

        def dx(x, w, g, conv=conv):
            return jax.vjp(lambda x: conv(x, w), x)[1](g)[0]

        def dw(x, w, g, conv=conv):
            return jax.vjp(lambda w: conv(x, w), w)[1](g)[0]

        fwd_c = jax.jit(conv, compiler_options=options)
        dx_c = jax.jit(dx, compiler_options=options)
        dw_c = jax.jit(dw, compiler_options=options)
        fns[f"{label} fwd"] = lambda f=fwd_c: f(x, w)
        fns[f"{label} dx"] = lambda f=dx_c: f(x, w, g)
        fns[f"{label} dw"] = lambda f=dw_c: f(x, w, g)
    return fns, lambda a: a.block_until_ready()


def _tf_pieces(shape, rng):
    import tensorflow as tf

    n, hw, cin, cout = shape
    x = tf.constant(rng.standard_normal((n, hw, hw, cin)), tf.float32)
    w = tf.constant(rng.standard_normal((3, 3, cin, cout)), tf.float32)
    g = tf.constant(rng.standard_normal((n, hw, hw, cout)), tf.float32)
    ones = [1, 1, 1, 1]
    fwd = tf.function(lambda: tf.nn.conv2d(x, w, 1, "SAME"))
    dx = tf.function(
        lambda: tf.raw_ops.Conv2DBackpropInput(
            input_sizes=x.shape, filter=w, out_backprop=g, strides=ones, padding="SAME"
        )
    )
    dw = tf.function(
        lambda: tf.raw_ops.Conv2DBackpropFilter(
            input=x, filter_sizes=w.shape, out_backprop=g, strides=ones, padding="SAME"
        )
    )
    return {"tf fwd": fwd, "tf dx": dx, "tf dw": dw}, lambda a: a.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["jax", "tensorflow"], default="jax")
    parser.add_argument("--glibc-defaults", action="store_true", help="no _host_memory setting")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.backend == "jax" and not args.glibc_defaults:
        from jtape import _host_memory

        _host_memory.keep_freed_memory()
    rng = np.random.default_rng(0)
    pieces = _jax_pieces if args.backend == "jax" else _tf_pieces
    header = None
    for shape in SHAPES:
        fns, sync = pieces(shape, rng)
        result = _median_ms(fns, args.rounds, sync)
        if header is None:
            header = list(result)
            print("| shape (N, H=W, Cin, Cout) | " + " | ".join(header) + " |")
            print("|---" * (len(header) + 1) + "|")
        cells = " | ".join(f"{result[name]:.2f}" for name in header)
        print(f"| {shape} | {cells} |", flush=True)
    load = os.getloadavg()[0]
    print(f"\n_ms, medians of {args.rounds} interleaved rounds; load average {load:.1f}_")


if __name__ == "__main__":
    main()
