"""docs/compat.md is current, every name in it resolves, and every name is exercised here.

Function families (tf.math's unary/binary/reduction tables) are checked against numpy or
jax.scipy references; every other name has one call below with a known result.
"""

from __future__ import annotations

import pathlib
import sys

import jax.scipy.special as jss
import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf
from jtape.compat import _doc
from jtape.compat import math as tfmath

ROOT = pathlib.Path(__file__).resolve().parents[2]
X = np.array([0.2, 0.5, 0.8], np.float32)
Y = np.array([0.7, 0.3, 0.9], np.float32)

UNARY_REF = {
    "abs": np.abs,
    "acos": np.arccos,
    "acosh": lambda x: np.arccosh(x + 1),
    "asin": np.arcsin,
    "asinh": np.arcsinh,
    "atan": np.arctan,
    "atanh": np.arctanh,
    "bessel_i0e": jss.i0e,
    "bessel_i1e": jss.i1e,
    "ceil": np.ceil,
    "conj": np.conj,
    "cos": np.cos,
    "cosh": np.cosh,
    "digamma": jss.digamma,
    "erf": jss.erf,
    "erfc": jss.erfc,
    "erfinv": jss.erfinv,
    "exp": np.exp,
    "expm1": np.expm1,
    "floor": np.floor,
    "imag": np.imag,
    "is_finite": np.isfinite,
    "is_inf": np.isinf,
    "is_nan": np.isnan,
    "lbeta": lambda x: np.sum(jss.gammaln(x)) - jss.gammaln(np.sum(x)),
    "lgamma": jss.gammaln,
    "log": np.log,
    "log1p": np.log1p,
    "log_sigmoid": lambda x: -np.log1p(np.exp(-x)),
    "logical_not": lambda x: ~(x > 0.4),
    "ndtri": jss.ndtri,
    "negative": np.negative,
    "real": np.real,
    "reciprocal": np.reciprocal,
    "reciprocal_no_nan": np.reciprocal,
    "rint": np.rint,
    "round": np.round,
    "rsqrt": lambda x: 1 / np.sqrt(x),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "sign": np.sign,
    "sin": np.sin,
    "sinh": np.sinh,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "sqrt": np.sqrt,
    "square": np.square,
    "tan": np.tan,
    "tanh": np.tanh,
}
BINARY_REF = {
    "add": np.add,
    "atan2": np.arctan2,
    "divide": np.divide,
    "divide_no_nan": np.divide,
    "equal": np.equal,
    "floordiv": np.floor_divide,
    "floormod": np.mod,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "igamma": jss.gammainc,
    "igammac": jss.gammaincc,
    "less": np.less,
    "less_equal": np.less_equal,
    "logical_and": lambda a, b: (a > 0.4) & (b > 0.4),
    "logical_or": lambda a, b: (a > 0.4) | (b > 0.4),
    "logical_xor": lambda a, b: (a > 0.4) ^ (b > 0.4),
    "maximum": np.maximum,
    "minimum": np.minimum,
    "mod": np.mod,
    "multiply": np.multiply,
    "multiply_no_nan": np.multiply,
    "not_equal": np.not_equal,
    "polygamma": lambda a, b: jss.polygamma(np.round(a * 3).astype(np.int32), b),
    "pow": np.power,
    "squared_difference": lambda a, b: (a - b) ** 2,
    "subtract": np.subtract,
    "truediv": np.divide,
    "truncatediv": lambda a, b: np.trunc(a / b),
    "xdivy": np.divide,
    "xlog1py": lambda a, b: a * np.log1p(b),
    "xlogy": lambda a, b: a * np.log(b),
    "zeta": lambda a, b: jss.zeta(a + 1.5, b),
}
REDUCE_REF = {
    "reduce_all": np.all,
    "reduce_any": np.any,
    "reduce_logsumexp": lambda x: np.log(np.sum(np.exp(x))),
    "reduce_max": np.max,
    "reduce_mean": np.mean,
    "reduce_min": np.min,
    "reduce_prod": np.prod,
    "reduce_std": np.std,
    "reduce_sum": np.sum,
    "reduce_variance": np.var,
}


def _unary_input(name):
    if name == "acosh":
        return X + 1, X
    if name.startswith("logical"):
        return X > 0.4, X
    return X, X


def _binary_inputs(name):
    if name.startswith("logical"):
        return (X > 0.4, Y > 0.4), (X, Y)
    if name == "polygamma":
        return (np.round(X * 3), Y), (X, Y)
    if name == "zeta":
        return (X + 1.5, Y), (X, Y)
    return (X, Y), (X, Y)


def _close(got, want):
    np.testing.assert_allclose(
        np.asarray(got, np.float64), np.asarray(want, np.float64), rtol=1e-5, atol=1e-6
    )


def _eq(got, want):
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


# One call per remaining name: (TF path) -> function of the tf module.
_TABLE3 = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def _sparse_ids():
    """Ids [0, 2] for example 0, [1] for example 1, none for example 2."""
    return tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([0, 2, 1], tf.int64), [3, 2])


def _sparse_example() -> bytes:
    feature = {
        "x": tf.train.Feature(int64_list=tf.train.Int64List(value=[3, 1, 4])),
        "i": tf.train.Feature(int64_list=tf.train.Int64List(value=[0, 2])),
        "v": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5, 1.5])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


