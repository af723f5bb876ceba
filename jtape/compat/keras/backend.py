"""``tf.keras.backend``: the legacy Keras backend functions TF 2.21 still provides.

In TF 2.21 ``tf.keras`` is Keras 3's ``_tf_keras`` package, whose ``backend`` module keeps
Keras 2's functions (``keras/src/legacy/backend.py``). They are thin wrappers of
TensorFlow ops, so they follow TensorFlow's dtype rules (not ``keras.ops``'): here they
are jtape's TF-compatible ops. Names TF 2.21's ``tf.keras.backend`` lacks are not added.

``random_*`` with ``seed=None`` draw a fresh seed from numpy's global generator, as
Keras does; the numbers are JAX's, not TensorFlow's.

Example:
    >>> import jtape.compat as tf
    >>> K = tf.keras.backend
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> K.int_shape(x), float(K.mean(x)), K.floatx(), K.epsilon()
    ((2, 2), 2.5, 'float32', 1e-07)
"""

from __future__ import annotations

import builtins

import numpy as np

from ... import _array_ops as A
from ... import _control_flow as CF
from ... import _math_ops as M
from ... import _nn_ops as N
from ... import _random as R
from ..._custom_gradient import stop_gradient as stop_gradient
from ..._module import name_scope as name_scope
from ..._tensor import Tensor
from ..._variable import Variable
from ...nn import _mixed_precision as _mp
from ...nn import clear_session as _clear_layer_names
from ...nn import losses as _losses
from .._missing import missing as _missing
from . import _ops_dtypes

_EPSILON = [1e-7]
_IMAGE_DATA_FORMAT = ["channels_last"]


# -- configuration -------------------------------------------------------------------
def clear_session(free_memory: bool = True) -> None:
    """Keras 3's ``clear_session``: reset automatic layer names and the global dtype policy.

    As Keras 3 this drops a policy set with ``keras.mixed_precision.set_global_policy``
    (the next layer takes ``floatx()`` again): set the policy after ``clear_session``.
    jtape's own ``jtape.nn.clear_session`` resets the names only.
    """
    del free_memory  # jtape keeps no graph or kernel cache to free
    _clear_layer_names()
    _mp.reset_global_policy()


def floatx() -> str:
    """The default float dtype's name (``"float32"``)."""
    return _ops_dtypes.floatx().name


def set_floatx(value: str) -> None:
    """Set the default float dtype: ``floatx()``, ``keras.ops``' defaults and, while no
    layer has read the global dtype policy yet, that policy.

    As Keras 3: the global policy is fixed the first time a layer reads it (a layer
    created without ``dtype=``), so ``set_floatx`` after that leaves new layers' dtype
    as it was; call it before building anything, or use
    ``keras.mixed_precision.set_global_policy``.
    """
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            "Unknown `floatx` value: "
            f"{value}. Expected one of {{'float16', 'bfloat16', 'float32', 'float64'}}"
        )
    _ops_dtypes.set_floatx(value)
    _mp.set_first_policy(value)


def epsilon() -> float:
    """The fuzz factor of Keras' formulas (``1e-7``)."""
    return _EPSILON[0]


def set_epsilon(value: float) -> None:
    """Set :func:`epsilon`. jtape's losses and metrics keep their own ``1e-7``."""
    if float(value) != 1e-7:
        raise NotImplementedError(
            "set_epsilon: jtape's losses and metrics use Keras' default epsilon 1e-7 and do "
            f"not read a global one; got {value}"
        )
    _EPSILON[0] = float(value)


def image_data_format() -> str:
    return _IMAGE_DATA_FORMAT[0]


def set_image_data_format(data_format: str) -> None:
    """Only ``"channels_last"``: jtape's layers take ``data_format=`` per layer."""
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown `data_format`: {data_format}")
    if data_format != "channels_last":
        raise NotImplementedError(
            "set_image_data_format('channels_first'): jtape's layers default to "
            "channels_last; pass data_format='channels_first' to each layer instead"
        )


def standardize_dtype(dtype) -> str:
    """Keras 3's canonical dtype name, as ``keras.utils.standardize_dtype`` (``"float"`` and
    ``"double"`` are not Keras names: ValueError, as Keras)."""
    from .utils import standardize_dtype as keras_standardize_dtype

    return keras_standardize_dtype(dtype)


def result_type(*dtypes) -> str:
    """Keras 3's promoted dtype of ``dtypes`` (names, dtypes)."""
    return _ops_dtypes.result_type(*dtypes).name


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("int", "uint"))


