"""``Layer``: Keras' layer on a jtape Module (lazy build, weights, training flag, losses).

A layer's state is its Variables, so a layer works unchanged under a GradientTape and
inside ``jt.function``. Weights are found by walking attributes (see :mod:`jtape._module`)
in assignment order, the order Keras 3 reports them in. Calling a layer on a symbolic
``KerasTensor`` (from ``Input``) records a node of a functional graph instead of
computing (see :mod:`jtape.nn._model`).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import re
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtypes
from .._autograph import _call_target as _autograph_target
from .._checkpoint import on_new_state
from .._module import Module
from .._random import Generator
from .._state import state as _state
from .._state import tracing as _tracing
from .._tensor import Tensor, to_value
from .._variable import Variable, init_scope
from . import _masking
from . import _mixed_precision as _mp
from . import initializers as _initializers
from . import regularizers as _regularizers

# -- names ------------------------------------------------------------------------------
_uids: dict[str, itertools.count] = {}


def to_snake_case(name: str) -> str:
    """Keras' layer-name rule: ``"BatchNormalization"`` -> ``"batch_normalization"``.

    Example:
        >>> to_snake_case("Conv2DTranspose")
        'conv2d_transpose'
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix``, then ``prefix_1``, ``prefix_2``... (Keras' automatic layer names)."""
    n = next(_uids.setdefault(prefix, itertools.count()))
    return prefix if n == 0 else f"{prefix}_{n}"


def clear_session() -> None:
    """Reset automatic layer names (``keras.backend.clear_session``)."""
    _uids.clear()


# -- the call context ---------------------------------------------------------------------
class _CallContext(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.training: bool | None = None


_ctx = _CallContext()
# Set by the first add_loss: until then no call needs to clear losses (saves a walk).
_losses_used = [False]


def _is_symbolic(x) -> bool:
    return getattr(x, "_jt_symbolic", False)


def _flatten(structure) -> list:
    return jax.tree_util.tree_leaves(
        structure,
        is_leaf=lambda x: isinstance(x, Tensor) or hasattr(x, "_jt_read") or _is_symbolic(x),
    )


def _shape_of(x):
    """Shape of a tensor-like, or a list/dict of shapes for nested inputs."""
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    return tuple(shape)


class _CallSpec:
    """What a ``call`` signature accepts, computed once per class."""

    __slots__ = ("has_training", "training_default", "has_mask", "names", "computes_mask")

    def __init__(self, fn, cls) -> None:
        params = inspect.signature(fn).parameters
        p = params.get("training")
        self.has_training = p is not None
        default = None if p is None or p.default is inspect.Parameter.empty else p.default
        self.training_default = default
        self.has_mask = "mask" in params
        self.names = [
            n
            for n, q in params.items()
            if q.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        # A layer whose compute_mask is its own can create a mask from nothing
        # (Embedding(mask_zero=True), Masking), so it runs even when no mask exists.
        self.computes_mask = cls.compute_mask is not Layer.compute_mask


_CALL_SPECS: dict[type, _CallSpec] = {}


def _call_spec(layer) -> _CallSpec:
    cls = type(layer)
    spec = _CALL_SPECS.get(cls)
    if spec is None:
        spec = _CALL_SPECS[cls] = _CallSpec(layer.call, cls)
    return spec


def _is_array(x) -> bool:
    # Keras converts array arguments to tensors before it counts them.
    return (
        isinstance(x, (Tensor, np.ndarray, jax.Array)) or hasattr(x, "_jt_read") or _is_symbolic(x)
    )


def _is_tensor_argument(value) -> bool:
    """Keras' CallSpec rule: a tensor, or a non-empty structure of tensors (or Nones)."""
    if _is_array(value):
        return True
    if isinstance(value, (list, tuple, dict)) and len(value) > 0:
        leaves = _masking.flat(value)
        return all(x is None or _is_array(x) for x in leaves) and any(x is not None for x in leaves)
    return False


def _auto_mask(spec: _CallSpec, args: tuple, kwargs: dict) -> None:
    """Keras' step 6: pass the only tensor argument's mask as ``mask=``.

    With several tensor arguments (e.g. an RNN called with ``initial_state``) Keras
    passes no mask automatically, and neither does jtape.
    """
    if kwargs.get("mask") is not None:
        return
    count = sum(1 for a in args if _is_tensor_argument(a))
    for name, value in kwargs.items():
        if name not in ("mask", "training") and _is_tensor_argument(value):
            count += 1
    if count == 1 and args:
        mask = _masking.mask_of(args[0])
        if mask is not None:
            kwargs["mask"] = mask


def default_build(fn):
    """Mark a ``build`` that does nothing useful on a lazy first call (no weights of its own)."""
    fn._jt_default_build = True
    return fn


_ADD_WEIGHT_KERAS3 = (
    "shape",
    "initializer",
    "dtype",
    "trainable",
    "autocast",
    "regularizer",
    "constraint",
    "aggregation",
    "overwrite_with_gradient",
    "name",
)
_ADD_WEIGHT_KERAS2 = (
    "name",
    "shape",
    "dtype",
    "initializer",
    "regularizer",
    "trainable",
    "constraint",
)
_LAYER_KWARGS = {
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "input_dim",
    "autocast",
    "weights",
    "activity_regularizer",
    "dynamic",
    "input_length",
}


# Attribute values that can hold no Variable, Generator or Layer: the weight walk skips
# them (a walk runs on every ``trainable_variables``, so twice per eager training step).
_ATOMS = frozenset({str, int, float, bool, complex, bytes, type(None), _dtypes.DType})


def _state_leaves(value, out: list, containers: list | None = None) -> None:
    """The leaves of nested lists, tuples and dicts in ``value`` (``_children``'s order)
    that may be state, atoms left out.

    ``containers`` (for the walk's cache) receives each mutable container visited with
    what it held: ``(list, tuple(list))`` or ``(dict, keys, values)``; a None entry
    marks a container type whose contents it cannot snapshot (a subclass).
    """
    items = [value[k] for k in list(value)] if isinstance(value, dict) else value
    if containers is not None:
        kind = type(value)
        if kind is list:
            containers.append((value, tuple(value)))
        elif kind is dict:
            containers.append((value, tuple(value), tuple(items)))
        elif kind is not tuple:
            containers.append(None)
    for item in items:
        if type(item) in _ATOMS:
            continue
        if isinstance(item, (list, tuple, dict)):
            _state_leaves(item, out, containers)
        else:
            out.append(item)


class _WalkBox:
    """Holds a layer's last weight walk (``_jt_walk``): ``(attribute names, attribute
    values, mutable containers with their contents, own variables, sub-modules)``.

    One box per layer, so storing a new walk changes no attribute. Copies and pickles
    of a layer start with an empty box.
    """

    __slots__ = ("entry",)

    def __init__(self) -> None:
        self.entry = None

    def __reduce__(self):
        return (_WalkBox, ())


_is = operator.is_


def _walk_unchanged(layer, entry: tuple) -> bool:
    """Whether ``layer``'s walk would find what ``entry`` recorded.

    The walk reads the layer's attributes (in order, ignored names left out) and the
    lists, tuples and dicts inside them; leaves are classified by their type. So the
    same attribute names, the same objects in them (by identity) and the same contents
    in every mutable container visited give the same result.
    """
    d = layer.__dict__
    keys = entry[0]
    if len(d) != len(keys) or tuple(d) != keys:
        return False
    same = list(map(_is, d.values(), entry[1]))
    if False in same:  # a changed attribute the walk skips (the summary shape) is fine
        ignored = layer._WALK_IGNORED
        i = -1
        try:
            while True:
                i = same.index(False, i + 1)
                if keys[i] not in ignored:
                    return False
        except ValueError:
            pass
    for c in entry[2]:
        if len(c) == 2:
            if len(c[0]) != len(c[1]) or not all(map(_is, c[0], c[1])):
                return False
        elif tuple(c[0]) != c[1] or not all(map(_is, c[0].values(), c[2])):
            return False
    return True


class Layer(Module):
    """The base of all layers (``keras.layers.Layer``).

    Subclasses create weights in ``build(input_shape)`` with :meth:`add_weight` and
    compute in ``call(inputs, ...)``. The first ``__call__`` builds the layer from the
    shape of its first argument. ``call`` receives ``training`` if it accepts it: the
    value passed explicitly, else the one of the enclosing layer call, else its default.

    Example:
        >>> import jtape as jt
        >>> from jtape import nn
        >>> class Scale(nn.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, x):
        ...         return x * self.w
        >>> layer = Scale()
        >>> layer(jt.constant([[1.0, 2.0]])).numpy().tolist()
        [[1.0, 2.0]]
        >>> [w.shape for w in layer.trainable_weights]
        [(2,)]
    """

    _SORTED_WALK = False  # Keras reports weights and sub-layers in assignment order
    _WALK_IGNORED = frozenset({"_inbound_nodes", "_outbound_nodes", "_jt_output_shape", "_jt_walk"})
    # Models pass masks through their inner layers; they neither warn nor add one.
    _jt_mask_container = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_jt_marks_built", False):
            # As Keras: a layer whose build() was called (explicitly or not) is built.
            @functools.wraps(build)
            def build_and_mark(self, *args, **kwargs):
                out = build(self, *args, **kwargs)
                self.built = True
                return out

            build_and_mark._jt_marks_built = True
            cls.build = build_and_mark

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype=None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if name is None:
            name = unique_name(to_snake_case(type(self).__name__))
        elif not isinstance(name, str) or "/" in name:
            raise ValueError(
                f"{type(self).__name__}: `name` must be a str without '/', got {name!r}"
            )
        # Keras allows names that are not identifiers ("dense-1"), so tf.Module's check
        # is skipped; weights are named "<layer>/<weight>" wherever the layer is built.
        self._name = name
        self._scope_name = f"{name}/"
        self._set_dtype_policy(dtype)
        self._trainable = bool(trainable)
        self.built = False
        self._losses: list = []
        self._weight_regularizers: list = []
        self._own_weights: list[Variable] = []
        self.autocast = kwargs.get("autocast", True)
        self.activity_regularizer = _regularizers.get(kwargs.get("activity_regularizer"))
        self._jt_output_shape = None
        self._initial_weights = kwargs.get("weights")
        shape = kwargs.get("batch_input_shape")
        if shape is None and kwargs.get("input_shape") is not None:
            shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
        if shape is None and kwargs.get("input_dim") is not None:
            shape = (kwargs.get("batch_size"), int(kwargs["input_dim"]))
        self._batch_input_shape = None if shape is None else tuple(shape)

    # -- dtype policy -------------------------------------------------------------------
    def _set_dtype_policy(self, dtype) -> None:
        # `dtype=`: a policy, its name ("mixed_bfloat16"), a dtype, or None (the global
        # policy when the layer is created). `_dtype` is the weights' dtype.
        policy = _mp.get(dtype)
        self._dtype_policy = policy
        self._dtype = _dtypes.as_dtype(policy.variable_dtype)
        self._compute_dtype = _dtypes.as_dtype(policy.compute_dtype)
        # DTypes are interned: an identity test keeps the per-call check off DType.__eq__.
        self._jt_mixed = self._compute_dtype is not self._dtype

    @property
    def dtype_policy(self) -> _mp.DTypePolicy:
        """The layer's :class:`~jtape.nn.mixed_precision.DTypePolicy` (settable)."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        self._set_dtype_policy(value)

    @property
    def dtype(self) -> _dtypes.DType:
        """The dtype of the layer's weights (Keras 3: an alias of ``variable_dtype``)."""
        return self._dtype

    @property
    def compute_dtype(self) -> _dtypes.DType:
        """The dtype of the layer's float inputs, computations and outputs."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def input_dtype(self) -> _dtypes.DType:
        """The dtype float inputs are cast to (when ``autocast``): the compute dtype."""
        return self._compute_dtype

    # -- properties ---------------------------------------------------------------------

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # Keras 3: freezing a layer freezes its weights (so tapes stop watching them)
        # and all of its sub-layers.
        value = bool(value)
        self._trainable = value
        own, subs = self._own_items(False)
        for v in own:
            if not hasattr(v, "_jt_layer_trainable"):
                v._jt_layer_trainable = v.trainable  # its own flag, restored on unfreezing
            v.trainable = value and v._jt_layer_trainable
        for layer in subs:
            if isinstance(layer, Layer):
                layer.trainable = value

    # -- masking --------------------------------------------------------------------------
    @property
    def supports_masking(self) -> bool:
        """Whether the layer propagates masks (Keras: True when ``compute_mask`` is overridden).

        A layer that supports masking attaches ``compute_mask(inputs, mask)`` to its
        outputs; one that does not drops the mask of its input with a warning, as Keras.
        """
        value = self.__dict__.get("_supports_masking")
        if value is None:
            return _call_spec(self).computes_mask
        return value

    @supports_masking.setter
    def supports_masking(self, value: bool) -> None:
        self.__dict__["_supports_masking"] = bool(value)

    def compute_mask(self, inputs, mask=None):
        """The mask of the output for ``inputs`` whose mask is ``mask``; the base passes it on.

        Example:
            >>> from jtape import nn
            >>> nn.Dense(2).compute_mask(None, mask="m")
            'm'
        """
        return mask

    def _set_mask_metadata(self, inputs, outputs, previous_mask) -> None:
        flat_outputs = _masking.flat(outputs)
        if all(_masking.get_keras_mask(x) is not None for x in flat_outputs):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for tensor, mask in zip(flat_outputs, _masking.flat(masks)):
            if mask is not None and tensor is not None and _masking.get_keras_mask(tensor) is None:
                _masking.set_keras_mask(tensor, mask)

    @property
    def input_shape(self):
        if self._batch_input_shape is None:
            raise AttributeError(f"The layer {self.name!r} has no defined input shape.")
        return self._batch_input_shape

    @property
    def output_shape(self):
        if self._jt_output_shape is None:
            raise AttributeError(
                f"The layer {self.name!r} has never been called and thus "
                "has no defined output shape."
            )
        return self._jt_output_shape

    # -- weights ------------------------------------------------------------------------
    def add_weight(self, *args: Any, **kwargs: Any) -> Variable:
        """Create a weight Variable owned by this layer.

        Arguments, in Keras 3's order: ``shape=None, initializer=None, dtype=None,
        trainable=True, autocast=True, regularizer=None, constraint=None,
        aggregation="none", overwrite_with_gradient=False, name=None``. A first positional
        ``str`` selects Keras 2's order (``name, shape, dtype, initializer, regularizer,
        trainable, constraint``). ``initializer`` is a name (``"glorot_uniform"``), an
        initializer or a callable ``(shape, dtype) -> value``; it runs under
        ``jt.init_scope()``, so a layer built inside ``jt.function`` gets concrete initial
        values. The default is ``glorot_uniform`` for floats, ``zeros`` otherwise.
        """
        order = _ADD_WEIGHT_KERAS2 if args and isinstance(args[0], str) else _ADD_WEIGHT_KERAS3
        if len(args) > len(order):
            raise TypeError(f"add_weight() takes at most {len(order)} positional arguments")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight() got multiple values for argument {key!r}")
            kwargs[key] = value
        for ignored in ("use_resource", "synchronization", "partitioner", "experimental_autocast"):
            kwargs.pop(ignored, None)
        unknown = set(kwargs) - set(_ADD_WEIGHT_KERAS3)
        if unknown:
            raise TypeError(f"add_weight() got unexpected keyword arguments {sorted(unknown)}")
        return self._add_weight(**kwargs)

    def _add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer=None,
        constraint=None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> Variable:
        try:
            shape = () if shape is None else tuple(int(d) for d in shape)
        except (TypeError, ValueError):
            raise ValueError(
                f"add_weight: `shape` must be a tuple of ints, got {shape!r}"
            ) from None
        dtype = _dtypes.as_dtype(getattr(dtype, "name", dtype)) or self._dtype
        if initializer is None:
            initializer = "glorot_uniform" if jnp.issubdtype(dtype, jnp.floating) else "zeros"
        init = _initializers.get(initializer)
        name = name or "Variable"
        with init_scope():
            value = init(shape, dtype=dtype)
        var = Variable(
            value,
            trainable=bool(trainable) and self._trainable,
            name=f"{self._scope_name}{name}",
            dtype=dtype,
        )
        # Keras 3's names: ``name`` is the weight's own, ``path`` the layer's scope + it.
        var._keras_name = name
        var._keras_path = f"{self._scope_name}{name}"
        # Keras' Variable attributes; optimizers apply `constraint` after an update.
        var._jt_layer_trainable = bool(trainable)
        # Read as the compute dtype inside a mixed-precision call (see _call_with_context).
        var._jt_autocast = bool(autocast)
        var.constraint = constraint
        var.regularizer = _regularizers.get(regularizer)
        self._own_weights.append(var)
        if var.regularizer is not None:
            self._weight_regularizers.append(var)
        on_new_state(self)  # a restore() that waits for this weight assigns it now
        return var

    def _own_items(self, include_state: bool) -> tuple[list, list]:
        """This layer's own variables (in creation/assignment order) and direct sub-layers."""
        plain_walk = type(self)._walk_items is Module._walk_items and not self._SORTED_WALK
        containers = None
        if plain_walk and not include_state and "_jt_walk" in self._WALK_IGNORED:
            # The weight walk runs twice per eager training step (trainable_variables):
            # its last result is reused while nothing it reads has changed.
            d = self.__dict__
            box = d.get("_jt_walk")
            if box is None:
                box = d["_jt_walk"] = _WalkBox()
            else:
                entry = box.entry
                if entry is not None and _walk_unchanged(self, entry):
                    return list(entry[3]), list(entry[4])
            containers = []
            keys, values = tuple(d), tuple(d.values())
        own: list = list(self._own_weights)
        seen = set(map(id, own))
        subs: list = []
        if plain_walk:
            # Module's walk in assignment order, without a generator per attribute.
            ignored = self._WALK_IGNORED
            items = [v for k, v in vars(self).items() if k not in ignored]
        else:
            items = [v for _k, v in self._walk_items()]
        for value in items:
            if type(value) in _ATOMS:  # most attributes: names, flags, sizes
                continue
            if isinstance(value, (list, tuple, dict)):
                leaves: list = []
                _state_leaves(value, leaves, containers)
            else:
                leaves = [value]
            for leaf in leaves:
                if id(leaf) in seen:
                    continue
                if isinstance(leaf, Variable):
                    own.append(leaf)
                elif isinstance(leaf, Generator):
                    if include_state:
                        own.append(leaf.state)
                elif isinstance(leaf, Module):
                    subs.append(leaf)
                else:
                    continue
                seen.add(id(leaf))
        if containers is not None:
            box.entry = (
                (keys, values, containers, tuple(own), tuple(subs))
                if None not in containers
                else None
            )
        return own, subs

    def _collect(self, include_state: bool, out: list, seen: set) -> None:
        own, subs = self._own_items(include_state)
        # As Keras 3: a layer's own trainable variables (as created) before its
        # non-trainable ones, then the sub-layers' (get_weights order, weight files).
        flags = [getattr(v, "_jt_layer_trainable", v.trainable) for v in own]
        if not all(flags) and any(flags):
            own = [v for v, f in zip(own, flags) if f] + [v for v, f in zip(own, flags) if not f]
        for v in own:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for sub in subs:
            if isinstance(sub, Layer):
                sub._collect(include_state, out, seen)
            else:
                for v in sub.variables:
                    if id(v) not in seen:
                        seen.add(id(v))
                        out.append(v)

    @property
    def variables(self) -> list[Variable]:
        """All state: weights, then random-generator states, of this layer and sub-layers."""
        out: list = []
        self._collect(True, out, set())
        return out

    @property
    def weights(self) -> list[Variable]:
        """The weights (variables without random-generator state), own first."""
        out: list = []
        self._collect(False, out, set())
        return out

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:
        if not self._trainable:
            return self.variables
        return [v for v in self.variables if not v.trainable]

    @property
    def layers(self) -> list[Layer]:
        """Direct sub-layers, in assignment order."""
        return [x for x in self._own_items(False)[1] if isinstance(x, Layer)]

    def _flatten_layers(self, include_self: bool = True) -> list[Layer]:
        out = [self] if include_self else []
        out.extend(m for m in self.submodules if isinstance(m, Layer))
        return out

    def save_weights(self, filepath: str, overwrite: bool = True, **kwargs) -> None:
        """Write every variable of this layer/model to ``filepath`` (a checkpoint directory).

        Uses ``jt.train.Checkpoint``: atomic, sharding-aware (orbax). Unlike Keras 3, no
        ``.weights.h5`` suffix is required and the format is not HDF5.
        """
        import os

        from ..train import Checkpoint

        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
        Checkpoint(model=self).write(filepath)

    def load_weights(self, filepath: str, skip_mismatch: bool = False, **kwargs):
        """Restore the variables saved by :meth:`save_weights`; the layer must be built.

        Shapes and dtypes are checked before anything is assigned.
        """
        from ..train import Checkpoint

        status = Checkpoint(model=self).restore(filepath)
        if not skip_mismatch:
            status.assert_existing_objects_matched()
        return status

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as numpy arrays, in ``weights`` order."""
        return [np.asarray(v.numpy()) for v in self.weights]

    def set_weights(self, weights: Sequence) -> None:
        """Assign ``weights`` (numpy arrays, in ``weights`` order); checked before any write."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"Layer {self.name!r} expected {len(params)} variables, but received "
                f"{len(weights)} variables during loading. Expected: "
                f"{[v.name for v in params]}"
            )
        arrays = []
        for v, w in zip(params, weights):
            a = np.asarray(w)
            if tuple(a.shape) != tuple(v.shape):
                raise ValueError(
                    f"Layer {self.name!r} weight shape {tuple(v.shape)} is not compatible with "
                    f"provided weight shape {tuple(a.shape)} (for {v.name})."
                )
            arrays.append(a.astype(v.dtype))
        for v, a in zip(params, arrays):
            v.assign(a)

    def count_params(self) -> int:
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name!r}, but the layer "
                "isn't built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # -- losses -------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        """Add a loss tensor (e.g. an activity penalty); collected by ``losses``."""
        if callable(loss) and not isinstance(loss, Tensor):
            loss = loss()
        _losses_used[0] = True
        self._losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses added during the last call plus weight-regularization penalties.

        Regularization penalties are computed when the property is read, so reading it
        under a GradientTape makes them differentiable.
        """
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
            for v in layer._weight_regularizers:
                out.append(v.regularizer(v))
        return out

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._losses = []

    # -- building -----------------------------------------------------------------------
    @default_build
    def build(self, input_shape=None) -> None:
        """Create the layer's weights for ``input_shape``.

        Called automatically on the first call. When called explicitly on a layer that
        does not override it (e.g. a subclassed Model), it runs ``call`` on a symbolic
        input of that shape, so all sub-layers get built.
        """
        default = getattr(type(self).build, "_jt_default_build", False)
        if default and input_shape is not None and not self.built:
            from ._model import KerasTensor

            self.built = True
            if (
                isinstance(input_shape, list)
                and input_shape
                and isinstance(input_shape[0], (list, tuple))
            ):
                x = [KerasTensor(tuple(s), self._compute_dtype) for s in input_shape]
            else:
                x = KerasTensor(tuple(input_shape), self._compute_dtype)
            self(x)
        self.built = True

    def _maybe_build(self, input_shape) -> None:
        if self.built:
            return
        # Keras' build_config: a model file records the shape a subclassed model was built for.
        self._jt_build_input_shape = input_shape
        if not getattr(type(self).build, "_jt_default_build", False):
            self.build(input_shape)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape``, by running ``call`` on a symbolic input."""
        from ._model import KerasTensor

        out = self(KerasTensor(tuple(input_shape), self._compute_dtype))
        return jax.tree_util.tree_map(lambda t: t.shape, out, is_leaf=_is_symbolic)

    # -- calling ------------------------------------------------------------------------
    def call(self, inputs, *args, **kwargs):
        """The layer's computation. The base layer is the identity."""
        return inputs

    def _convert_input(self, x):
        """Keras' input conversion: arrays become Tensors, floats the compute dtype."""
        dtype = self._compute_dtype
        if type(x) is Tensor and x._value.dtype == dtype._np:
            return x  # already the compute dtype: nothing to convert
        if isinstance(x, Tensor):
            if self.autocast and x.dtype != dtype and jnp.issubdtype(x.dtype, jnp.floating):
                from .._math_ops import cast

                y = cast(x, dtype)
                mask = _masking.get_keras_mask(x)
                if mask is not None:  # the cast input keeps its mask (Keras' maybe_convert)
                    _masking.set_keras_mask(y, mask)
                return y
            return x
        if x is None or hasattr(x, "_jt_read") or _is_symbolic(x):
            return x
        if isinstance(x, dict):
            return {k: self._convert_input(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)) and not _is_numeric_list(x):
            return type(x)(self._convert_input(v) for v in x)
        if isinstance(x, (np.ndarray, jax.Array, np.number, float, int, list, tuple)):
            arr = to_value(x)
            if self.autocast and arr.dtype != dtype and jnp.issubdtype(arr.dtype, jnp.floating):
                arr = arr.astype(dtype)
            return Tensor(arr)
        return x

    def _autocast_dtype(self, current):
        """The dtype weights read as during this call (Keras' AutocastScope rule), or None.

        A layer whose compute and variable dtypes differ casts its weights; a layer
        inside such a call follows its own compute dtype unless it turned ``autocast``
        off or computes in a non-float dtype.
        """
        compute = self._compute_dtype
        if current is None:
            return compute if self._jt_mixed else None
        if not self.autocast or not jnp.issubdtype(compute, jnp.floating):
            return None
        return compute

    def _cast_inputs(self, args: tuple, kwargs: dict, dtype) -> tuple[tuple, dict]:
        """Keras' conversion of every tensor argument (not only the first) to ``dtype``.

        Runs only while weights autocast (a mixed policy here or in an enclosing call):
        ``__call__`` converted the first argument already, but symbolic calls and
        further tensor arguments arrive here uncast.
        """
        if not self.autocast:
            return args, kwargs
        convert = self._convert_input
        args = tuple(convert(a) if _holds_tensor(a) else a for a in args)
        kwargs = {
            k: convert(v) if k not in ("mask", "training") and _holds_tensor(v) else v
            for k, v in kwargs.items()
        }
        return args, kwargs

    @property
    def input(self):
        """The symbolic input of the layer's first call in a functional graph (Keras'
        ``input``: one KerasTensor, or a list of them)."""
        inputs = self.__dict__.get("_jt_symbolic_input")
        if inputs is None:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined input."
            )
        return inputs[0] if len(inputs) == 1 else list(inputs)

    @property
    def output(self):
        """The symbolic output of the layer's call in a functional graph (Keras' ``output``)."""
        out = self.__dict__.get("_jt_symbolic_output")
        if out is None:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined output."
            )
        return out

    def __call__(self, *args, **kwargs):
        if args:
            args = (self._convert_input(args[0]),) + args[1:]
        if not _plainly_concrete(args, kwargs) and any(
            _is_symbolic(x) for x in _flatten((args, kwargs))
        ):
            from ._model import symbolic_call

            return symbolic_call(self, args, kwargs)
        return self._call_with_context(args, kwargs)

    def _call_with_context(self, args, kwargs):
        spec = _call_spec(self)
        ctx = _ctx
        outermost = ctx.depth == 0
        saved_training = ctx.training
        training = kwargs.pop("training", None) if not spec.has_training else kwargs.get("training")
        if training is None:
            training = ctx.training
        if training is None:
            training = spec.training_default
        if spec.has_training:
            if training is not None:
                kwargs["training"] = training
            else:
                kwargs.pop("training", None)
        if outermost and _losses_used[0]:
            self._clear_losses()
        # Masks (Keras' steps 6 and 8): skipped entirely while no tensor has a mask and
        # the layer cannot create one.
        masking = args and (_masking.any_masks() or spec.computes_mask)
        if masking:
            if spec.has_mask:
                _auto_mask(spec, args, kwargs)
            previous_mask = kwargs.get("mask") if spec.has_mask else None
            if previous_mask is None:
                previous_mask = _masking.mask_of(args[0])
        saved_autocast = _state.autocast
        autocast = self._autocast_dtype(saved_autocast)
        if autocast is not None:
            args, kwargs = self._cast_inputs(args, kwargs, autocast)
        ctx.depth += 1
        ctx.training = training
        _state.autocast = autocast
        try:
            if not self.built:
                self._maybe_build(_shape_of(args[0]) if args else None)
            call = self.call
            if _state.frames and _tracing():
                # As Keras in a tf.function: a user-written `call` gets AutoGraph, so
                # Python `if`/`for` on tensors inside it compile.
                call = _autograph_target(call)
            outputs = call(*args, **kwargs)
        finally:
            ctx.depth -= 1
            ctx.training = saved_training
            _state.autocast = saved_autocast
        if self.activity_regularizer is not None:
            for out in _flatten(outputs):
                if isinstance(out, Tensor):
                    self.add_loss(_activity_loss(self.activity_regularizer, out))
        if masking and not self._jt_mask_container:
            if self.supports_masking:
                if previous_mask is not None or spec.computes_mask:
                    self._set_mask_metadata(args[0], outputs, previous_mask)
            elif previous_mask is not None:
                warnings.warn(
                    f"Layer {self.name!r} (of type {type(self).__name__}) was passed an input "
                    "with a mask attached to it. However, this layer does not support masking "
                    "and will therefore destroy the mask information. Downstream layers will "
                    "not see the mask.",
                    stacklevel=3,
                )
        if type(outputs) is Tensor:  # _summary_shape's common case, inlined
            shape = outputs._value.shape
            self._jt_output_shape = (None,) + shape[1:] if shape else ()
        else:
            self._jt_output_shape = _summary_shape(outputs)
        return outputs

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments common to all layers; for jtape's own layers also
        every argument Keras' config holds (initializers, regularizers, ...), so that
        ``from_config(get_config())`` rebuilds the same layer."""
        from . import _serialization

        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": _mp.serialize(self._dtype_policy),
        }
        if _serialization.is_builtin_layer(self):
            _serialization.add_constructor_arguments(self, config)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)


# Argument types that are never symbolic and hold nothing that could be (a call's
# usual arguments: tensors and flags), so the pytree walk looking for KerasTensors
# can be skipped.
_CONCRETE = frozenset({Tensor, bool, int, float, str, type(None)})


def _plainly_concrete(args: tuple, kwargs: dict) -> bool:
    for a in args:
        if type(a) not in _CONCRETE:
            return False
    for v in kwargs.values():
        if type(v) not in _CONCRETE:
            return False
    return True


def _holds_tensor(x) -> bool:
    """A Tensor, or a list/tuple/dict holding one (Python numbers are left alone)."""
    if isinstance(x, Tensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_holds_tensor(v) for v in x)
    if isinstance(x, dict):
        return any(_holds_tensor(v) for v in x.values())
    return False


def _is_numeric_list(x) -> bool:
    leaves = jax.tree_util.tree_leaves(list(x))
    return bool(leaves) and all(isinstance(v, (int, float, bool, np.number)) for v in leaves)


def _summary_shape(outputs):
    """Output shape(s) with the batch dimension shown as None, for ``summary``."""

    def one(t):
        shape = getattr(t, "shape", None)
        if shape is None:
            return None
        shape = tuple(shape)
        return (None,) + shape[1:] if shape and not _is_symbolic(t) else shape

    if isinstance(outputs, (list, tuple)):
        return [one(t) for t in outputs]
    if isinstance(outputs, dict):
        return {k: one(v) for k, v in outputs.items()}
    return one(outputs)


def _activity_loss(regularizer, output: Tensor):
    """Keras 3's activity penalty: the regularizer of one output, divided by its batch size
    (the first axis; 0 for an empty batch, as ``divide_no_nan``)."""
    loss = regularizer(output)
    if len(output.shape) == 0:
        return loss
    batch = output.shape[0]
    return loss / batch if batch else loss * 0