CALLS = {
    "tf.argsort": lambda: _eq(tf.argsort([3.0, 1.0, 2.0]), [1, 2, 0]),
    "tf.boolean_mask": lambda: _eq(tf.boolean_mask([1, 2, 3], [True, False, True]), [1, 3]),
    "tf.broadcast_to": lambda: _eq(tf.broadcast_to([1, 2], [2, 2]), [[1, 2], [1, 2]]),
    "tf.case": lambda: _eq(
        tf.case([(tf.constant(False), lambda: 1), (tf.constant(True), lambda: 2)]), 2
    ),
    "tf.cast": lambda: _eq(tf.cast([1.7, -1.7], tf.int32), [1, -1]),
    "tf.VariableAggregation": lambda: _eq(
        [a.name for a in tf.VariableAggregation], ["NONE", "SUM", "MEAN", "ONLY_FIRST_REPLICA"]
    ),
    "tf.VariableSynchronization": lambda: _eq(
        [a.name for a in tf.VariableSynchronization], ["AUTO", "NONE", "ON_WRITE", "ON_READ"]
    ),
    "tf.IndexedSlices": lambda: _eq(
        tf.Variable([1.0, 2.0, 3.0]).scatter_add(
            tf.IndexedSlices(tf.constant([10.0, 20.0]), tf.constant([0, 2]))
        ),
        [11.0, 2.0, 23.0],
    ),
    "tf.clip_by_global_norm": lambda: _close(
        tf.clip_by_global_norm([tf.constant([3.0]), tf.constant([4.0])], 1.0)[1], 5.0
    ),
    "tf.clip_by_norm": lambda: _close(tf.clip_by_norm([3.0, 4.0], 1.0), [0.6, 0.8]),
    "tf.clip_by_value": lambda: _eq(tf.clip_by_value([-2.0, 0.5, 2.0], -1, 1), [-1, 0.5, 1]),
    "tf.concat": lambda: _eq(tf.concat([[1], [2]], 0), [1, 2]),
    "tf.cond": lambda: _eq(tf.cond(tf.constant(True), lambda: 1, lambda: 2), 1),
    "tf.constant": lambda: _eq(tf.constant(1.0, shape=[2], name="c"), [1.0, 1.0]),
    "tf.control_dependencies": lambda: tf.control_dependencies([]).__enter__(),
    "tf.convert_to_tensor": lambda: _eq(tf.convert_to_tensor([1, 2]), [1, 2]),
    "tf.cumsum": lambda: _eq(tf.cumsum([1, 2, 3]), [1, 3, 6]),
    "tf.custom_gradient": lambda: tf.custom_gradient(lambda x: (x, lambda dy: dy)),
    "tf.device": lambda: tf.device("/CPU:0").__enter__(),
    "tf.einsum": lambda: _eq(tf.einsum("ij->ji", tf.constant([[1, 2]])), [[1], [2]]),
    "tf.ensure_shape": lambda: _eq(tf.ensure_shape(tf.zeros([2, 3]), [None, 3]).shape, (2, 3)),
    "tf.executing_eagerly": lambda: _eq(tf.executing_eagerly(), True),
    "tf.expand_dims": lambda: _eq(tf.expand_dims([1, 2], 0).shape, (1, 2)),
    "tf.eye": lambda: _eq(tf.eye(2), np.eye(2)),
    "tf.fill": lambda: _eq(tf.fill([2], 7), [7, 7]),
    "tf.foldl": lambda: _eq(tf.foldl(lambda a, x: a + x, tf.constant([1, 2, 3])), 6),
    "tf.foldr": lambda: _eq(tf.foldr(lambda a, x: a + x, tf.constant([1, 2, 3])), 6),
    "tf.function": lambda: _eq(tf.function(lambda x: x * 2)(tf.constant(2.0)), 4.0),
    "tf.gather": lambda: _eq(tf.gather([5, 6, 7], [2, 0]), [7, 5]),
    "tf.gather_nd": lambda: _eq(tf.gather_nd([[1, 2], [3, 4]], [[1, 0]]), [3]),
    "tf.get_static_value": lambda: _eq(tf.get_static_value(tf.constant(3)), 3),
    "tf.identity": lambda: _eq(tf.identity(input=[1, 2]), [1, 2]),
    "tf.init_scope": lambda: tf.init_scope().__enter__(),
    "tf.is_tensor": lambda: _eq((tf.is_tensor(tf.constant(1)), tf.is_tensor(1)), (True, False)),
    "tf.linspace": lambda: _close(tf.linspace(0.0, 1.0, 3), [0, 0.5, 1]),
    "tf.map_fn": lambda: _eq(tf.map_fn(lambda v: v * 2, tf.constant([1, 2])), [2, 4]),
    "tf.matmul": lambda: _eq(tf.matmul([[1, 2]], [[3], [4]]), [[11]]),
    "tf.meshgrid": lambda: _eq(tf.meshgrid([1, 2], [3])[0], [[1, 2]]),
    "tf.name_scope": lambda: _enter_and_exit(tf.name_scope("s")),
    "tf.newaxis": lambda: _eq(tf.constant([1, 2])[tf.newaxis].shape, (1, 2)),
    "tf.no_op": lambda: _eq(tf.no_op(), None),
    "tf.norm": lambda: _close(tf.norm([3.0, 4.0]), 5.0),
    "tf.one_hot": lambda: _eq(tf.one_hot([1], 3), [[0, 1, 0]]),
    "tf.ones": lambda: _eq(tf.ones([2], tf.int32), [1, 1]),
    "tf.ones_like": lambda: _eq(tf.ones_like([3, 4]), [1, 1]),
    "tf.pad": lambda: _eq(tf.pad([1], [[1, 1]]), [0, 1, 0]),
    "tf.print": lambda: tf.print("x", tf.constant([1]), output_stream=sys.stdout),
    "tf.range": lambda: _eq(tf.range(3), [0, 1, 2]),
    "tf.rank": lambda: _eq(tf.rank(tf.zeros([2, 3])), 2),
    "tf.realdiv": lambda: _close(tf.realdiv([1.0], [4.0]), [0.25]),
    "tf.repeat": lambda: _eq(tf.repeat([1, 2], 2), [1, 1, 2, 2]),
    "tf.histogram_fixed_width": lambda: _eq(
        tf.histogram_fixed_width([0.0, 0.2, 0.9], [0.0, 1.0], nbins=2), [2, 1]
    ),
    "tf.saturate_cast": lambda: _eq(tf.saturate_cast([-200, 300], tf.int8), [-128, 127]),
    "tf.reshape": lambda: _eq(tf.reshape([1, 2, 3, 4], [2, 2]), [[1, 2], [3, 4]]),
    "tf.reverse": lambda: _eq(tf.reverse([1, 2], [0]), [2, 1]),
    "tf.roll": lambda: _eq(tf.roll([1, 2, 3], 1, 0), [3, 1, 2]),
    "tf.scan": lambda: _eq(tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3])), [1, 3, 6]),
    "tf.scatter_nd": lambda: _eq(tf.scatter_nd([[1]], [5], [3]), [0, 5, 0]),
    "tf.searchsorted": lambda: _eq(tf.searchsorted([1, 3, 5], [4]), [2]),
    "tf.sequence_mask": lambda: _eq(tf.sequence_mask([1, 2], 2), [[1, 0], [1, 1]]),
    "tf.shape": lambda: _eq(tf.shape(tf.zeros([2, 3])), [2, 3]),
    "tf.size": lambda: _eq(tf.size(tf.zeros([2, 3])), 6),
    "tf.slice": lambda: _eq(tf.slice([1, 2, 3, 4], [1], [2]), [2, 3]),
    "tf.sort": lambda: _eq(tf.sort([3, 1, 2], direction="DESCENDING"), [3, 2, 1]),
    "tf.split": lambda: _eq(tf.split([1, 2, 3, 4], 2)[1], [3, 4]),
    "tf.squeeze": lambda: _eq(tf.squeeze(tf.zeros([1, 2])).shape, (2,)),
    "tf.stack": lambda: _eq(tf.stack([[1], [2]], axis=1), [[1, 2]]),
    "tf.stop_gradient": lambda: _eq(tf.stop_gradient([1.0]), [1.0]),
    "tf.strided_slice": lambda: _eq(tf.strided_slice([1, 2, 3, 4], [0], [4], [2]), [1, 3]),
    "tf.switch_case": lambda: _eq(tf.switch_case(tf.constant(1), [lambda: 5, lambda: 6]), 6),
    "tf.tensor_scatter_nd_add": lambda: _eq(tf.tensor_scatter_nd_add([1, 1], [[0]], [2]), [3, 1]),
    "tf.tensor_scatter_nd_max": lambda: _eq(tf.tensor_scatter_nd_max([1, 1], [[0]], [2]), [2, 1]),
    "tf.tensor_scatter_nd_min": lambda: _eq(tf.tensor_scatter_nd_min([1, 1], [[0]], [0]), [0, 1]),
    "tf.tensor_scatter_nd_sub": lambda: _eq(tf.tensor_scatter_nd_sub([1, 1], [[1]], [2]), [1, -1]),
    "tf.tensor_scatter_nd_update": lambda: _eq(
        tf.tensor_scatter_nd_update([1, 1], [[1]], [9]), [1, 9]
    ),
    "tf.tensordot": lambda: _eq(tf.tensordot([1, 2], [3, 4], 1), 11),
    "tf.tile": lambda: _eq(tf.tile([1, 2], [2]), [1, 2, 1, 2]),
    "tf.transpose": lambda: _eq(tf.transpose([[1, 2]]), [[1], [2]]),
    "tf.unique": lambda: _eq(tf.unique([3, 1, 3])[0], [3, 1]),
    "tf.unique_with_counts": lambda: _eq(tf.unique_with_counts([3, 1, 3]).count, [2, 1]),
    "tf.unstack": lambda: _eq(tf.unstack([[1, 2], [3, 4]])[1], [3, 4]),
    "tf.vectorized_map": lambda: _eq(
        tf.vectorized_map(lambda v: v * 2, tf.constant([1, 2])), [2, 4]
    ),
    "tf.where": lambda: _eq(tf.where([True, False], [1, 2], [3, 4]), [1, 4]),
    "tf.while_loop": lambda: _eq(
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])[0], 3
    ),
    "tf.zeros": lambda: _eq(tf.zeros([2]), [0, 0]),
    "tf.zeros_like": lambda: _eq(tf.zeros_like([3, 4]), [0, 0]),
    "tf.add_n": lambda: _eq(tf.add_n([[1], [2]]), [3]),
    "tf.argmax": lambda: _eq(tf.argmax([[1, 5], [3, 2]], axis=1), [1, 0]),
    "tf.argmin": lambda: _eq(tf.argmin([[1, 5], [3, 2]]), [0, 1]),
    # tf.autodiff, tf.test
    "tf.autodiff.ForwardAccumulator": lambda: _fwd(),
    "tf.autodiff.GradientTape": lambda: _eq(tf.autodiff.GradientTape is jt.GradientTape, True),
    "tf.test.compute_gradient": lambda: _close(
        tf.test.compute_gradient(lambda x: x * x, [tf.constant([1.0, 2.0])])[0][0], [[2, 0], [0, 4]]
    ),
    "tf.test.gpu_device_name": lambda: _eq(tf.test.gpu_device_name(), ""),
    "tf.test.is_built_with_cuda": lambda: _eq(tf.test.is_built_with_cuda(), False),
    "tf.test.is_built_with_gpu_support": lambda: _eq(tf.test.is_built_with_gpu_support(), False),
    "tf.test.is_gpu_available": lambda: _eq(tf.test.is_gpu_available(), False),
    # tf.config
    "tf.config.experimental": lambda: tf.config.experimental.set_memory_growth(None, True),
    "tf.config.functions_run_eagerly": lambda: _eq(tf.config.functions_run_eagerly(), False),
    "tf.config.get_visible_devices": lambda: _eq(
        tf.config.get_visible_devices("CPU")[0].device_type, "CPU"
    ),
    "tf.config.list_logical_devices": lambda: _eq(
        tf.config.list_logical_devices("CPU")[0].name, "/device:CPU:0"
    ),
    "tf.config.list_physical_devices": lambda: _eq(
        tf.config.list_physical_devices("CPU")[0].name, "/physical_device:CPU:0"
    ),
    "tf.config.run_functions_eagerly": lambda: _run_eagerly(),
    "tf.config.set_soft_device_placement": lambda: tf.config.set_soft_device_placement(True),
    "tf.config.set_visible_devices": lambda: tf.config.set_visible_devices([]),
    "tf.config.LogicalDevice": lambda: tf.config.LogicalDevice("/device:CPU:0", "CPU"),
    "tf.config.PhysicalDevice": lambda: tf.config.PhysicalDevice("/x", "CPU"),
    # tf.nest
    "tf.nest.assert_same_structure": lambda: _raises(
        ValueError, tf.nest.assert_same_structure, [1, 2], [1]
    ),
    "tf.nest.flatten": lambda: _eq(tf.nest.flatten({"b": 1, "a": [2, 3]}), [2, 3, 1]),
    "tf.nest.is_nested": lambda: _eq((tf.nest.is_nested([1]), tf.nest.is_nested(1)), (True, False)),
    "tf.nest.map_structure": lambda: _same(
        tf.nest.map_structure(lambda v: v * 2, (1, [2])), (2, [4])
    ),
    "tf.nest.pack_sequence_as": lambda: _same(tf.nest.pack_sequence_as((0, [0]), [5, 6]), (5, [6])),
    # tf.dtypes
    "tf.dtypes.as_dtype": lambda: _eq(tf.dtypes.as_dtype(np.float32) is tf.float32, True),
    "tf.dtypes.cast": lambda: _eq(tf.dtypes.cast([1.5], tf.int32), [1]),
    "tf.dtypes.saturate_cast": lambda: _eq(tf.dtypes.saturate_cast([-5, 300], tf.uint8), [0, 255]),
    "tf.dtypes.string": lambda: _eq(tf.constant("a").dtype == tf.dtypes.string, True),
    "tf.string": lambda: _eq(tf.constant(["a", "b"]).numpy().tolist(), [b"a", b"b"]),
    "tf.RaggedTensor": lambda: _same(
        tf.RaggedTensor.from_row_lengths([1, 2, 3], [2, 1]).to_list(), [[1, 2], [3]]
    ),
    "tf.py_function": lambda: _eq(
        tf.py_function(lambda a: a * 2, [tf.constant(3.0)], tf.float32), 6.0
    ),
    "tf.numpy_function": lambda: _eq(
        tf.numpy_function(lambda a: a * 2, [np.float32(3.0)], tf.float32), 6.0
    ),
    # TF 2.21: tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 1000)
    "tf.strings.to_hash_bucket_fast": lambda: _eq(
        tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 1000), [151, 254, 357]
    ),
    "tf.image.encode_png": lambda: _png_round_trip(tf.image.encode_png, tf.image.decode_png),
    "tf.image.decode_png": lambda: _png_round_trip(tf.io.encode_png, tf.image.decode_png),
    "tf.image.decode_image": lambda: _png_round_trip(tf.io.encode_png, tf.image.decode_image),
    "tf.image.random_hue": lambda: _close(tf.image.random_hue(_RGB, 0.0), _RGB),
    "tf.image.random_saturation": lambda: _close(
        tf.image.rgb_to_grayscale(tf.image.random_saturation(_GREY3, 0.5, 2.0)),
        tf.image.rgb_to_grayscale(_GREY3),
    ),
    "tf.image.stateless_random_hue": lambda: _close(
        tf.image.stateless_random_hue(_RGB, 0.0, seed=(1, 2)), _RGB
    ),
    "tf.image.stateless_random_saturation": lambda: _close(
        tf.image.stateless_random_saturation(_GREY3, 0.5, 2.0, seed=(1, 2)), _GREY3
    ),
    "tf.image.stateless_random_contrast": lambda: _close(
        tf.image.stateless_random_contrast(_GREY3 * 0 + 0.5, 0.5, 2.0, seed=(1, 2)), 0.5
    ),
    "tf.image.stateless_random_flip_up_down": lambda: _one_of(
        tf.image.stateless_random_flip_up_down(_RGB, seed=(1, 2)), [_RGB, _RGB[::-1]]
    ),
    "tf.summary.SummaryWriter": lambda: _eq(
        isinstance(tf.summary.create_noop_writer(), tf.summary.SummaryWriter), True
    ),
    "tf.summary.trace_off": lambda: _trace_off(),
    "tf.saved_model.LoadedModel": lambda: _saved_model_round_trip(),
    "tf.train.CheckpointLoadStatus": lambda: _checkpoint_objects(),
    "tf.train.CheckpointReader": lambda: _checkpoint_objects(),
}

