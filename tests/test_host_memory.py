"""glibc keeps freed host buffers for jtape's CPU programs (jtape/_host_memory.py).

Each case runs in a fresh process: the setting is process-wide and made once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

GLIBC = hasattr(os, "confstr") and os.confstr("CS_GNU_LIBC_VERSION") or ""
pytestmark = pytest.mark.skipif(not GLIBC.startswith("glibc"), reason="glibc's malloc only")

# The CNN training step of benchmarks/vs_tensorflow.py: with glibc's defaults its
# buffers (above the 32 MiB largest default mmap threshold, or in worker threads' heaps
# that are unmapped when freed) come from fresh pages at every step: ~9000 page faults.
SCRIPT = textwrap.dedent(
    """
    import resource
    import numpy as np
    import jtape.compat as tf
    from jtape import _host_memory

    L = tf.keras.layers
    model = tf.keras.Sequential([
        tf.keras.Input((32, 32, 3)),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Flatten(), L.Dense(10),
    ])
    opt = tf.keras.optimizers.SGD(0.01)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((64, 32, 32, 3)).astype(np.float32))
    y = tf.constant(rng.integers(0, 10, 64).astype(np.int32))
    for _ in range(15):
        float(step(x, y))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        float(step(x, y))
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
    print(_host_memory._done, int(faults))
    """
)


def _run(**env) -> tuple[bool, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")} | env
    env.setdefault("JAX_PLATFORMS", "cpu")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    done, faults = out.stdout.split()
    return done == "True", int(faults)


def test_freed_buffers_are_reused_without_page_faults():
    done, kept = _run()
    _, default = _run(JTAPE_KEEP_HOST_MEMORY="0")
    assert done
    assert default > 2000  # glibc's defaults: fresh pages for the step's buffers
    assert kept < default / 4  # kept: the same pages serve the next steps


def test_user_settings_of_glibc_are_left_alone():
    _, theirs = _run(MALLOC_TRIM_THRESHOLD_="131072")
    assert theirs > 2000


def test_keep_freed_memory_acts_once_and_obeys_the_switch():
    code = "from jtape import _host_memory as m\nprint(m.keep_freed_memory(), "
    code += "m.keep_freed_memory())"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    off = subprocess.run(
        [sys.executable, "-c", code],
        env=env | {"JTAPE_KEEP_HOST_MEMORY": "off"},
        capture_output=True,
        text=True,
    )
    assert on.stdout.split() == ["True", "False"], on.stderr[-2000:]
    assert off.stdout.split() == ["False", "False"], off.stderr[-2000:]
