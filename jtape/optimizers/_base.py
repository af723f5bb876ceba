"""``Optimizer``: an optax transformation whose state lives in Variables, with Keras' API.

The optimizer's state (optax state leaves, ``iterations``, the learning rate, EMA
averages, gradient accumulators) is held in non-trainable Variables, so
``jt.function`` functionalizes it like any other state. One ``apply_gradients``
runs one pure function

    step(grads, params, slots, accumulators, averages, iterations, lr) -> new values

compiled once per variable structure when called eagerly, traced into the
surrounding program inside ``jt.function``; the results are assigned back.

Keras' order of work within a step is kept: unscale by ``loss_scale_factor``,
accumulate gradients, clip, decay weights (``p -= p * weight_decay * lr``), apply
the rule, update the EMA of the weights, count the step.
"""

from __future__ import annotations

import contextlib
import operator
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._checkpoint import on_new_state
from .._indexed_slices import IndexedSlices
from .._state import current_frame, state
from .._tensor import Tensor, to_value
from .._variable import Variable, init_scope, write_arrays
from ..distribute._context import _local, sum_over_replicas
from . import _schedules, _transforms
from ._transforms import SparseGrad


def _int_dtype():
    # Keras/TF count in int64; without jax_enable_x64 JAX would silently make it int32.
    return jnp.int64 if jax.config.jax_enable_x64 else jnp.int32


_array_of = operator.attrgetter("_array")  # an eager Variable's value


@contextlib.contextmanager
def _no_recording():
    # The update is not differentiable; keep schedule ops off any active tape.
    saved = state.recorders
    state.recorders = []
    try:
        yield
    finally:
        state.recorders = saved


_BASE_ARGS = (
    "weight_decay",
    "clipnorm",
    "global_clipnorm",
    "clipvalue",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
)