_RGB = np.linspace(0.1, 0.9, 2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
_GREY3 = np.repeat(np.linspace(0.1, 0.9, 6, dtype=np.float32).reshape(2, 3, 1), 3, axis=-1)


def _png_round_trip(encode, decode):
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 7
    _eq(decode(encode(img)), img)


def _one_of(got, options):
    assert any(np.array_equal(np.asarray(got), o) for o in options)


def _trace_off():
    tf.summary.trace_on(graph=True)
    tf.summary.trace_off()
    with pytest.raises(Exception):  # nothing traced any more: export has nothing to write
        tf.summary.trace_export("t", step=0)


def _saved_model_round_trip():
    import tempfile

    class Doubler(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return x * 2.0

    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(Doubler(), d)
        loaded = tf.saved_model.load(d)
        assert isinstance(loaded, tf.saved_model.LoadedModel)
        _eq(loaded(tf.constant([1.0, 2.0])), [2.0, 4.0])


def _checkpoint_objects():
    import tempfile

    v = tf.Variable([1.0, 2.0])
    with tempfile.TemporaryDirectory() as d:
        path = tf.train.Checkpoint(v=v).save(d + "/ckpt")
        status = tf.train.Checkpoint(v=tf.Variable([0.0, 0.0])).restore(path)
        assert isinstance(status, tf.train.CheckpointLoadStatus)
        reader = tf.train.load_checkpoint(path)
        assert isinstance(reader, tf.train.CheckpointReader)
        _eq(reader.get_tensor("v/.ATTRIBUTES/VARIABLE_VALUE"), [1.0, 2.0])


def _same(got, want):
    assert got == want


def _fwd():
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = x * x
    _close(acc.jvp(y), 4.0)


def _run_eagerly():
    tf.config.run_functions_eagerly(True)
    try:
        _eq(tf.config.functions_run_eagerly(), True)
    finally:
        tf.config.run_functions_eagerly(False)


def _raises(exc, fn, *args):
    with pytest.raises(exc):
        fn(*args)


def _family_names() -> set[str]:
    out = set()
    for ns in ("tf.math.", "tf."):
        out |= {ns + n for n in (*UNARY_REF, *BINARY_REF, *REDUCE_REF)}
    return out


def test_doc_is_current():
    assert (ROOT / "docs" / "compat.md").read_text() == _doc.render(), (
        "docs/compat.md is stale: run `python tools/gen_compat_doc.py`"
    )


# Namespaces with their own test files: each name must be used in one of them.
DELEGATED = {
    "tf.image.": ("tests/test_image.py",),
    "tf.io.": ("tests/test_io.py",),
    "tf.ragged.": ("tests/fixtures/record_ragged.py", "tests/test_ragged.py"),
    "tf.saved_model.": ("tests/test_saved_model.py",),
    "tf.signal.": ("tests/test_signal.py",),
    "tf.sparse.": (
        "tests/fixtures/record_sparse.py",
        "tests/test_sparse_tensor.py",
        "tests/test_sparse_recorded.py",
    ),
    "tf.strings.": ("tests/test_strings.py", "tests/nn/test_text_layers.py"),
    "tf.summary.": ("tests/test_summary.py",),
    "tf.train.": (
        "tests/test_checkpoint.py",
        "tests/test_checkpoint_restore.py",
        "tests/test_checkpoint_integrity.py",
        "tests/test_checkpoint_reader.py",
    ),
}


def _delegated(name: str) -> bool:
    for prefix, files in DELEGATED.items():
        if name.startswith(prefix):
            last = name[len(prefix) :]
            return any(last in (ROOT / f).read_text() for f in files)
    return False


def test_every_documented_name_is_exercised():
    names = set(_doc.names())
    covered = set(CALLS) | _family_names()
    generic = {n for n in names if n.split(".")[-1] in _GENERIC_OK or n.startswith(_GENERIC_NS)}
    delegated = {n for n in names if _delegated(n)}
    assert sorted(names - covered - generic - delegated) == []


@pytest.mark.parametrize("name", sorted(UNARY_REF))
def test_unary_family(name):
    arg, ref_arg = _unary_input(name)
    want = UNARY_REF[name](
        arg if name.startswith("logical") else ref_arg if name != "acosh" else ref_arg
    )
    got = getattr(tfmath, name)(arg.tolist(), name="op")  # a list, as TF accepts
    _close(got, want)
    if hasattr(tf, name):
        assert getattr(tf, name) is getattr(tfmath, name)


@pytest.mark.parametrize("name", sorted(BINARY_REF))
def test_binary_family(name):
    (a, b), (ra, rb) = _binary_inputs(name)
    want = BINARY_REF[name](ra, rb) if name in ("polygamma", "zeta") else BINARY_REF[name](a, b)
    _close(getattr(tfmath, name)(x=a, y=b), want)


@pytest.mark.parametrize("name", sorted(REDUCE_REF))
def test_reduce_family(name):
    arg = X > 0.4 if name in ("reduce_all", "reduce_any") else X
    _close(
        getattr(tfmath, name)(input_tensor=arg, axis=None, keepdims=False), REDUCE_REF[name](arg)
    )


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call(name):
    CALLS[name]()


def test_classes_and_modules():
    for check in OTHER_MODULE_CHECKS.values():
        check()


M2 = np.array([[4.0, 1.0], [1.0, 3.0]], np.float32)  # symmetric positive definite
IMG22 = np.array([[[[1.0], [2.0]], [[3.0], [4.0]]]], np.float32)
X55 = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
EXAMPLE_BYTES = b"\n\r\n\x0b\n\x01x\x12\x06\x1a\x04\n\x02\x01\x02"


def EXAMPLE():  # noqa: N802 - reads like the proto it builds
    feature = tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2]))
    return tf.train.Example(features=tf.train.Features(feature={"x": feature}))


