"""``LossScaleOptimizer``: dynamic loss scaling for float16 training (Keras 3's).

float16 gradients underflow to zero below ~6e-8. Multiplying the loss by a large
scale before differentiating lifts them into range; the wrapper divides the gradients
by the same scale before the inner optimizer sees them. The scale adapts: a step
whose gradients hold an inf or NaN is skipped (no weight or inner-state change) and
halves the scale; after ``dynamic_growth_steps`` finite steps in a row it doubles.

Both outcomes are computed as values, so inside ``jt.function`` a step compiles to one
program with no Python branch on device data: the inner update runs and its results
are kept or dropped by a select on "all gradients finite".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp

from .._indexed_slices import IndexedSlices
from .._tensor import Tensor, to_value
from .._variable import Variable, init_scope
from ..distribute._context import sum_over_replicas
from ._base import Optimizer, _int_dtype, _no_recording

# Keras refuses these on the wrapper: they belong on the inner optimizer.
_INNER_ONLY = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Wrap ``inner_optimizer`` with dynamic loss scaling (``keras.mixed_precision``'s).

    In a custom loop, scale the loss inside the tape and pass the (scaled) gradients
    to ``apply_gradients``, which unscales them (Keras 3). ``Model.compile`` wraps
    the optimizer in one itself when the model's policy is ``"mixed_float16"``.

    Keras 2's ``get_scaled_loss``/``get_unscaled_gradients`` are kept for tf.keras 2
    scripts (Keras 3 removed them): gradients returned by ``get_unscaled_gradients``
    are not divided a second time by ``apply_gradients``.

    Example:
        >>> import jtape as jt
        >>> opt = jt.optimizers.LossScaleOptimizer(jt.optimizers.SGD(0.1), initial_scale=8.0)
        >>> w = jt.Variable([1.0])
        >>> with jt.GradientTape() as tape:
        ...     loss = opt.scale_loss(jt.sum(w * w))
        >>> _ = opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        >>> w.numpy().tolist(), float(opt.dynamic_scale)
        ([0.800000011920929], 8.0)
        >>> _ = opt.apply_gradients([(jt.constant([float("inf")]), w)])  # skipped
        >>> w.numpy().tolist(), float(opt.dynamic_scale)
        ([0.800000011920929], 4.0)
    """

    def __init__(
        self,
        inner_optimizer: Optimizer,
        initial_scale: float = 2.0**15,
        dynamic_growth_steps: int = 2000,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for arg, default in _INNER_ONLY.items():
            if arg in kwargs:
                value = kwargs.pop(arg)
                if (default is None and value is not None) or value != default:
                    raise ValueError(
                        f"LossScaleOptimizer does not support `{arg}`. Instead, set `{arg}` "
                        "on the `inner_optimizer`."
                    )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer: `inner_optimizer` must be a jt.optimizers.Optimizer, got "
                f"{type(inner_optimizer).__name__}"
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        inner_optimizer.loss_scale_factor = None
        # Created now rather than in build (as Keras does), so that a step traced before
        # the first build already reads the scale from its Variable.
        with init_scope():
            self.step_counter = Variable(
                lambda: jnp.zeros([], _int_dtype()),
                trainable=False,
                name=f"{self.name}/step_counter",
            )
            self.dynamic_scale = Variable(
                lambda: jnp.asarray(initial_scale, jnp.float32),
                trainable=False,
                name=f"{self.name}/dynamic_scale",
            )
        self._legacy_unscaled: list = []

    # -- state -------------------------------------------------------------------------
    def build(self, var_list: Sequence[Variable]) -> None:
        self.inner_optimizer.build(var_list)
        self.built = True

    @property
    def variables(self) -> list[Variable]:
        """Own state (iterations, learning rate, step counter, scale), then the inner's."""
        own = [self._iterations, self._lr_variable, self.step_counter, self.dynamic_scale]
        return own + self.inner_optimizer.variables

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        self.inner_optimizer.learning_rate = learning_rate

    lr = learning_rate

    @property
    def iterations(self):
        """The inner optimizer's steps (skipped steps do not count)."""
        return self.inner_optimizer.iterations

    @property
    def dynamic(self) -> bool:
        """Always True (Keras 2's attribute; Keras 3 scales dynamically only)."""
        return True

    @property
    def loss_scale(self) -> Tensor:
        """The current scale (Keras 2's name for ``dynamic_scale``)."""
        return self.dynamic_scale.value()

    @property
    def dynamic_counter(self) -> Variable:
        """Finite steps since the scale last changed (Keras 2's name for ``step_counter``)."""
        return self.step_counter

    # -- scaling -----------------------------------------------------------------------
    def scale_loss(self, loss):
        """``loss * dynamic_scale``; a half-precision loss is promoted to float32 first."""
        from .._math_ops import cast

        loss = loss if isinstance(loss, Tensor) else Tensor(to_value(loss))
        if loss.dtype in (jnp.float16, jnp.bfloat16):
            loss = cast(loss, jnp.float32)
        scale = self.dynamic_scale.value()
        return loss * (scale if loss.dtype == scale.dtype else cast(scale, loss.dtype))

    def get_scaled_loss(self, loss):
        """Keras 2: ``scale_loss``; a callable ``loss`` gives a callable."""
        if callable(loss) and not isinstance(loss, Tensor):
            return lambda: self.scale_loss(loss())
        return self.scale_loss(loss)

    def get_unscaled_gradients(self, grads: Sequence) -> list:
        """Keras 2: ``grads / dynamic_scale`` (None stays None).

        ``apply_gradients`` recognizes these very tensors and does not unscale again.
        """
        scale = self.dynamic_scale._current()
        out = [None if g is None else Tensor(_divide(to_value(g), scale)) for g in grads]
        self._legacy_unscaled = [g for g in out if g is not None]
        return out

    # -- applying ----------------------------------------------------------------------
    def apply(self, grads: Sequence, trainable_variables: Sequence[Variable] | None = None):
        """Unscale ``grads`` and apply them if all are finite; update the scale.

        A non-finite step changes nothing but the scale (halved) and the counter.
        """
        inner = self.inner_optimizer
        grads = list(grads)
        if trainable_variables is None:
            variables = list(inner._vars)
            if not variables:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
        else:
            variables = list(trainable_variables)
        legacy = self._legacy_unscaled
        self._legacy_unscaled = []
        already_unscaled = bool(legacy) and all(
            any(g is h for h in legacy) for g in grads if g is not None
        )
        # An IndexedSlices stays one (Keras divides its values), so the inner rule sees it.
        raw = [g if g is None or isinstance(g, IndexedSlices) else to_value(g) for g in grads]
        present = [_values(g) for g in raw if g is not None]
        if not present:
            raise ValueError("No gradients provided for any variable.")
        self.build(variables)

        with _no_recording():
            finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in present]))
            # Inside strategy.run every replica must take the same decision.
            bad = sum_over_replicas([jnp.logical_not(finite).astype(jnp.float32)])[0]
            finite = bad == 0
            scale = self.dynamic_scale._current()
            if not already_unscaled:
                raw = [None if g is None else _divide(g, scale) for g in raw]
            unscaled = [g if g is None or isinstance(g, IndexedSlices) else Tensor(g) for g in raw]

            concrete = not _is_tracer(finite)
            if concrete and not bool(finite):
                pass  # eagerly, a skipped step never runs the inner update
            elif concrete:
                inner.apply(unscaled, variables)
            else:
                kept = [(v, v._current()) for v in [*inner.variables, *variables]]
                inner.apply(unscaled, variables)
                for v, old in kept:
                    new = v._current()
                    if new is not old:
                        chosen = jnp.where(finite, new, old)
                        v._write(chosen, chosen)
            self._update_scale(finite)

    def _update_scale(self, finite) -> None:
        counter = self.step_counter._current()
        scale = self.dynamic_scale._current()
        grow = counter == self.dynamic_growth_steps - 1
        new_counter = jnp.where(finite & ~grow, counter + 1, jnp.zeros_like(counter))
        factor = jnp.where(finite, jnp.where(grow, 2.0, 1.0), 0.5).astype(scale.dtype)
        new_scale = scale * factor
        self.step_counter._write(new_counter, new_counter)
        self.dynamic_scale._write(new_scale, new_scale)

    def minimize(self, loss, var_list, tape=None):
        """As ``Optimizer.minimize``, with the loss scaled: a callable ``loss`` is required."""
        if not callable(loss):
            raise ValueError(
                "LossScaleOptimizer.minimize: pass `loss` as a zero-argument callable, so it "
                "can be scaled while it is recorded; with a Tensor loss, scale it with "
                "`scale_loss` inside the tape and call `apply_gradients`."
            )
        return super().minimize(lambda: self.scale_loss(loss()), var_list, tape)

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    # -- config ------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        from ._registry import serialize

        return {
            "name": self.name,
            "inner_optimizer": serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        from ._registry import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)


def _divide(g, scale):
    if isinstance(g, IndexedSlices):
        values = Tensor(_values(g) / scale.astype(_values(g).dtype))
        return IndexedSlices(values, g.indices, g.dense_shape, _static_shape=g._static_shape())
    return g / scale.astype(g.dtype)


def _values(g):
    """The raw array of a gradient (an IndexedSlices' values)."""
    return to_value(g.values) if isinstance(g, IndexedSlices) else g


def _is_tracer(x) -> bool:
    import jax

    return isinstance(x, jax.core.Tracer)
