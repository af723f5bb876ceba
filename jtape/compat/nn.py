"""``tf.nn``: activations, losses on logits, convolution and pooling (naming only)."""

from __future__ import annotations

from .. import _array_ops as A
from .. import _conv_ops as C
from .. import _counting_ops as K
from .. import _ctc_ops as CTC
from .. import _linalg_ops as L
from .. import _math_ops as M
from .. import _nn_extra_ops as X
from .. import _nn_ops as N
from .. import _norm_stats as Z
from .. import _pool_argmax as PA
from .. import _random_ops
from .. import _separable_conv as S
from .. import _space_depth as SD
from .. import _sparse_embedding as SE
from ..nn._logits import record_op_logits
from ._api import tf_api
from ._missing import missing


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zero entries with probability ``rate`` and scale the rest by ``1/(1-rate)``.

    The mask's randomness follows ``tf.random``'s seed rules (``seed=`` and
    ``tf.random.set_seed``).
    """
    from .random import _next_key

    return _random_ops.dropout(_next_key("dropout", seed, "float32"), x, rate, noise_shape)


def silu(features, beta=1.0):
    """``features * sigmoid(beta * features)`` (also ``tf.nn.swish``)."""
    if isinstance(beta, (int, float)) and beta == 1.0:
        return N.silu(features)
    return M.multiply(features, M.sigmoid(M.multiply(beta, features)))


def softmax(logits, axis=None):
    """``exp(logits) / sum(exp(logits))`` along ``axis`` (None: the last axis, as in TF).

    Inside ``tf.function``, TF makes a ``Softmax`` op when ``axis`` is the last axis, and
    Keras' crossentropy losses then read the logits from that op; jtape records them so
    the losses do the same (eagerly, neither does).
    """
    axis = -1 if axis is None else axis
    out = N.softmax(logits, axis)
    ndim = len(out.shape)
    if isinstance(axis, int) and ndim and axis % ndim == ndim - 1:
        record_op_logits(out, logits, "Softmax")
    return out


def sigmoid(x):
    """``1 / (1 + exp(-x))``; inside ``tf.function`` it records its logits as ``softmax``
    does, for Keras' ``binary_crossentropy``.
    """
    return record_op_logits(M.sigmoid(x), x, "Sigmoid")


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """``sum(loss * weight) / global_batch_size`` (global batch = batch x replicas)."""
    return X.compute_average_loss(
        per_example_loss, sample_weight, global_batch_size, num_replicas=_num_replicas()
    )


def scale_regularization_loss(regularization_loss):
    return X.scale_regularization_loss(regularization_loss, _num_replicas())


def _num_replicas() -> int:
    # The distribution strategy in scope (once jtape.distribute exists) sets it.
    try:
        from ..distribute import get_strategy  # type: ignore[attr-defined]
    except ImportError:
        return 1
    return int(get_strategy().num_replicas_in_sync)


# TF name -> (jtape callable, TF keyword -> jtape keyword, tensor params).
TABLE = {
    "atrous_conv2d": (C.atrous_conv2d, {}, ("value", "filters")),
    "avg_pool": (C.avg_pool, {}, ("input",)),
    "avg_pool3d": (C.avg_pool3d, {}, ("input",)),
    "collapse_repeated": (CTC.collapse_repeated, {}, ("labels", "seq_length")),
    "ctc_greedy_decoder": (CTC.ctc_greedy_decoder, {}, ("inputs", "sequence_length")),
    "ctc_loss": (CTC.ctc_loss, {}, ("labels", "logits", "label_length", "logit_length")),
    "ctc_unique_labels": (CTC.ctc_unique_labels, {}, ("labels",)),
    "depth_to_space": (SD.depth_to_space, {}, ("input",)),
    "local_response_normalization": (Z.local_response_normalization, {}, ("input",)),
    "lrn": (Z.local_response_normalization, {}, ("input",)),
    "max_pool3d": (C.max_pool3d, {}, ("input",)),
    "max_pool_with_argmax": (PA.max_pool_with_argmax, {}, ("input",)),
    "normalize_moments": (Z.normalize_moments, {}, ("counts", "mean_ss", "variance_ss")),
    "space_to_depth": (SD.space_to_depth, {}, ("input",)),
    "sufficient_statistics": (Z.sufficient_statistics, {}, ("x",)),
    "weighted_moments": (Z.weighted_moments, {}, ("x",)),
    "avg_pool1d": (C.avg_pool1d, {}, ("input",)),
    "avg_pool2d": (C.avg_pool2d, {}, ("input",)),
    "batch_normalization": (X.batch_normalization, {}, ("x",)),
    "bias_add": (C.bias_add, {}, ("value", "bias")),
    "compute_average_loss": (compute_average_loss, {}, ("per_example_loss",)),
    "conv1d": (C.conv1d, {}, ("input", "filters")),
    "conv2d": (C.conv2d, {}, ("input", "filters")),
    "conv1d_transpose": (C.conv1d_transpose, {}, ("input", "filters")),
    "conv2d_transpose": (C.conv2d_transpose, {}, ("input", "filters")),
    "conv3d_transpose": (C.conv3d_transpose, {}, ("input", "filters")),
    "conv_transpose": (C.conv_transpose, {}, ("input", "filters")),
    "conv3d": (C.conv3d, {}, ("input", "filters")),
    "convolution": (C.convolution, {}, ("input", "filters")),
    "depthwise_conv2d": (S.depthwise_conv2d, {}, ("input", "filter")),
    "dropout": (dropout, {}, ("x",)),
    "elu": (N.elu, {}, ("features",)),
    "embedding_lookup": (X.embedding_lookup, {}, ()),  # a list of params is shards
    "embedding_lookup_sparse": (SE.embedding_lookup_sparse, {}, ()),
    "safe_embedding_lookup_sparse": (SE.safe_embedding_lookup_sparse, {}, ()),
    "crelu": (N.crelu, {}, ("features",)),
    "gelu": (N.gelu, {}, ("features",)),
    "l2_loss": (N.l2_loss, {}, ("t",)),
    "in_top_k": (K.in_top_k, {}, ()),
    "l2_normalize": (L.l2_normalize, {}, ("x",)),
    "leaky_relu": (N.leaky_relu, {}, ("features",)),
    "log_poisson_loss": (N.log_poisson_loss, {}, ("targets", "log_input")),
    "log_softmax": (N.log_softmax, {}, ("logits",)),
    "max_pool": (C.max_pool, {}, ("input",)),
    "max_pool1d": (C.max_pool1d, {}, ("input",)),
    "max_pool2d": (C.max_pool2d, {}, ("input",)),
    "moments": (N.moments, {}, ("x",)),
    "pool": (C.pool, {}, ("input",)),
    "relu": (N.relu, {}, ("features",)),
    "relu6": (N.relu6, {}, ("features",)),
    "scale_regularization_loss": (scale_regularization_loss, {}, ("regularization_loss",)),
    "selu": (N.selu, {}, ("features",)),
    "separable_conv2d": (
        S.separable_conv2d,
        {},
        ("input", "depthwise_filter", "pointwise_filter"),
    ),
    "sigmoid": (sigmoid, {}, ("x",)),
    "sigmoid_cross_entropy_with_logits": (
        N.sigmoid_cross_entropy_with_logits,
        {},
        ("labels", "logits"),
    ),
    "silu": (silu, {}, ("features",)),
    "softmax": (softmax, {}, ("logits",)),
    "softmax_cross_entropy_with_logits": (
        N.softmax_cross_entropy_with_logits,
        {},
        ("labels", "logits"),
    ),
    "softplus": (N.softplus, {}, ("features",)),
    "softsign": (N.softsign, {}, ("features",)),
    "sparse_softmax_cross_entropy_with_logits": (
        N.sparse_softmax_cross_entropy_with_logits,
        {},
        ("labels", "logits"),
    ),
    "swish": (silu, {}, ("features",)),
    "tanh": (M.tanh, {}, ("x",)),
    "top_k": (A.top_k, {}, ("input",)),
    "weighted_cross_entropy_with_logits": (
        X.weighted_cross_entropy_with_logits,
        {},
        ("labels", "logits"),
    ),
}

_API = {
    name: tf_api(fn, renames, tf_name=name, tensors=tensors)
    for name, (fn, renames, tensors) in TABLE.items()
}
globals().update(_API)
__all__ = sorted(_API)
__getattr__ = missing("tf.nn")