def SEQUENCE():  # noqa: N802
    steps = [tf.train.Feature(float_list=tf.train.FloatList(value=[v])) for v in (1.0, 2.0)]
    lists = tf.train.FeatureLists(feature_list={"s": tf.train.FeatureList(feature=steps)})
    return tf.train.SequenceExample(feature_lists=lists)


def _tfrecord_round_trip():
    import os
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "r.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        writer.write(EXAMPLE_BYTES)
    _eq([r.numpy() for r in tf.data.TFRecordDataset(path)], [EXAMPLE_BYTES])
    # 8-byte length, 4-byte masked CRC, the data, 4-byte masked CRC
    _eq(os.path.getsize(path), 8 + 4 + len(EXAMPLE_BYTES) + 4)


X44 = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
X222 = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2, 1)
CTC_PROBS = np.array(
    [[[0.1, 0.8, 0.1]], [[0.1, 0.8, 0.1]], [[0.8, 0.1, 0.1]], [[0.1, 0.1, 0.8]]], np.float32
)
IMG88 = np.random.default_rng(0).uniform(size=(1, 8, 8, 1)).astype(np.float32)
NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0, 0.9, 1], [0, 2, 1, 3]], np.float32)
V = np.array([1.0, 2.0], np.float32)
IMG = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)