# -- tensors and variables -----------------------------------------------------------
def _t(x):
    return x if isinstance(x, (Tensor, Variable)) else A.convert_to_tensor(x)


def is_keras_tensor(x) -> bool:
    from ...nn import KerasTensor

    return isinstance(x, KerasTensor)


def int_shape(x) -> tuple | None:
    """The static shape as a tuple (``None`` for an unknown dimension)."""
    shape = getattr(x, "shape", None)
    if shape is None:
        return None
    return tuple(None if d is None or d == -1 else int(d) for d in shape)


def shape(x) -> Tensor:
    """The shape as an int32 tensor (``tf.shape``)."""
    return A.shape(_t(x))


def ndim(x) -> int:
    return len(int_shape(x))


def dtype(x) -> str:
    return _t(x).dtype.name


def count_params(x) -> int:
    return int(np.prod(int_shape(x)))


def variable(value, dtype=None, name=None, constraint=None) -> Variable:
    """A Variable of ``value`` (``floatx()`` unless ``dtype`` is given)."""
    v = Variable(value, dtype=dtype or floatx(), name=name)
    v.constraint = constraint
    return v


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    return A.constant(value, dtype=dtype or floatx(), shape=shape)


def zeros(shape, dtype=None, name=None) -> Variable:
    """A Variable of zeros (Keras 2's backend returns a variable here)."""
    return variable(A.zeros(shape, dtype or floatx()), dtype or floatx(), name)


def ones(shape, dtype=None, name=None) -> Variable:
    """A Variable of ones (Keras 2's backend returns a variable here)."""
    return variable(A.ones(shape, dtype or floatx()), dtype or floatx(), name)


def eye(size, dtype=None, name=None) -> Variable:
    return variable(A.eye(size, dtype=dtype or floatx()), dtype or floatx(), name)


def zeros_like(x, dtype=None, name=None) -> Tensor:
    return A.zeros_like(_t(x), dtype=dtype)


def ones_like(x, dtype=None, name=None) -> Tensor:
    return A.ones_like(_t(x), dtype=dtype)


def cast(x, dtype) -> Tensor:
    return M.cast(_t(x), dtype)


def cast_to_floatx(x):
    if isinstance(x, (Tensor, Variable)):
        return M.cast(x, floatx())
    return np.asarray(x, dtype=floatx())


def get_value(x):
    return x.numpy() if isinstance(x, (Tensor, Variable)) else x


def batch_get_value(tensors) -> list:
    return [get_value(x) for x in tensors]


def set_value(x: Variable, value) -> None:
    x.assign(np.asarray(value, dtype=x.dtype.name))


def batch_set_value(tuples) -> None:
    for x, value in tuples:
        set_value(x, value)


def update(x: Variable, new_x):
    return x.assign(new_x)


def update_add(x: Variable, increment):
    return x.assign_add(increment)


def update_sub(x: Variable, decrement):
    return x.assign_sub(decrement)


def eval(x):  # noqa: A001 - Keras' name
    """``x``'s value as a numpy array."""
    return get_value(_t(x))


def is_sparse(x) -> bool:
    """Always False: jtape has no sparse tensors."""
    return False


def to_dense(x):
    return x


_UIDS: dict = {}


def get_uid(prefix: str = "") -> int:
    """1, 2, 3 ... per ``prefix`` (Keras' name counter)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def arange(start, stop=None, step=1, dtype="int32") -> Tensor:
    """``tf.range(start, stop, step)`` as ``dtype`` (int32 by default)."""
    if stop is None:
        start, stop = 0, start
    return M.cast(A.range(start, stop, step), dtype)


# -- math (TensorFlow's ops and dtype rules) -----------------------------------------
def _bool_to_float(x):
    x = _t(x)
    return M.cast(x, floatx()) if x.dtype == np.bool_ else x


def sum(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras' name
    return M.sum(_t(x), axis, keepdims)


def prod(x, axis=None, keepdims: bool = False) -> Tensor:
    return M.prod(_t(x), axis, keepdims)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    """``tf.reduce_mean`` (bool inputs as floatx; an integer mean stays integer, as TF)."""
    return M.mean(_bool_to_float(x), axis, keepdims)


def var(x, axis=None, keepdims: bool = False) -> Tensor:
    return M.variance(_bool_to_float(x), axis, keepdims)


def std(x, axis=None, keepdims: bool = False) -> Tensor:
    return M.std(_bool_to_float(x), axis, keepdims)


def max(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return M.max(_t(x), axis, keepdims)


def min(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return M.min(_t(x), axis, keepdims)


def any(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return M.any(M.cast(_t(x), "bool"), axis, keepdims)


def all(x, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return M.all(M.cast(_t(x), "bool"), axis, keepdims)


def argmax(x, axis: int = -1) -> Tensor:
    return M.argmax(_t(x), axis)


def argmin(x, axis: int = -1) -> Tensor:
    return M.argmin(_t(x), axis)


def square(x) -> Tensor:
    return M.square(_t(x))


def sqrt(x) -> Tensor:
    """``sqrt(max(x, 0))``: negative inputs give 0, as Keras' backend."""
    x = _t(x)
    return M.sqrt(M.maximum(x, A.zeros((), x.dtype)))


