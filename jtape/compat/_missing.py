"""Errors for the parts of TensorFlow's API that jtape does not provide.

Each ``jtape.compat`` namespace module ends with ``__getattr__ = missing(...)``: asking
for a name it lacks raises :class:`NotProvidedError`, which names the missing API and,
where one exists, the native (jtape / JAX) alternative. It subclasses
``AttributeError`` so ``hasattr(tf, "x")`` and ``getattr(tf, "x", default)`` behave.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


class NotProvidedError(AttributeError):
    """A TensorFlow API that ``jtape.compat`` does not provide.

    Example:
        >>> import jtape.compat as tf
        >>> hasattr(tf, "lite")
        False
        >>> try:
        ...     tf.lite
        ... except NotProvidedError as e:
        ...     print(str(e).split(" by ")[0])
        `tf.lite` is not provided
    """


_GENERIC = (
    "Any pure JAX function can stand in: wrap it with jtape.op (e.g. "
    "`jt.op(jax.numpy.fft.fft)`) and tapes and jt.function handle it like a built-in op."
)

# Known gaps and what to use instead; keys are full TF paths without the "tf." prefix.
ALTERNATIVES: dict[str, str] = {
    "image": "jtape.compat.image covers resizing, crops, flips, colour, ssim/psnr and "
    "random augmentations (docs/image_signal.md); write other image ops with jax.image / "
    "jax.numpy wrapped with jt.op.",
    "strings": "jtape.compat.strings covers the tf.strings ops of docs/strings.md; they run "
    "on the host over numpy object arrays of bytes, so do the rest with Python on "
    "t.numpy() (in a tf.data map or eagerly).",
    "signal": "jtape.compat.signal covers FFTs, frame, stft, windows, DCT and mel filters; "
    "wrap other jax.numpy.fft / jax.scipy.signal functions with jt.op.",
    "io": "jtape.compat.io covers local files (read_file, write_file, gfile), "
    "serialize_tensor/parse_tensor, PNG, TFRecord files and tf.train.Example parsing "
    "(FixedLenFeature); read other formats (JPEG, SparseTensor features) with "
    "Python/numpy and feed arrays to tf.data.Dataset.from_tensor_slices.",
    "lite": "TF Lite conversion needs TensorFlow itself.",
    "profiler": "tf.profiler.experimental provides start/stop/Trace/Profile/ProfilerOptions/"
    "server.start (on jax.profiler); use jax.profiler directly for anything else.",
    "compat": "jtape runs TF2-style eager code only; tf.compat.v1 graphs and sessions are "
    "not supported.",
    "Session": "There are no sessions: code runs eagerly, or compiled with tf.function.",
    "placeholder": "There are no placeholders: pass tensors to a tf.function instead.",
    "RegisterGradient": "Define the gradient with tf.custom_gradient, or make the op with "
    "jt.op (its gradient is JAX's).",
    "Graph": "There are no graphs: tf.function compiles to one XLA program via jax.jit.",
    "estimator": "Estimators are not supported; write a tf.GradientTape loop or use "
    "keras Model.fit.",
    "feature_column": "Feature columns are not supported; preprocess with numpy.",
    "queue": "Use tf.data or Python iterators.",
    "tpu": "jtape runs on whatever JAX runs on; there is no TPU-specific API.",
    "xla": "tf.function always compiles with XLA (through jax.jit).",
    "experimental.numpy": "Use jax.numpy directly (wrap with jt.op for gradients).",
    "lookup": "Lookup tables are not supported; use keras.layers.StringLookup / "
    "IntegerLookup (docs/strings.md), or map keys to ids in Python before training.",
    "audio": "Decode audio with a Python library, then use the arrays.",
    "sets": "Set operations are not supported; use numpy on concrete values.",
    "quantization": "Quantization ops are not supported.",
    "mlir": "jtape lowers to XLA through JAX; see `jax.jit(...).lower(...).as_text()`.",
    "random.experimental": "Use tf.random.stateless_* or tf.random.Generator.",
}


def missing(namespace: str, lazy: dict[str, str] | None = None) -> Callable[[str], object]:
    """A module ``__getattr__`` for namespace ``namespace`` (e.g. ``"tf.nn"``).

    ``lazy`` maps attribute names to modules imported on first use (``tf.keras`` ->
    ``jtape.compat.keras``), so importing compat stays cheap and free of cycles.
    """
    lazy = lazy or {}

    def __getattr__(name: str):
        if name in lazy:
            try:
                return importlib.import_module(lazy[name])
            except ImportError as e:
                raise NotProvidedError(
                    f"`{namespace}.{name}` is not available yet: importing {lazy[name]} "
                    f"failed ({e})."
                ) from e
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {namespace!r} has no attribute {name!r}")
        raise NotProvidedError(message(namespace, name))

    return __getattr__


def message(namespace: str, name: str) -> str:
    full = f"{namespace}.{name}"
    key = full.split(".", 1)[1] if "." in full else full
    hint = ALTERNATIVES.get(key) or ALTERNATIVES.get(key.split(".", 1)[0]) or _GENERIC
    return f"`{full}` is not provided by jtape.compat. {hint}"