def _sm(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


CALLS.update(
    {
        # tf.math beyond the families
        "tf.math.accumulate_n": lambda: _eq(tfmath.accumulate_n([[1], [2]]), [3]),
        "tf.math.add_n": lambda: _eq(tfmath.add_n([tf.constant([1]), tf.constant([2])]), [3]),
        "tf.math.argmax": lambda: _eq(tfmath.argmax(input=[1, 3, 2]), 1),
        "tf.math.argmin": lambda: _eq(tfmath.argmin([1, 3, 0]), 2),
        "tf.math.count_nonzero": lambda: _eq(tfmath.count_nonzero([0, 1, 2]), 2),
        "tf.math.cumprod": lambda: _eq(tfmath.cumprod([1, 2, 3]), [1, 2, 6]),
        "tf.math.cumsum": lambda: _eq(tfmath.cumsum([1, 2, 3], exclusive=True), [0, 1, 3]),
        "tf.math.cumulative_logsumexp": lambda: _close(
            tfmath.cumulative_logsumexp([0.0, 0.0]), [0, np.log(2)]
        ),
        "tf.math.l2_normalize": lambda: _close(tfmath.l2_normalize([3.0, 4.0]), [0.6, 0.8]),
        "tf.math.log_softmax": lambda: _close(tfmath.log_softmax(X), np.log(_sm(X))),
        "tf.math.reduce_euclidean_norm": lambda: _close(
            tfmath.reduce_euclidean_norm([3.0, 4.0]), 5.0
        ),
        "tf.math.scalar_mul": lambda: _eq(tfmath.scalar_mul(2, tf.constant([1, 2])), [2, 4]),
        "tf.math.segment_max": lambda: _eq(tfmath.segment_max([1, 5, 2], [0, 0, 1]), [5, 2]),
        "tf.math.segment_mean": lambda: _close(
            tfmath.segment_mean([1.0, 2.0, 4.0], [0, 0, 1]), [1.5, 4]
        ),
        "tf.math.segment_min": lambda: _eq(tfmath.segment_min([1, 5, 2], [0, 0, 1]), [1, 2]),
        "tf.math.segment_prod": lambda: _eq(tfmath.segment_prod([2, 5, 2], [0, 0, 1]), [10, 2]),
        "tf.math.segment_sum": lambda: _eq(tfmath.segment_sum([1, 5, 2], [0, 0, 1]), [6, 2]),
        "tf.math.softmax": lambda: _close(tfmath.softmax(X), _sm(X)),
        "tf.math.top_k": lambda: _eq(tfmath.top_k([1, 3, 2], k=2)[0], [3, 2]),
        "tf.math.bincount": lambda: _eq(tfmath.bincount([1, 1, 3]), [0, 2, 0, 1]),
        "tf.math.confusion_matrix": lambda: _eq(
            tfmath.confusion_matrix([0, 1, 1], [0, 1, 0]), [[1, 0], [1, 1]]
        ),
        "tf.math.in_top_k": lambda: _eq(
            tfmath.in_top_k([1, 0], [[0.1, 0.9], [0.2, 0.8]], k=1), [True, False]
        ),
        "tf.math.unsorted_segment_max": lambda: _eq(
            tfmath.unsorted_segment_max([1, 5, 2], [1, 1, 0], 2), [2, 5]
        ),
        "tf.math.unsorted_segment_mean": lambda: _close(
            tfmath.unsorted_segment_mean([1.0, 5.0, 2.0], [1, 1, 0], 2), [2, 3]
        ),
        "tf.math.unsorted_segment_min": lambda: _eq(
            tfmath.unsorted_segment_min([1, 5, 2], [1, 1, 0], 2), [2, 1]
        ),
        "tf.math.unsorted_segment_prod": lambda: _eq(
            tfmath.unsorted_segment_prod([1, 5, 2], [1, 1, 0], 2), [2, 5]
        ),
        # segment 0: (3 + 1) / sqrt(2); segment 1: 4 / sqrt(1)
        "tf.math.unsorted_segment_sqrt_n": lambda: _close(
            tfmath.unsorted_segment_sqrt_n([3.0, 4.0, 1.0], [0, 1, 0], 2), [4 / 2**0.5, 4.0]
        ),
        "tf.math.is_non_decreasing": lambda: _eq(
            [bool(tfmath.is_non_decreasing(v)) for v in ([1, 1, 2], [2, 1])], [True, False]
        ),
        "tf.math.is_strictly_increasing": lambda: _eq(
            [bool(tfmath.is_strictly_increasing(v)) for v in ([1, 2], [1, 1])], [True, False]
        ),
        "tf.math.unsorted_segment_sum": lambda: _eq(
            tfmath.unsorted_segment_sum([1, 5, 2], [1, 1, 0], 2), [2, 6]
        ),
        # tf.linalg
        "tf.linalg.adjoint": lambda: _eq(tf.linalg.adjoint([[1.0, 2.0]]), [[1], [2]]),
        "tf.linalg.band_part": lambda: _eq(tf.linalg.band_part(tf.ones([3, 3]), 0, 0), np.eye(3)),
        "tf.linalg.cholesky": lambda: _close(tf.linalg.cholesky(M2), np.linalg.cholesky(M2)),
        "tf.linalg.cholesky_solve": lambda: _close(
            tf.linalg.cholesky_solve(np.linalg.cholesky(M2), V[:, None]),
            np.linalg.solve(M2, V[:, None]),
        ),
        "tf.linalg.cross": lambda: _eq(tf.linalg.cross([1.0, 0, 0], [0.0, 1, 0]), [0, 0, 1]),
        "tf.linalg.det": lambda: _close(tf.linalg.det(M2), 11.0),
        "tf.linalg.diag": lambda: _eq(tf.linalg.diag([1, 2]), [[1, 0], [0, 2]]),
        "tf.linalg.diag_part": lambda: _eq(tf.linalg.diag_part(M2), [4, 3]),
        "tf.linalg.eigh": lambda: _close(tf.linalg.eigh(M2)[0], np.linalg.eigvalsh(M2)),
        "tf.linalg.eigvalsh": lambda: _close(tf.linalg.eigvalsh(M2), np.linalg.eigvalsh(M2)),
        "tf.linalg.einsum": lambda: _close(tf.linalg.einsum("ii", M2), 7.0),
        "tf.linalg.expm": lambda: _close(tf.linalg.expm(np.zeros((2, 2), np.float32)), np.eye(2)),
        "tf.linalg.eye": lambda: _eq(tf.linalg.eye(2, batch_shape=[3]).shape, (3, 2, 2)),
        "tf.linalg.global_norm": lambda: _close(
            tf.linalg.global_norm([tf.constant([3.0]), tf.constant([4.0])]), 5
        ),
        "tf.linalg.inv": lambda: _close(tf.linalg.inv(M2), np.linalg.inv(M2)),
        "tf.linalg.eig": lambda: _close(
            np.sort(np.real(tf.linalg.eig(np.diag([1.0, 2.0]))[0])), [1, 2]
        ),
        "tf.linalg.eigvals": lambda: _close(
            np.sort(np.real(tf.linalg.eigvals(np.diag([3.0, 2.0])))), [2, 3]
        ),
        "tf.linalg.lu": lambda: _close(tf.linalg.lu_reconstruct(*tf.linalg.lu(M2)), M2),
        "tf.linalg.lu_reconstruct": lambda: _close(tf.linalg.lu_reconstruct(*tf.linalg.lu(M2)), M2),
        "tf.linalg.lu_solve": lambda: _close(
            tf.linalg.lu_solve(*tf.linalg.lu(M2), [[1.0], [2.0]]),
            np.linalg.solve(M2, [[1.0], [2.0]]),
        ),
        "tf.linalg.lu_matrix_inverse": lambda: _close(
            tf.linalg.lu_matrix_inverse(*tf.linalg.lu(M2)), np.linalg.inv(M2)
        ),
        "tf.linalg.normalize": lambda: _close(tf.linalg.normalize([3.0, 4.0])[0], [0.6, 0.8]),
        # compact diagonals (super, main, sub) of [[2, 1], [4, 3]]
        "tf.linalg.tridiagonal_matmul": lambda: _close(
            tf.linalg.tridiagonal_matmul([[1.0, 0.0], [2.0, 3.0], [0.0, 4.0]], [[1.0], [1.0]]),
            [[3.0], [7.0]],
        ),
        "tf.linalg.tridiagonal_solve": lambda: _close(
            tf.linalg.tridiagonal_solve([[1.0, 0.0], [2.0, 3.0], [0.0, 4.0]], [[3.0], [7.0]]),
            [[1.0], [1.0]],
        ),
        "tf.math.betainc": lambda: _close(tf.math.betainc(1.0, 1.0, 0.3), 0.3),  # uniform CDF
        "tf.math.erfcinv": lambda: _close(tf.math.erfcinv([1.0]), [0.0]),
        "tf.math.nextafter": lambda: _eq(
            tf.math.nextafter(1.0, 2.0), np.nextafter(np.float32(1), np.float32(2))
        ),
        "tf.math.polyval": lambda: _close(tf.math.polyval([1.0, 2.0, 3.0], 2.0), 11.0),
        "tf.complex": lambda: _eq(tf.complex([1.0], [2.0]), [1 + 2j]),
        "tf.truncatemod": lambda: _eq(tf.truncatemod([7, -7], [3, 3]), [1, -1]),
        "tf.TensorArray": lambda: _eq(
            tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0).stack(), [1.0, 2.0]
        ),
        "tf.strings.unsorted_segment_join": lambda: _eq(
            tf.strings.unsorted_segment_join(["a", "b", "c"], [0, 1, 0], 2), [b"ac", b"b"]
        ),
        "tf.strings.to_hash_bucket_strong": lambda: _eq(
            tf.strings.to_hash_bucket_strong(["x"], 10, [1, 2]).dtype.name, "int64"
        ),
        "tf.image.crop_and_resize": lambda: _close(
            tf.image.crop_and_resize(IMG22, [[0.0, 0.0, 1.0, 1.0]], [0], [2, 2]), IMG22
        ),
        "tf.image.draw_bounding_boxes": lambda: _eq(
            tf.image.draw_bounding_boxes(
                np.zeros((1, 3, 3, 3), np.float32), [[[0.0, 0.0, 1.0, 1.0]]], [[1.0, 0.0, 0.0]]
            )[0, 0, 0],
            [1.0, 0.0, 0.0],
        ),
        # box 1 overlaps box 0 with IoU 0.9 > 0.5: suppressed
        "tf.image.non_max_suppression": lambda: _eq(
            tf.image.non_max_suppression(NMS_BOXES, [0.9, 0.8, 0.7], 3, 0.5), [0, 2]
        ),
        "tf.image.non_max_suppression_with_scores": lambda: _close(
            tf.image.non_max_suppression_with_scores(NMS_BOXES, [0.9, 0.8, 0.7], 3, 0.5)[1],
            [0.9, 0.7],
        ),
        "tf.image.non_max_suppression_padded": lambda: _eq(
            tf.image.non_max_suppression_padded(
                NMS_BOXES, [0.9, 0.8, 0.7], 3, 0.5, pad_to_max_output_size=True
            )[1],
            2,
        ),
        "tf.image.ssim_multiscale": lambda: _close(
            tf.image.ssim_multiscale(IMG88, IMG88, 1.0, power_factors=(1.0,), filter_size=3),
            [1.0],
        ),
        "tf.linalg.l2_normalize": lambda: _close(tf.linalg.l2_normalize([0.0, 2.0]), [0, 1]),
        "tf.linalg.logdet": lambda: _close(tf.linalg.logdet(M2), np.log(11.0)),
        "tf.linalg.lstsq": lambda: _close(
            tf.linalg.lstsq(M2, V[:, None]), np.linalg.solve(M2, V[:, None])
        ),
        "tf.linalg.matmul": lambda: _close(tf.linalg.matmul(M2, M2, transpose_b=True), M2 @ M2.T),
        "tf.linalg.matrix_transpose": lambda: _eq(tf.linalg.matrix_transpose([[1, 2]]), [[1], [2]]),
        "tf.linalg.matvec": lambda: _close(tf.linalg.matvec(M2, V), M2 @ V),
        "tf.linalg.norm": lambda: _close(tf.linalg.norm(M2), np.linalg.norm(M2)),
        "tf.linalg.pinv": lambda: _close(tf.linalg.pinv(M2), np.linalg.inv(M2)),
        "tf.linalg.qr": lambda: _close(np.abs(tf.linalg.qr(M2)[1]), np.abs(np.linalg.qr(M2)[1])),
        "tf.linalg.set_diag": lambda: _eq(
            tf.linalg.set_diag(tf.zeros([2, 2]), [1.0, 2.0]), [[1, 0], [0, 2]]
        ),
        "tf.linalg.slogdet": lambda: _close(tf.linalg.slogdet(M2)[1], np.log(11.0)),
        "tf.linalg.solve": lambda: _close(
            tf.linalg.solve(M2, V[:, None]), np.linalg.solve(M2, V[:, None])
        ),
        "tf.linalg.svd": lambda: _close(tf.linalg.svd(M2)[0], np.linalg.svd(M2)[1]),
        "tf.linalg.tensordot": lambda: _close(tf.linalg.tensordot(V, V, 1), 5.0),
        "tf.linalg.trace": lambda: _close(tf.linalg.trace(M2), 7.0),
        "tf.linalg.triangular_solve": lambda: _close(
            tf.linalg.triangular_solve(np.tril(M2), V[:, None]),
            np.linalg.solve(np.tril(M2), V[:, None]),
        ),
        # tf.nn
        "tf.nn.avg_pool": lambda: _close(
            tf.nn.avg_pool(IMG, 2, 2, "VALID")[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]]
        ),
        "tf.nn.avg_pool1d": lambda: _close(
            tf.nn.avg_pool1d(IMG[0], 2, 2, "VALID")[0, :, 0], [2, 10]
        ),
        "tf.nn.avg_pool2d": lambda: _close(tf.nn.avg_pool2d(IMG, 2, 2, "SAME")[0, 0, 0, 0], 2.5),
        "tf.nn.batch_normalization": lambda: _close(
            tf.nn.batch_normalization(X, 0.5, 4.0, 1.0, 2.0, 0.0), (X - 0.5) / 2 * 2 + 1
        ),
        "tf.nn.bias_add": lambda: _eq(tf.nn.bias_add(tf.zeros([1, 2]), [1.0, 2.0]), [[1, 2]]),
        "tf.nn.compute_average_loss": lambda: _close(
            tf.nn.compute_average_loss([1.0, 2.0, 3.0]), 2.0
        ),
        "tf.nn.conv1d": lambda: _close(
            tf.nn.conv1d(tf.ones([1, 3, 1]), tf.ones([2, 1, 1]), 1, "VALID")[0, :, 0], [2, 2]
        ),
        "tf.nn.conv2d": lambda: _close(
            tf.nn.conv2d(IMG, tf.ones([2, 2, 1, 1]), 2, "VALID")[0, :, :, 0], [[10, 18], [42, 50]]
        ),
        "tf.nn.conv2d_transpose": lambda: _eq(
            tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 1]), tf.ones([2, 2, 1, 1]), [1, 4, 4, 1], 2)
            .numpy()
            .sum(),
            16,
        ),
        # rows 0 and 2 of the table summed for example 0, row 1 for example 1; the safe
        # form also returns a zero row for example 2, which has no ids
        "tf.nn.embedding_lookup_sparse": lambda: _close(
            tf.nn.embedding_lookup_sparse(_TABLE3, _sparse_ids(), None, combiner="sum"),
            [[6.0, 8.0], [3.0, 4.0]],
        ),
        "tf.nn.safe_embedding_lookup_sparse": lambda: _close(
            tf.nn.safe_embedding_lookup_sparse(_TABLE3, _sparse_ids(), combiner="sum"),
            [[6.0, 8.0], [3.0, 4.0], [0.0, 0.0]],
        ),
        # each input value spread over its stride-2 window: [1, 2] -> [1, 1, 2, 2]
        "tf.nn.conv1d_transpose": lambda: _close(
            tf.nn.conv1d_transpose(
                tf.constant([[[1.0], [2.0]]]), tf.ones([2, 1, 1]), [1, 4, 1], 2, "VALID"
            )[0, :, 0],
            [1, 1, 2, 2],
        ),
        "tf.nn.conv3d_transpose": lambda: _close(
            tf.nn.conv3d_transpose(
                tf.ones([1, 1, 1, 1, 1]), tf.ones([2, 2, 2, 1, 1]), [1, 2, 2, 2, 1], 2, "VALID"
            ),
            np.ones([1, 2, 2, 2, 1]),
        ),
        # one input value 3 times the kernel [[1, 2], [3, 4]]
        "tf.nn.conv_transpose": lambda: _close(
            tf.nn.conv_transpose(
                tf.constant([[[[3.0]]]]),
                tf.reshape(tf.range(1.0, 5.0), [2, 2, 1, 1]),
                [1, 2, 2, 1],
                2,
                "VALID",
            )[0, :, :, 0],
            [[3, 6], [9, 12]],
        ),
        "tf.nn.conv3d": lambda: _close(
            tf.nn.conv3d(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 1, 1]), 1, "VALID"),
            [[[[[8]]]]],
        ),
        "tf.nn.convolution": lambda: _close(tf.nn.convolution(IMG, tf.ones([1, 1, 1, 1])), IMG),
        "tf.nn.depthwise_conv2d": lambda: _close(
            tf.nn.depthwise_conv2d(IMG, tf.ones([1, 1, 1, 2]), [1, 1, 1, 1], "VALID")[..., 1],
            IMG[..., 0],
        ),
        "tf.nn.dropout": lambda: _dropout(),
        "tf.nn.elu": lambda: _close(tf.nn.elu([-1.0, 1.0]), [np.expm1(-1), 1]),
        "tf.nn.embedding_lookup": lambda: _eq(
            tf.nn.embedding_lookup([[1, 2], [3, 4]], ids=[1]), [[3, 4]]
        ),
        "tf.nn.crelu": lambda: _close(tf.nn.crelu([-1.0, 2.0]), [0.0, 2.0, 1.0, 0.0]),
        # tf.train.Example bytes: field 1 (features) > map entry "x" > int64_list [1, 2]
        "tf.train.Example": lambda: _eq(EXAMPLE().SerializeToString(), EXAMPLE_BYTES),
        "tf.train.Features": lambda: _eq(list(EXAMPLE().features.feature), ["x"]),
        "tf.train.Feature": lambda: _eq(EXAMPLE().features.feature["x"].int64_list.value, [1, 2]),
        "tf.train.Int64List": lambda: _eq(list(tf.train.Int64List(value=[3]).value), [3]),
        "tf.train.FloatList": lambda: _close(list(tf.train.FloatList(value=[0.5]).value), [0.5]),
        "tf.train.BytesList": lambda: _eq(list(tf.train.BytesList(value=[b"a"]).value), [b"a"]),
        "tf.train.FeatureList": lambda: _eq(
            len(SEQUENCE().feature_lists.feature_list["s"].feature), 2
        ),
        "tf.train.FeatureLists": lambda: _eq(list(SEQUENCE().feature_lists.feature_list), ["s"]),
        "tf.train.SequenceExample": lambda: _close(
            tf.io.parse_single_sequence_example(
                SEQUENCE().SerializeToString(),
                sequence_features={"s": tf.io.FixedLenSequenceFeature([1], tf.float32)},
            )[1]["s"],
            [[1.0], [2.0]],
        ),
        "tf.io.parse_single_sequence_example": lambda: _eq(
            len(tf.io.parse_single_sequence_example(SEQUENCE().SerializeToString())), 2
        ),
        "tf.io.parse_single_example": lambda: _eq(
            tf.io.parse_single_example(EXAMPLE_BYTES, {"x": tf.io.FixedLenFeature([2], tf.int64)})[
                "x"
            ],
            [1, 2],
        ),
        "tf.io.parse_example": lambda: _eq(
            tf.io.parse_example(
                [EXAMPLE_BYTES, EXAMPLE_BYTES], {"x": tf.io.FixedLenFeature([2], tf.int64)}
            )["x"],
            [[1, 2], [1, 2]],
        ),
        "tf.io.FixedLenFeature": lambda: _eq(
            tf.io.parse_single_example(
                EXAMPLE_BYTES, {"y": tf.io.FixedLenFeature([1], tf.float32, default_value=[7.0])}
            )["y"],
            [7.0],
        ),
        "tf.io.FixedLenSequenceFeature": lambda: _eq(
            tf.io.parse_single_example(
                EXAMPLE_BYTES,
                {"x": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)},
            )["x"],
            [1, 2],
        ),
        "tf.io.RaggedFeature": lambda: _eq(
            tf.io.parse_single_example(EXAMPLE_BYTES, {"x": tf.io.RaggedFeature(tf.int64)})["x"],
            [1, 2],
        ),
        # an int64 list [3, 1, 4]: a SparseTensor with one entry per value
        "tf.io.VarLenFeature": lambda: _eq(
            [
                sp.values.numpy().tolist() + sp.dense_shape.numpy().tolist()
                for sp in [
                    tf.io.parse_single_example(
                        _sparse_example(), {"x": tf.io.VarLenFeature(tf.int64)}
                    )["x"]
                ]
            ],
            [[3, 1, 4, 3]],
        ),
        # indices [0, 2] and values [0.5, 1.5] in a size-3 vector
        "tf.io.SparseFeature": lambda: _close(
            tf.sparse.to_dense(
                tf.io.parse_single_example(
                    _sparse_example(), {"s": tf.io.SparseFeature("i", "v", tf.float32, 3)}
                )["s"]
            ),
            [0.5, 0.0, 1.5],
        ),
        "tf.io.TFRecordOptions": lambda: _eq(
            tf.io.TFRecordOptions.get_compression_type_string(tf.io.TFRecordOptions("GZIP")),
            "GZIP",
        ),
        "tf.io.TFRecordWriter": _tfrecord_round_trip,
        "tf.math.zero_fraction": lambda: _close(tf.math.zero_fraction([0.0, 1.0, 0.0, 2.0]), 0.5),
        # out[i, j] = x[i, j] + x[i, j + 2] + x[i + 2, j] + x[i + 2, j + 2]
        "tf.nn.atrous_conv2d": lambda: _close(
            tf.nn.atrous_conv2d(X55, np.ones((2, 2, 1, 1), np.float32), 2, "VALID")[0, :, :, 0],
            [[24, 28, 32], [44, 48, 52], [64, 68, 72]],
        ),
        "tf.nn.avg_pool3d": lambda: _close(tf.nn.avg_pool3d(X222, 2, 2, "VALID"), [[[[[3.5]]]]]),
        "tf.nn.max_pool3d": lambda: _close(tf.nn.max_pool3d(X222, 2, 2, "VALID"), [[[[[7.0]]]]]),
        "tf.nn.collapse_repeated": lambda: _eq(
            tf.nn.collapse_repeated([[1, 1, 2, 2, 2, 3]], seq_length=[6])[0], [[1, 2, 3]]
        ),
        # classes 1, 1, 0, blank (the last class): repeats merged
        "tf.nn.ctc_greedy_decoder": lambda: _eq(
            tf.nn.ctc_greedy_decoder(np.log(CTC_PROBS), [4])[0][0].values, [1, 0]
        ),
        # uniform over 3 classes, T = 4: 15 of the 81 paths give "12" -> -log(15 / 81)
        "tf.nn.ctc_loss": lambda: _close(
            tf.nn.ctc_loss(
                [[1, 2]], np.log(np.full((4, 1, 3), 1 / 3, np.float32)), [2], [4], blank_index=0
            ),
            [np.log(81 / 15)],
        ),
        "tf.nn.ctc_unique_labels": lambda: _eq(
            tf.nn.ctc_unique_labels([[1, 1, 2]])[1], [[0, 0, 1]]
        ),
        "tf.nn.space_to_depth": lambda: _close(tf.nn.space_to_depth(X44, 2)[0, 0, 0], [0, 1, 4, 5]),
        "tf.nn.depth_to_space": lambda: _close(
            tf.nn.depth_to_space(tf.nn.space_to_depth(X44, 2), 2), X44
        ),
        # depth_radius 0, bias 0, alpha 1, beta 1: x / x**2
        "tf.nn.local_response_normalization": lambda: _close(
            tf.nn.local_response_normalization([[[[1.0, 2.0]]]], 0, 0.0, 1.0, 1.0), [[[[1.0, 0.5]]]]
        ),
        "tf.nn.lrn": lambda: _close(tf.nn.lrn([[[[2.0]]]], 0, 0.0, 1.0, 1.0), [[[[0.5]]]]),
        "tf.nn.max_pool_with_argmax": lambda: _eq(
            tf.nn.max_pool_with_argmax(
                np.array([[1.0, 5.0], [3.0, 2.0]], np.float32).reshape(1, 2, 2, 1), 2, 2, "VALID"
            )[1],
            [[[[1]]]],
        ),
        "tf.nn.sufficient_statistics": lambda: _close(
            tf.nn.sufficient_statistics([[1.0, 2.0], [3.0, 4.0]], axes=[0])[2], [10.0, 20.0]
        ),
        "tf.nn.normalize_moments": lambda: _close(
            tf.nn.normalize_moments(2.0, [4.0, 6.0], [10.0, 20.0], None)[1], [1.0, 1.0]
        ),
        # mean (1 + 2 + 2 * 3) / 4, variance (1.5625 + 0.0625 + 2 * 0.5625) / 4
        "tf.nn.weighted_moments": lambda: _close(
            tf.nn.weighted_moments([1.0, 2.0, 3.0], [0], [1.0, 1.0, 2.0]), [2.25, 0.6875]
        ),
        "tf.nn.gelu": lambda: _close(tf.nn.gelu([0.0]), [0.0]),
        "tf.nn.l2_loss": lambda: _close(tf.nn.l2_loss([3.0, 4.0]), 12.5),
        "tf.nn.in_top_k": lambda: _eq(tf.nn.in_top_k([0], [[0.5, 0.5]], k=1), [True]),
        "tf.nn.log_poisson_loss": lambda: _close(tf.nn.log_poisson_loss([2.0], [0.0]), [1.0]),
        "tf.nn.separable_conv2d": lambda: _close(
            tf.nn.separable_conv2d(
                IMG, tf.ones([1, 1, 1, 2]), tf.ones([1, 1, 2, 1]), [1, 1, 1, 1], "VALID"
            )[..., 0],
            2 * IMG[..., 0],
        ),
        "tf.nn.l2_normalize": lambda: _close(tf.nn.l2_normalize([3.0, 4.0]), [0.6, 0.8]),
        "tf.nn.leaky_relu": lambda: _close(tf.nn.leaky_relu([-1.0, 1.0]), [-0.2, 1]),
        "tf.nn.log_softmax": lambda: _close(tf.nn.log_softmax(X), np.log(_sm(X))),
        "tf.nn.max_pool": lambda: _eq(
            tf.nn.max_pool(IMG, 2, 2, "VALID")[0, :, :, 0], [[5, 7], [13, 15]]
        ),
        "tf.nn.max_pool1d": lambda: _eq(tf.nn.max_pool1d(IMG[0], 2, 2, "VALID")[0, :, 0], [4, 12]),
        "tf.nn.max_pool2d": lambda: _eq(
            tf.nn.max_pool2d(IMG, 2, 2, "VALID")[0, :, :, 0], [[5, 7], [13, 15]]
        ),
        "tf.nn.moments": lambda: _close(tf.nn.moments(X, axes=[0])[1], np.var(X)),
        "tf.nn.pool": lambda: _eq(tf.nn.pool(IMG, [2, 2], "MAX", strides=[2, 2])[0, 0, 0, 0], 5),
        "tf.nn.relu": lambda: _eq(tf.nn.relu([-1.0, 2.0]), [0, 2]),
        "tf.nn.relu6": lambda: _eq(tf.nn.relu6([-1.0, 8.0]), [0, 6]),
        "tf.nn.scale_regularization_loss": lambda: _close(tf.nn.scale_regularization_loss(3.0), 3),
        "tf.nn.selu": lambda: _close(tf.nn.selu([0.0]), [0.0]),
        "tf.nn.sigmoid": lambda: _close(tf.nn.sigmoid([0.0]), [0.5]),
        "tf.nn.sigmoid_cross_entropy_with_logits": lambda: _close(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[0.0]), [np.log(2)]
        ),
        "tf.nn.silu": lambda: _close(tf.nn.silu([1.0], beta=2.0), [1 / (1 + np.exp(-2))]),
        "tf.nn.softmax": lambda: _close(tf.nn.softmax(X), _sm(X)),
        "tf.nn.softmax_cross_entropy_with_logits": lambda: _close(
            tf.nn.softmax_cross_entropy_with_logits(labels=[[1.0, 0.0]], logits=[[0.0, 0.0]]),
            [np.log(2)],
        ),
        "tf.nn.softplus": lambda: _close(tf.nn.softplus([0.0]), [np.log(2)]),
        "tf.nn.softsign": lambda: _close(tf.nn.softsign([1.0]), [0.5]),
        "tf.nn.sparse_softmax_cross_entropy_with_logits": lambda: _close(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0], logits=[[0.0, 0.0]]),
            [np.log(2)],
        ),
        "tf.nn.swish": lambda: _close(tf.nn.swish([0.0]), [0.0]),
        "tf.nn.tanh": lambda: _close(tf.nn.tanh([0.0]), [0.0]),
        "tf.nn.top_k": lambda: _eq(tf.nn.top_k([1, 3, 2])[1], [1]),
        "tf.nn.weighted_cross_entropy_with_logits": lambda: _close(
            tf.nn.weighted_cross_entropy_with_logits([1.0], [0.0], 3.0), [3 * np.log(2)]
        ),
        # tf.random (seed semantics are tested in test_random.py)
        "tf.random.Generator": lambda: _eq(
            tf.random.Generator.from_seed(1).normal([2]).shape, (2,)
        ),
        "tf.random.categorical": lambda: _eq(
            tf.random.categorical([[-1e9, 0.0]], 3, seed=1), [[1, 1, 1]]
        ),
        "tf.random.get_global_generator": lambda: tf.random.get_global_generator().normal([1]),
        "tf.random.normal": lambda: _eq(tf.random.normal([2, 3], seed=1).shape, (2, 3)),
        "tf.random.set_global_generator": lambda: tf.random.set_global_generator(
            tf.random.Generator.from_seed(3)
        ),
        "tf.random.set_seed": lambda: tf.random.set_seed(5),
        "tf.random.shuffle": lambda: _eq(np.sort(tf.random.shuffle([1, 2, 3]).numpy()), [1, 2, 3]),
        "tf.random.stateless_categorical": lambda: _eq(
            tf.random.stateless_categorical([[-1e9, 0.0]], 2, seed=[1, 2]), [[1, 1]]
        ),
        "tf.random.stateless_normal": lambda: _eq(
            tf.random.stateless_normal([3], seed=[1, 2]),
            tf.random.stateless_normal([3], seed=[1, 2]),
        ),
        "tf.random.stateless_truncated_normal": lambda: _eq(
            np.abs(tf.random.stateless_truncated_normal([50], seed=[1, 2]).numpy()).max() <= 2, True
        ),
        "tf.random.stateless_uniform": lambda: _eq(
            tf.random.stateless_uniform([4], [0, 1], 0, 3, tf.int32).numpy().max() < 3, True
        ),
        "tf.random.truncated_normal": lambda: _eq(
            np.abs(tf.random.truncated_normal([50]).numpy()).max() <= 2, True
        ),
        "tf.random.uniform": lambda: _eq(tf.random.uniform([5], 2.0, 3.0).numpy().min() >= 2, True),
        # Gamma samples are positive; shape + the parameter's shape; Poisson counts integral
        "tf.random.gamma": lambda: _eq(
            [
                tf.random.gamma([4], [1.0, 2.0]).shape,
                bool(tf.random.gamma([9], 0.5).numpy().min() > 0),
            ],
            [(4, 2), True],
        ),
        "tf.random.poisson": lambda: _eq(
            [
                tf.random.poisson([3], [2.0]).shape,
                bool((tf.random.poisson([9], 3.0).numpy() % 1 == 0).all()),
            ],
            [(3, 1), True],
        ),
        # tf.debugging
        "tf.debugging.Assert": lambda: _raises(
            tf.errors.InvalidArgumentError, tf.debugging.Assert, False, ["x"]
        ),
        "tf.Assert": lambda: _raises(tf.errors.InvalidArgumentError, tf.Assert, False, [1]),
        "tf.debugging.assert_all_finite": lambda: _raises(
            tf.errors.InvalidArgumentError, tf.debugging.assert_all_finite, [np.nan], "m"
        ),
        "tf.debugging.assert_equal": lambda: _raises(
            tf.errors.InvalidArgumentError, tf.debugging.assert_equal, [1], [2]
        ),
        "tf.debugging.assert_greater": lambda: _raises(
            tf.errors.InvalidArgumentError, tf.debugging.assert_greater, [1], [1]
        ),
        "tf.debugging.assert_greater_equal": lambda: tf.debugging.assert_greater_equal([1], [1]),
        "tf.debugging.assert_less": lambda: tf.debugging.assert_less([0], [1]),
        "tf.debugging.assert_less_equal": lambda: _raises(
            tf.errors.InvalidArgumentError, tf.debugging.assert_less_equal, [2], [1]
        ),
        "tf.debugging.assert_near": lambda: tf.debugging.assert_near([1.0], [1.0 + 1e-7]),
        "tf.debugging.assert_negative": lambda: tf.debugging.assert_negative([-1]),
        "tf.debugging.assert_non_negative": lambda: _raises(
            tf.errors.InvalidArgumentError, tf.debugging.assert_non_negative, [-1]
        ),
        "tf.debugging.assert_non_positive": lambda: tf.debugging.assert_non_positive([0]),
        "tf.debugging.assert_none_equal": lambda: tf.debugging.assert_none_equal([1], [2]),
        "tf.debugging.assert_positive": lambda: tf.debugging.assert_positive([1]),
        "tf.debugging.assert_rank": lambda: _raises(ValueError, tf.debugging.assert_rank, [1], 2),
        "tf.debugging.assert_rank_at_least": lambda: tf.debugging.assert_rank_at_least([1], 1),
        "tf.debugging.assert_rank_in": lambda: tf.debugging.assert_rank_in([1], [0, 1]),
        "tf.debugging.assert_scalar": lambda: tf.debugging.assert_scalar(tf.constant(1)),
        "tf.debugging.assert_shapes": lambda: _raises(
            ValueError,
            tf.debugging.assert_shapes,
            [(tf.zeros([2, 3]), ("N", 3)), (tf.zeros([3]), ("N",))],
        ),
        "tf.debugging.assert_type": lambda: _raises(
            TypeError, tf.debugging.assert_type, tf.constant(1), tf.float32
        ),
        "tf.debugging.check_numerics": lambda: _raises(
            tf.errors.InvalidArgumentError, tf.debugging.check_numerics, tf.constant(np.inf), "m"
        ),
        "tf.debugging.disable_check_numerics": lambda: tf.debugging.disable_check_numerics(),
        "tf.debugging.enable_check_numerics": lambda: (
            tf.debugging.enable_check_numerics(),
            tf.debugging.disable_check_numerics(),
        ),
        "tf.debugging.is_numeric_tensor": lambda: _eq(
            tf.debugging.is_numeric_tensor(tf.constant(1.0)), True
        ),
        "tf.debugging.set_log_device_placement": lambda: tf.debugging.set_log_device_placement(
            False
        ),
    }
)