def abs(x) -> Tensor:  # noqa: A001
    return M.abs(_t(x))


def exp(x) -> Tensor:
    return M.exp(_t(x))


def log(x) -> Tensor:
    return M.log(_t(x))


def pow(x, a) -> Tensor:  # noqa: A001
    return M.pow(_t(x), a)


def round(x) -> Tensor:  # noqa: A001
    return M.round(_t(x))


def sign(x) -> Tensor:
    return M.sign(_t(x))


def sin(x) -> Tensor:
    return M.sin(_t(x))


def cos(x) -> Tensor:
    return M.cos(_t(x))


def clip(x, min_value, max_value) -> Tensor:
    """``tf.clip_by_value``; ``None`` bounds are infinite, a max below the min is raised to it."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        max_value = builtins.max(max_value, min_value)
    x = _t(x)
    lo = -np.inf if min_value is None else min_value
    hi = np.inf if max_value is None else max_value
    return M.clip_by_value(x, lo, hi)


def maximum(x, y) -> Tensor:
    return M.maximum(_t(x), y)


def minimum(x, y) -> Tensor:
    return M.minimum(_t(x), y)


def equal(x, y) -> Tensor:
    return M.equal(_t(x), y)


def not_equal(x, y) -> Tensor:
    return M.not_equal(_t(x), y)


def greater(x, y) -> Tensor:
    return M.greater(_t(x), y)


def greater_equal(x, y) -> Tensor:
    return M.greater_equal(_t(x), y)


def less(x, y) -> Tensor:
    return M.less(_t(x), y)


def less_equal(x, y) -> Tensor:
    return M.less_equal(_t(x), y)


def cumsum(x, axis: int = 0) -> Tensor:
    return M.cumsum(_t(x), axis)


def cumprod(x, axis: int = 0) -> Tensor:
    return M.cumprod(_t(x), axis)


def dot(x, y) -> Tensor:
    """Keras 2's ``dot``: matmul for rank 2; for higher ranks, contracts ``x``'s last axis
    with ``y``'s second-to-last."""
    x, y = _t(x), _t(y)
    if x.ndim > 2 or y.ndim > 2:
        return M.tensordot(x, y, ((x.ndim - 1,), (y.ndim - 2 if y.ndim > 1 else 0,)))
    return M.matmul(x, y)


def l2_normalize(x, axis=None) -> Tensor:
    x = _t(x)
    sq = M.sum(M.square(x), axis, True)
    return x * M.rsqrt(M.maximum(sq, 1e-12))


# -- shapes ----------------------------------------------------------------------------
def reshape(x, shape) -> Tensor:
    return A.reshape(_t(x), shape)


def flatten(x) -> Tensor:
    return A.reshape(_t(x), [-1])


def batch_flatten(x) -> Tensor:
    """``(batch, ...) -> (batch, prod(...))``."""
    x = _t(x)
    return A.reshape(x, [-1, int(np.prod(x.shape[1:]))])


def expand_dims(x, axis: int = -1) -> Tensor:
    return A.expand_dims(_t(x), axis)


def squeeze(x, axis: int) -> Tensor:
    return A.squeeze(_t(x), [axis])


def transpose(x) -> Tensor:
    return A.transpose(_t(x))


def permute_dimensions(x, pattern) -> Tensor:
    return A.transpose(_t(x), perm=list(pattern))


def concatenate(tensors, axis: int = -1) -> Tensor:
    return A.concat([_t(t) for t in tensors], axis)


def stack(x, axis: int = 0) -> Tensor:
    return A.stack([_t(t) for t in x], axis)