class Optimizer:
    """Base class of jtape optimizers: Keras 3's optimizer API over an optax transformation.

    Subclasses implement ``transform(learning_rate)``, returning the optax
    ``GradientTransformation`` of one variable's update (the learning rate arrives
    as a scalar array, so changing it never recompiles). Keras rules are
    per-variable, so each variable gets its own optax state; see
    :func:`from_optax` for a transformation over the whole variable list.

    Args:
        learning_rate: float, a ``LearningRateSchedule`` (called with the step count),
            or a zero-argument callable. Settable later via ``optimizer.learning_rate``.
        weight_decay: decoupled decay ``p -= p * weight_decay * lr`` before the rule.
        clipnorm: clip each gradient tensor to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global norm.
        use_ema, ema_momentum, ema_overwrite_frequency: keep an exponential moving
            average of the weights (and periodically copy it into them).
        loss_scale_factor: gradients are divided by it first.
        gradient_accumulation_steps: apply the mean gradient every this many calls.
        name: name prefix of the optimizer's variables.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable([1.0, 2.0])
        >>> opt = jt.optimizers.SGD(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(jt.constant([1.0, 1.0]), v)])
        >>> v.numpy().tolist(), int(opt.iterations)
        ([0.8999999761581421, 1.899999976158142], 1)
    """

    # Keras rules are per-variable: one optax state per variable, so a variable whose
    # gradient is None is skipped entirely. ``from_optax`` sets this to False.
    _per_variable_state = True
    # Rules with a step count (Adam's bias correction, ...) set this: their
    # ``transform(learning_rate, step)`` gets Keras' one shared 1-based step (a scalar
    # array) rather than keeping a count per variable. Keras counts once per optimizer,
    # and one shared count compiles to one scalar computation instead of a count
    # input, increment and output per variable: on CPU those tiny independent kernels
    # made a small model's compiled train step ~1.5x slower than optax.adam's.
    _shared_step = False
    # Rules that apply an IndexedSlices gradient as Keras 3 does (see
    # ``_transforms.grad_square``); the others refuse one rather than differ.
    _sparse_rule = False
    _config_keys: tuple[str, ...] = ()  # the rule's own hyperparameters, for get_config
    # Keras' constructors take a float learning rate only; TF 1.x's names take any scalar.
    _keras_lr_rule = True

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs,
    ) -> None:
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.", stacklevel=2
            )
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                f"gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum="
                    f"{ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    f"ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.name = name or _default_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False

        with init_scope():
            self._iterations = Variable(
                lambda: jnp.zeros([], _int_dtype()),
                trainable=False,
                name=f"{self.name}/iteration",
            )
            self._iterations._keras_path = f"{self.name}/iteration"
        self._learning_rate: Any = None
        self._lr_variable: Variable | None = None
        if learning_rate is not None:
            self._set_learning_rate(learning_rate, initial=True)

        self._vars: list[Variable] = []
        self._index: dict[int, int] = {}
        self._slot_defs: list = []  # treedef per variable (or one for the whole list)
        self._slot_vars: list[list[Variable]] = []
        self._slot_keys: list[list[str]] = []  # Keras' slot name of each leaf
        self._accumulators: list[Variable] = []
        self._averages: list[Variable] = []
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern | None = None
        self._trace_count = 0  # times the update was traced (compiled); tests use it
        self._jitted = jax.jit(self._step, static_argnums=0)

    # -- the rule --------------------------------------------------------------------
    def transform(self, learning_rate) -> optax.GradientTransformation:
        """The optax transformation of one variable's update at this learning rate.

        With ``_shared_step = True`` it is called as ``transform(learning_rate, step)``,
        ``step`` being the optimizer's 1-based step count (a scalar array).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement transform()")

    # -- learning rate ---------------------------------------------------------------
    @property
    def learning_rate(self):
        """The current rate: the Variable, or the schedule/callable evaluated now."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            return lr(self._iterations.value())
        if isinstance(lr, Variable):
            return lr
        if callable(lr):
            return lr()
        return lr

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        self._set_learning_rate(learning_rate, initial=False)

    def _set_learning_rate(self, lr, initial: bool) -> None:
        if isinstance(lr, _schedules.LearningRateSchedule) or (
            callable(lr) and not isinstance(lr, (Tensor, Variable))
        ):
            self._learning_rate = lr
            return
        if initial and self._keras_lr_rule and not isinstance(lr, float):
            # Keras 3's constructor takes a Python float only (not an int, a Tensor or
            # a Variable); the setter below takes any scalar.
            raise ValueError(_LR_MESSAGE + f"Received instead: learning_rate={lr}")
        value = _float_lr(lr)
        if not initial and isinstance(self._learning_rate, _schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument."
            )
        if self._lr_variable is None:
            with init_scope():
                self._lr_variable = Variable(
                    lambda: jnp.asarray(value, jnp.float32),
                    trainable=False,
                    name=f"{self.name}/learning_rate",
                )
                self._lr_variable._keras_path = f"{self.name}/learning_rate"
        else:
            self._lr_variable.assign(jnp.asarray(value, jnp.float32))
        self._learning_rate = self._lr_variable

    # Keras 2 / TF names.
    lr = learning_rate

    # -- counters and variables ------------------------------------------------------
    @property
    def iterations(self):
        """Steps taken (Variable). With gradient accumulation: applied updates (Tensor)."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.value()._value // self.gradient_accumulation_steps)
        return self._iterations

    @property
    def variables(self) -> list[Variable]:
        """All optimizer state, in Keras 3's order.

        ``iterations``, the learning rate, the EMA averages, the gradient
        accumulators, then the rule's slots in the order Keras' ``build`` creates them
        (e.g. Adam: each variable's momentum and velocity, then AMSGrad's
        velocity_hats; RMSprop: all velocities, then momentums, then average gradients).
        """
        out = [self._iterations]
        if self._lr_variable is not None and self._learning_rate is self._lr_variable:
            out.append(self._lr_variable)
        out += self._averages + self._accumulators
        if not self._per_variable_state:
            for group in self._slot_vars:
                out.extend(group)
            return out
        groups = self._slot_groups()
        listed = {name for group in groups for name in group}
        for group in groups:
            for keys, slots in zip(self._slot_keys, self._slot_vars):
                by_key = dict(zip(keys, slots))
                out.extend(by_key[name] for name in group if name in by_key)
        # Slots Keras does not name per variable (generic names) come last, as they were.
        for keys, slots in zip(self._slot_keys, self._slot_vars):
            out.extend(s for k, s in zip(keys, slots) if k not in listed and k not in self._shared)
        for name in self._shared:  # one Keras variable for all (Nadam's u_product)
            for keys, slots in zip(self._slot_keys, self._slot_vars):
                if name in keys:
                    out.append(slots[keys.index(name)])
                    break
        return out

    # Leaves held per variable by jtape that Keras holds once per optimizer; the first
    # variable's is listed in ``variables``.
    _shared: tuple[str, ...] = ()

    def build(self, var_list: Sequence[Variable]) -> None:
        """Create the state of ``var_list`` now (e.g. before restoring a checkpoint)."""
        var_list = list(var_list)
        for i, v in enumerate(var_list):
            if not isinstance(v, Variable):
                raise TypeError(
                    f"build: var_list[{i}] must be a jt.Variable, got {type(v).__name__}"
                )
        new = [v for v in var_list if id(v) not in self._index]
        if not new:
            self.built = True
            return
        if not self._per_variable_state and self._vars:
            raise ValueError(
                f"{self.name}: this optimizer was built for {len(self._vars)} variables; "
                "an optax transformation over the whole list cannot add variables later. "
                "Build it with every variable it will update."
            )
        with init_scope():
            values = [v._current() for v in new]
            tx = self._transform(
                jnp.asarray(self._placeholder_lr(), jnp.float32), jnp.ones([], _int_dtype())
            )
            if self._per_variable_state:
                states = [(v, tx.init(x)) for v, x in zip(new, values)]
            else:
                states = [(None, tx.init(values))]
            names = self._slot_leaf_names()
            for owner, st in states:
                leaves, treedef = jax.tree_util.tree_flatten(st)
                if names is None or len(names) != len(leaves):
                    keys = [f"slot_{k}" for k in range(len(leaves))]
                else:
                    keys = list(names)
                self._slot_defs.append(treedef)
                self._slot_keys.append(keys)
                self._slot_vars.append(
                    [
                        self._new_state(x, self._slot_path(owner, key, x))
                        for key, x in zip(keys, leaves)
                    ]
                )
            for v, x in zip(new, values):
                self._index[id(v)] = len(self._vars)
                self._vars.append(v)
                if self.gradient_accumulation_steps:
                    path = f"{self.name}/{_ref_key(v)}_gradient_accumulator"
                    self._accumulators.append(self._new_state(jnp.zeros_like(x), path))
                if self.use_ema:
                    self._averages.append(self._new_state(x, f"{self.name}/{_ref_key(v)}_average"))
        self.built = True
        on_new_state(self)  # a restore() that waits for these slots assigns them now

    @staticmethod
    def _new_state(value, path: str) -> Variable:
        # A Keras 3 optimizer variable: ``path`` as Keras names it ("adam/kern_0_momentum").
        var = Variable(_const(value), trainable=False, name=path)
        var._keras_path = path
        return var

    def _slot_path(self, owner, key: str, value) -> str:
        if owner is None:  # from_optax: one state over the whole list
            return f"{self.name}/{key}"
        return f"{self.name}/{_ref_key(owner)}_{key}"

    def _slot_leaf_names(self) -> tuple[str, ...] | None:
        """Keras' names of one variable's optax state leaves, in leaf order (None: generic)."""
        return None

    def _slot_groups(self) -> tuple[tuple[str, ...], ...]:
        """Keras' creation order of the slots: for each group, for each variable, its names."""
        names = self._slot_leaf_names()
        return (names,) if names else ()

    def _placeholder_lr(self) -> float:
        return 0.001

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt variables (or names matching any of ``var_names``) from ``weight_decay``.

        As in Keras 3 it may be called after the optimizer is built (Keras' "only
        before build" check never fires) and takes effect from the next step.
        """
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, var: Variable) -> bool:
        if id(var) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return not (pattern is not None and pattern.search(var.name) is not None)

    # -- applying gradients ----------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable, name=None, **kwargs):
        """Apply ``(gradient, variable)`` pairs; None gradients are skipped with a warning.

        Returns the ``iterations`` Variable. Bad input (a non-Variable, a gradient of
        the wrong shape or dtype, an empty list) raises before anything changes.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            raise ValueError(
                "apply_gradients: `grads_and_vars` is empty; expected (gradient, variable) "
                "pairs. Nothing was changed."
            )
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(
                    f"apply_gradients: grads_and_vars[{i}] must be a (gradient, variable) "
                    f"pair, got {type(pair).__name__}"
                )
        grads, variables = zip(*pairs)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads: Sequence, trainable_variables: Sequence[Variable] | None = None):
        """Apply ``grads`` to ``trainable_variables`` (default: the variables it was built on)."""
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            variables = list(self._vars)
        else:
            variables = list(trainable_variables)
        if not variables:
            raise ValueError("apply: the variable list is empty. Nothing was changed.")
        if len(grads) != len(variables):
            raise ValueError(
                f"apply: got {len(grads)} gradients for {len(variables)} variables; they "
                "must match one to one. Nothing was changed."
            )
        present = self._validate(grads, variables)
        # Inside strategy.run, per-replica gradients are summed first (TF's default).
        dense = [g for _, g in present if type(g) is not SparseGrad]
        summed = iter(sum_over_replicas(dense) if dense else ())
        present = [
            (v, _gather_replicas(g) if type(g) is SparseGrad else next(summed)) for v, g in present
        ]
        self.build(variables)
        self._run(present)
        self._apply_constraints(v for v, _ in present)

    @staticmethod
    def _apply_constraints(variables) -> None:
        # Keras: after the update, each updated variable with a `constraint` is replaced
        # by `constraint(variable)` (e.g. a non-negativity projection).
        constrained = [v for v in variables if getattr(v, "constraint", None) is not None]
        if not constrained:
            return
        with _no_recording():
            for v in constrained:
                v.assign(v.constraint(v))

    def minimize(self, loss, var_list, tape=None):
        """Compute gradients of ``loss`` for ``var_list`` and apply them (tf.keras 2 API).

        ``loss`` is a zero-argument callable, or a Tensor together with the ``tape``
        that recorded it. ``var_list`` may be a callable returning the list.
        """
        from .._tape import GradientTape

        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed.")
        tape = tape if tape is not None else GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def _validate(self, grads, variables) -> list[tuple[Variable, Any]]:
        seen: set[int] = set()
        present, missing = [], []
        for i, (g, v) in enumerate(zip(grads, variables)):
            if not isinstance(v, Variable):
                raise TypeError(
                    f"apply_gradients: variable {i} must be a jt.Variable, got "
                    f"{type(v).__name__}. Nothing was changed."
                )
            if id(v) in seen:
                raise ValueError(
                    f"apply_gradients: variable '{v.name}' appears twice. Nothing was changed."
                )
            seen.add(id(v))
            if not self._per_variable_state and self._vars and id(v) not in self._index:
                raise ValueError(
                    f"apply_gradients: unknown variable '{v.name}': this optimizer was built "
                    f"for {len(self._vars)} other variables. Nothing was changed."
                )
            if g is None:
                missing.append(v.name)
                continue
            if isinstance(g, IndexedSlices):
                present.append((v, self._sparse_value(i, g, v)))
                continue
            raw = g._value if type(g) is Tensor else to_value(g)
            cur = v._current()
            if raw.shape != cur.shape and tuple(raw.shape) != tuple(cur.shape):
                raise ValueError(
                    f"apply_gradients: gradient {i} has shape {tuple(raw.shape)} but variable "
                    f"'{v.name}' has shape {tuple(v.shape)}. Nothing was changed."
                )
            if raw.dtype != v._array.dtype:  # Keras casts the gradient to the variable's
                raw = jnp.real(raw).astype(v._array.dtype)
            present.append((v, raw))
        if not present:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss.",
                stacklevel=3,
            )
        return present

    def _sparse_value(self, i: int, g: IndexedSlices, v: Variable):
        """An IndexedSlices gradient as the step's ``SparseGrad`` (checked like a dense one)."""
        if not self._sparse_rule and self._per_variable_state:
            raise NotImplementedError(
                f"apply_gradients: gradient {i} (for variable '{v.name}') is a "
                f"tf.IndexedSlices, which {type(self).__name__} cannot apply as Keras does. "
                "Pass tf.convert_to_tensor(gradient) for a dense update. Nothing was changed."
            )
        if self.loss_scale_factor is not None:
            # Keras divides each gradient by the factor, which an IndexedSlices refuses.
            raise TypeError(
                f"apply_gradients: gradient {i} (for variable '{v.name}') is a "
                "tf.IndexedSlices, which `loss_scale_factor` cannot divide (as in Keras): "
                "unsupported operand type(s) for /: 'IndexedSlices' and 'float'"
            )
        values, indices = to_value(g.values), to_value(g.indices)
        shape = g._static_shape() or (v.shape[0], *values.shape[1:])
        if shape != tuple(v.shape) or tuple(values.shape[1:]) != tuple(v.shape[1:]):
            raise ValueError(
                f"apply_gradients: gradient {i} has shape {shape} (IndexedSlices rows of shape "
                f"{tuple(values.shape[1:])}) but variable '{v.name}' has shape "
                f"{tuple(v.shape)}. Nothing was changed."
            )
        if values.dtype != v.dtype:  # Keras casts the gradient to the variable's dtype
            values = jnp.real(values).astype(v._array.dtype)
        if not jnp.issubdtype(indices.dtype, jnp.integer):
            raise TypeError(
                f"apply_gradients: gradient {i}'s indices must be integers, got "
                f"{indices.dtype.name}. Nothing was changed."
            )
        return _transforms.SparseGrad(values, indices.reshape(-1))

    def _lr_input(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            return None  # computed from iterations inside the step
        if isinstance(lr, Variable):
            return lr._current()
        if callable(lr):
            return jnp.asarray(to_value(lr()), jnp.float32)
        return None

    def _run(self, present) -> None:
        index = self._index
        if self._per_variable_state:
            idx = tuple(index[id(v)] for v, _ in present)
            grads = [g for _, g in present]
            frozen = ()
        else:
            present = [(v, _dense(g, v)) for v, g in present]
            given = {index[id(v)]: g for v, g in present}
            idx = tuple(range(len(self._vars)))
            frozen = tuple(i for i in idx if i not in given)
            grads = [
                given[i] if i in given else jnp.zeros_like(self._vars[i]._current()) for i in idx
            ]
        decay = tuple(
            self.weight_decay is not None
            and i not in frozen
            and self._use_weight_decay(self._vars[i])
            for i in idx
        )
        static = (idx, decay, frozen)
        if current_frame() is None:  # eager: the arrays themselves
            params = list(map(_array_of, self._vars))
            slots = [list(map(_array_of, group)) for group in self._slot_vars]
            accums = list(map(_array_of, self._accumulators))
            averages = list(map(_array_of, self._averages))
            it = self._iterations._array
        else:
            params = [v._current() for v in self._vars]
            slots = [[s._current() for s in group] for group in self._slot_vars]
            accums = [a._current() for a in self._accumulators]
            averages = [a._current() for a in self._averages]
            it = self._iterations._current()
        lr = self._lr_input()
        traced = isinstance(it, jax.core.Tracer) or any(
            isinstance(g.values if type(g) is SparseGrad else g, jax.core.Tracer) for g in grads
        )
        fn = self._step if traced else self._jitted
        recorders = state.recorders
        if recorders:  # the update is not differentiable: keep it off every tape
            state.recorders = []
        try:
            new_params, new_slots, new_accums, new_avgs, new_it = fn(
                static, grads, params, slots, accums, averages, it, lr
            )
        finally:
            if recorders:
                state.recorders = recorders
        # Write back only what the step changed.
        touched = range(len(self._vars)) if self._overwrites_with_ema() else idx
        variables = [self._vars[i] for i in touched]
        values = list(new_params)
        slot_groups = idx if self._per_variable_state else (0,)
        for gi, group in zip(slot_groups, new_slots):
            variables.extend(self._slot_vars[gi])
            values.extend(group)
        variables.extend(self._accumulators)
        values.extend(new_accums)
        variables.extend(self._averages)
        values.extend(new_avgs)
        variables.append(self._iterations)
        values.append(new_it)
        write_arrays(variables, values)

    def _overwrites_with_ema(self) -> bool:
        return bool(self.use_ema and self.ema_overwrite_frequency)

    # -- the pure step ---------------------------------------------------------------
    def _step(self, static, grads, params, slots, accums, averages, it, lr):
        self._trace_count += 1
        idx, decay, frozen = static
        if lr is None:
            if isinstance(self._learning_rate, _schedules.LearningRateSchedule):
                lr = to_value(self._learning_rate(Tensor(it)))
            else:
                lr = jnp.asarray(self._placeholder_lr())
        lr = jnp.asarray(lr, jnp.float32)
        sel_params = [params[i] for i in idx]
        if self.loss_scale_factor is not None:
            grads = [g / jnp.asarray(self.loss_scale_factor, g.dtype) for g in grads]
        if self._per_variable_state:
            sel_slots = [self._unflatten(i, slots[i]) for i in idx]
        else:
            sel_slots = self._unflatten(0, slots[0])

        steps = self.gradient_accumulation_steps
        if steps:
            # Keras adds an IndexedSlices gradient into its dense accumulator.
            grads = [_dense(g, p) for g, p in zip(grads, sel_params)]
            is_update = (it + 1) % steps == 0

            def update_branch(_):
                mean = [(g + accums[i]) / steps for g, i in zip(grads, idx)]
                step = it // steps + 1  # Keras: `iterations` counts applied updates here
                p, s = self._update(mean, sel_params, sel_slots, lr, decay, frozen, step)
                return p, s, [jnp.zeros_like(a) for a in accums]

            def accumulate_branch(_):
                new_acc = list(accums)
                for g, i in zip(grads, idx):
                    new_acc[i] = accums[i] + g
                return list(sel_params), sel_slots, new_acc

            new_p, new_s, new_acc = jax.lax.cond(is_update, update_branch, accumulate_branch, None)
            it_eff = it // steps
        else:
            new_p, new_s = self._update(grads, sel_params, sel_slots, lr, decay, frozen, it + 1)
            new_acc = []
            it_eff = it

        new_avgs = []
        if self.use_ema:
            full = list(params)
            for i, x in zip(idx, new_p):
                full[i] = x
            new_avgs = []
            for a, x in zip(averages, full):
                m = jnp.asarray(it_eff != 0, x.dtype) * jnp.asarray(self.ema_momentum, x.dtype)
                new_avgs.append(m * a + (1 - m) * x)
            if self.ema_overwrite_frequency:
                overwrite = (it_eff + 1) % self.ema_overwrite_frequency == 0
                new_p = [jnp.where(overwrite, a, x) for a, x in zip(new_avgs, full)]

        if self._per_variable_state:
            out_slots = [jax.tree_util.tree_leaves(s) for s in new_s]
        else:
            out_slots = [jax.tree_util.tree_leaves(new_s)]
        return new_p, out_slots, new_acc, new_avgs, it + jnp.ones([], it.dtype)

    def _unflatten(self, i, leaves):
        return jax.tree_util.tree_unflatten(self._slot_defs[i], leaves)

    def _transform(self, lr, step) -> optax.GradientTransformation:
        return self.transform(lr, step) if self._shared_step else self.transform(lr)

    def _update(self, grads, params, slots, lr, decay, frozen, step):
        grads = self._clip(grads, params)
        if self.weight_decay is not None:
            params = [
                # Keras casts weight_decay to the variable's dtype through float32.
                p - p * jnp.asarray(np.float32(self.weight_decay), p.dtype) * lr.astype(p.dtype)
                if d
                else p
                for p, d in zip(params, decay)
            ]
        if self._per_variable_state:
            new_p, new_s = [], []
            for g, p, s in zip(grads, params, slots):
                if type(g) is SparseGrad:
                    with _transforms.sparse_update(g, p.shape[0]):
                        tx = self._transform(lr.astype(p.dtype), step)
                        u, s = tx.update(_dense(g, p), s, p)
                    new_p.append(optax.apply_updates(p, u))
                    new_s.append(s)
                    continue
                tx = self._transform(lr.astype(p.dtype), step)
                u, s = tx.update(g, s, p)
                new_p.append(optax.apply_updates(p, u))
                new_s.append(s)
            return new_p, new_s
        u, new_s = self._transform(lr, step).update(grads, slots, params)
        new_p = optax.apply_updates(params, u)
        new_p = [params[i] if i in frozen else x for i, x in enumerate(new_p)]
        return list(new_p), new_s

    def _clip(self, grads, params):
        densify = False
        if self.clipnorm and self.clipnorm > 0:
            tx = _transforms.clip_by_norm(self.clipnorm)
        elif self.global_clipnorm and self.global_clipnorm > 0:
            tx = optax.clip_by_global_norm(self.global_clipnorm)
            # Keras multiplies each gradient by a tensor: an IndexedSlices turns dense
            # (the rule then sees its summed rows).
            densify = True
        elif self.clipvalue and self.clipvalue > 0:
            tx = optax.clip(self.clipvalue)
        else:
            return grads
        # An IndexedSlices gradient is clipped by its slices, as Keras: its norm is that
        # of its values (repeats counted separately) and clipvalue clips each slice.
        flat = [g.values if type(g) is SparseGrad else g for g in grads]
        out, _ = tx.update(flat, tx.init(None))
        return [
            (_dense(g._replace(values=o), p) if densify else g._replace(values=o))
            if type(g) is SparseGrad
            else o
            for g, o, p in zip(grads, out, params)
        ]

    # -- EMA, loss scaling -----------------------------------------------------------
    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """With ``use_ema``, overwrite the variables with their moving averages."""
        if self.use_ema:
            for v in var_list:
                i = self._index.get(id(v))
                if i is None:
                    raise ValueError(f"finalize_variable_values: unknown variable '{v.name}'")
                v.assign(self._averages[i].value())

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (identity when it is None)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- config ----------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Name, learning rate (a float or a serialized schedule) and hyperparameters."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr_config: Any = _schedules.serialize(lr)
        elif isinstance(lr, Variable):
            lr_config = float(lr.numpy())
        else:
            lr_config = lr
        config = {"name": self.name, "learning_rate": lr_config}
        config.update({k: getattr(self, k) for k in _BASE_ARGS})
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        """A new optimizer (fresh state) from the dict that ``get_config`` returned."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(
                config["learning_rate"], custom_objects
            )
        return cls(**config)

    def __repr__(self) -> str:
        return f"<jt.optimizers.{type(self).__name__} name={self.name!r}>"


class OptaxOptimizer(Optimizer):
    """An arbitrary optax transformation with the Keras optimizer API (see :func:`from_optax`)."""

    _per_variable_state = False
    _keras_lr_rule = False  # jtape's own API: any scalar learning rate

    def __init__(self, tx: optax.GradientTransformation, learning_rate=None, **kwargs) -> None:
        if not (hasattr(tx, "init") and hasattr(tx, "update")):
            raise TypeError(
                f"from_optax: expected an optax GradientTransformation, got {type(tx).__name__}"
            )
        if kwargs.get("weight_decay") is not None and learning_rate is None:
            raise ValueError(
                "from_optax: `weight_decay` scales with the learning rate; pass "
                "`learning_rate` too, or put optax.add_decayed_weights in the chain."
            )
        self.tx = tx
        super().__init__(learning_rate=learning_rate, **kwargs)

    def transform(self, learning_rate) -> optax.GradientTransformation:
        return self.tx

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["tx"] = self.tx
        return config


def from_optax(tx: optax.GradientTransformation, **kwargs) -> Optimizer:
    """Wrap any optax transformation as a jtape optimizer (``apply_gradients``, Variables).

    The transformation sees the whole variable list as one pytree (a list), so
    global transforms like ``optax.clip_by_global_norm`` act globally, and carries
    its own learning rate. Keras arguments (``clipnorm``, ``use_ema``,
    ``gradient_accumulation_steps``, ...) may be added. A variable whose gradient
    is None gets a zero gradient and keeps its value (its optax state still
    advances, unlike the Keras optimizers, which skip it).

    Example:
        >>> import jtape as jt, optax
        >>> v = jt.Variable([1.0, -1.0])
        >>> opt = jt.optimizers.from_optax(optax.sgd(0.5))
        >>> _ = opt.apply_gradients([(jt.constant([1.0, 1.0]), v)])
        >>> v.numpy().tolist()
        [0.5, -1.5]
    """
    return OptaxOptimizer(tx, **kwargs)


def _dense(g, param):
    """A gradient for ``param`` as a dense array (an IndexedSlices' repeated rows added)."""
    if type(g) is SparseGrad:
        return _transforms.segment_sum(g.values, g.indices, param.shape[0])
    return g


def _gather_replicas(g: SparseGrad) -> SparseGrad:
    # Inside strategy.run TF all-reduces IndexedSlices by concatenating every
    # replica's slices; gathering them keeps Keras' per-slice rules.
    ctx = _local.replica_contexts[-1] if _local.replica_contexts else None
    if ctx is None or ctx._axis is None:
        return g
    return SparseGrad(*(jax.lax.all_gather(x, ctx._axis, tiled=True) for x in g))


def _const(x):
    return lambda: x


def _ref_key(var: Variable) -> str:
    """Keras' prefix of a slot's name: the weight's path ("dense_kernel"), else its name."""
    path = var.__dict__.get("_keras_path")
    if path is not None:
        return path.replace("/", "_")
    return var.name.replace("/", "_").replace(":", "_")


def _float_lr(lr) -> float:
    if isinstance(lr, bool):
        raise ValueError(f"Argument `learning_rate` should be float; received {lr!r}")
    if isinstance(lr, (int, float, np.integer, np.floating)):
        return float(lr)
    if isinstance(lr, (Tensor, Variable, np.ndarray, jax.Array)) and np.ndim(lr) == 0:
        return float(np.asarray(lr))
    raise ValueError(_LR_MESSAGE + f"Received instead: learning_rate={lr!r}")


_LR_MESSAGE = (
    "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
    "or a callable (that takes in the current iteration value and returns the "
    "corresponding learning rate value). "
)


_name_counts: dict[str, int] = {}


def _default_name(cls_name: str) -> str:
    # Keras' ``to_snake_case``: "AdamW" -> "adam_w", "RMSprop" -> "rm_sprop".
    snake = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", cls_name))
    snake = re.sub(r"([a-z])([A-Z])", r"\1_\2", snake).lower()
    n = _name_counts.get(snake, 0)
    _name_counts[snake] = n + 1
    return snake if n == 0 else f"{snake}_{n}"