def _dropout():
    x = tf.ones([1000])
    y = tf.nn.dropout(x, 0.5, seed=1).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 400 < (y > 0).sum() < 600


def _classes():
    for name, obj in _doc.names().items():
        last = name.rsplit(".", 1)[1]
        if name.startswith("tf.errors."):
            assert issubclass(obj, tf.errors.OpError)
            with pytest.raises(obj):
                raise obj(None, None, "m")
        elif name.startswith("tf.keras.layers."):
            import jtape.nn as nn

            assert obj is getattr(nn, last)
        elif name.startswith("tf.keras."):
            assert obj is not None
        elif isinstance(obj, tf.DType):
            assert obj.name in ("bfloat16", "string") or obj == np.dtype(obj.name)


OTHER_MODULE_CHECKS = {"classes": _classes}
_GENERIC_NS = ("tf.errors.", "tf.keras.")
# Types, dtypes and submodules: exercised by the autodiff-behaviour and seed tests and test_dtypes.
_GENERIC_OK = {
    "DType",
    "GradientTape",
    "Module",
    "NotProvidedError",
    "Tensor",
    "TensorShape",
    "TensorSpec",
    "UnconnectedGradients",
    "Variable",
    "as_dtype",
    "autodiff",
    "bfloat16",
    "bool",
    "complex128",
    "complex64",
    "config",
    "debugging",
    "double",
    "dtypes",
    "errors",
    "float16",
    "float32",
    "float64",
    "half",
    "int16",
    "int32",
    "int64",
    "int8",
    "linalg",
    "math",
    "nest",
    "nn",
    "random",
    "test",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
}


def _enter_and_exit(scope):
    # Exercise the context manager without leaving the scope open for later tests.
    with scope as name:
        return name
