"""Record the conformance fixtures with real TensorFlow (the oracle).

Run with the TensorFlow venv, never with jtape's:

    /work/tfvenv/bin/python tests/conformance/record_tf.py            # every scenario
    /work/tfvenv/bin/python tests/conformance/record_tf.py s01_mlp_core s05_autodiff

Each scenario's ``run(tensorflow)`` figures go to ``fixtures/<scenario>.json``. TensorFlow
runs on the CPU only, with op determinism on, so a re-recording gives the same numbers.
"""

from __future__ import annotations

import os
import sys
import time

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import conformance_harness as harness  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


def main(argv: list[str]) -> int:
    tf.config.set_visible_devices([], "GPU")
    tf.config.experimental.enable_op_determinism()
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__}
    names = harness.scenario_names()
    if argv:
        unknown = [a for a in argv if a not in names]
        if unknown:
            print(f"unknown scenarios {unknown}; known: {names}", file=sys.stderr)
            return 2
        names = argv
    for name in names:
        start = time.perf_counter()
        module = harness.load(name)
        tf.keras.backend.clear_session()
        figures = module.run(tf)
        path = harness.save(name, figures, versions)
        took = time.perf_counter() - start
        print(f"{name}: {len(figures)} figures -> {os.path.relpath(path)} ({took:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