def tile(x, n) -> Tensor:
    if isinstance(n, int):
        n = [n]
    return A.tile(_t(x), n)


def repeat(x, n: int) -> Tensor:
    """``(batch, dim) -> (batch, n, dim)``."""
    x = _t(x)
    return A.tile(A.expand_dims(x, 1), [1, n, 1])


def repeat_elements(x, rep: int, axis: int) -> Tensor:
    from ..._indexing_ops import repeat as _repeat

    return _repeat(_t(x), rep, axis)


def reverse(x, axes) -> Tensor:
    if isinstance(axes, int):
        axes = [axes]
    return A.reverse(_t(x), axes)


def gather(reference, indices) -> Tensor:
    return A.gather(_t(reference), indices)


def one_hot(indices, num_classes: int) -> Tensor:
    return A.one_hot(indices, num_classes, axis=-1)


def switch(condition, then_expression, else_expression):
    """``then_expression`` where ``condition`` else ``else_expression`` (callables for a
    scalar condition, as Keras)."""
    condition = M.cast(_t(condition), "bool")
    if condition.ndim == 0:
        t = then_expression if callable(then_expression) else (lambda: then_expression)
        e = else_expression if callable(else_expression) else (lambda: else_expression)
        return CF.cond(condition, t, e)
    t = then_expression() if callable(then_expression) else then_expression
    e = else_expression() if callable(else_expression) else else_expression
    return A.where(condition, t, e)


map_fn = CF.map_fn
foldl = CF.foldl
foldr = CF.foldr


# -- activations and losses ------------------------------------------------------------
def relu(x, alpha: float = 0.0, max_value=None, threshold: float = 0.0) -> Tensor:
    from ...nn import activations

    return activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


def elu(x, alpha: float = 1.0) -> Tensor:
    from ...nn import activations

    return activations.elu(x, alpha)


def sigmoid(x) -> Tensor:
    return M.sigmoid(_t(x))


def hard_sigmoid(x) -> Tensor:
    """Keras 2's ``clip(0.2 * x + 0.5, 0, 1)``."""
    x = _t(x)
    return M.clip_by_value(x * 0.2 + 0.5, 0.0, 1.0)


def tanh(x) -> Tensor:
    return M.tanh(_t(x))


def softplus(x) -> Tensor:
    return N.softplus(_t(x))


def softsign(x) -> Tensor:
    return N.softsign(_t(x))


def softmax(x, axis: int = -1) -> Tensor:
    x = _t(x)
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    return N.softmax(x, axis)


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    return _losses.categorical_crossentropy(target, output, from_logits, 0.0, axis)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    return _losses.sparse_categorical_crossentropy(target, output, from_logits, None, axis)


def binary_crossentropy(target, output, from_logits: bool = False) -> Tensor:
    """Elementwise (no mean), as Keras 2's backend."""
    from .ops import binary_crossentropy as _bce

    return _bce(target, output, from_logits)


def in_top_k(predictions, targets, k: int) -> Tensor:
    from .ops import in_top_k as _in_top_k

    return _in_top_k(targets, predictions, k)


def bias_add(x, bias, data_format=None) -> Tensor:
    from ..._conv_ops import bias_add as _bias_add

    return _bias_add(_t(x), bias, "NCHW" if data_format == "channels_first" else None)


# -- random ------------------------------------------------------------------------------
def _seed(seed) -> int:
    return int(np.random.randint(10e6)) if seed is None else int(seed)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    return R.normal(shape, mean, stddev, dtype or floatx(), seed=_seed(seed))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    return R.uniform(shape, minval, maxval, dtype or floatx(), seed=_seed(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    return R.truncated_normal(shape, mean, stddev, dtype or floatx(), seed=_seed(seed))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None) -> Tensor:
    """1 with probability ``p``, else 0, in ``dtype`` (floatx)."""
    dt = dtype or floatx()
    u = R.uniform(shape, dtype=dt, seed=_seed(seed))
    return M.cast(M.less_equal(u, M.cast(A.constant(p), dt)), dt)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None) -> Variable:
    return variable(random_normal(shape, mean, scale, dtype, seed), dtype, name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None) -> Variable:
    return variable(random_uniform(shape, low, high, dtype, seed), dtype, name)


def dropout(x, level: float, noise_shape=None, seed=None) -> Tensor:
    from .random import dropout as _dropout

    return _dropout(x, level, noise_shape, seed=_seed(seed))


__getattr__ = _missing("tf.keras.backend")
