"""Learning-rate schedules with Keras' names, arguments and step counting.

A schedule maps the optimizer's step (its ``iterations`` before the update, starting
at 0) to a learning rate. The built-ins compute with ``jax.numpy`` so they trace into
the optimizer's compiled update; where an optax schedule computes the same function
it is used as is (``ExponentialDecay``, ``PolynomialDecay`` without ``cycle``,
``CosineDecay`` with or without warmup).
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
import optax

from .._tensor import Tensor, to_value


class LearningRateSchedule:
    """Base class of learning-rate schedules (``keras.optimizers.schedules.LearningRateSchedule``).

    Subclasses implement ``__call__(step)`` (jtape ops or ``jax.numpy`` on ``step``) and
    ``get_config()``. The built-ins implement ``_value(step)`` on raw arrays instead.
    """

    def __call__(self, step) -> Tensor:
        step = to_value(step)
        return Tensor(jnp.asarray(self._value(step), jnp.float32))

    def _value(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a dict that ``from_config`` accepts."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()`."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]):
        """A new schedule from the dict that ``get_config`` returned."""
        return cls(**config)


def _check_steps(name: str, value) -> None:
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


def _f32(step):
    return jnp.asarray(step).astype(jnp.float32)


def _floor_div(x, d):
    """``floor(x / d)`` exactly at multiples of ``d``.

    Under ``jit`` XLA turns a division by a constant into a multiplication by its
    rounded reciprocal, so ``floor(21 / 7)`` can come out 2 (or ``ceil`` 4); one
    correction step restores the exact quotient (integral steps, below 2**24).
    """
    q = jnp.floor(x / d)
    q = jnp.where(q * d > x, q - 1, q)
    return jnp.where((q + 1) * d <= x, q + 1, q)


def _ceil_div(x, d):
    return -_floor_div(-x, d)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored with ``staircase``).

    Example:
        >>> import jtape as jt
        >>> s = jt.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> round(float(s(10)), 6)
        0.05
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ) -> None:
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        self._fn = optax.exponential_decay(initial_learning_rate, decay_steps, decay_rate)

    def _value(self, step):
        if self.staircase:
            p = _floor_div(_f32(step), self.decay_steps)
            return self.initial_learning_rate * jnp.power(self.decay_rate, p)
        return self._fn(_f32(step))

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``.

    The boundary step itself still gets the earlier value (Keras/TF); optax's
    ``piecewise_constant_schedule`` switches *at* the boundary and takes scales, not
    values, so this one is computed directly.

    Example:
        >>> import jtape as jt
        >>> s = jt.optimizers.schedules.PiecewiseConstantDecay([10], [1.0, 0.5])
        >>> float(s(10)), float(s(11))
        (1.0, 0.5)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def _value(self, step):
        # Number of boundaries strictly below `step` indexes the value.
        bounds = jnp.asarray(self.boundaries, dtype=jnp.float32)
        idx = jnp.sum(_f32(step) > bounds)
        return jnp.asarray(self.values, jnp.float32)[idx]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, optionally cycling.

    Example:
        >>> import jtape as jt
        >>> s = jt.optimizers.schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0)
        >>> round(float(s(5)), 6)
        0.05
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ) -> None:
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        self._fn = optax.polynomial_schedule(
            initial_learning_rate, end_learning_rate, power, decay_steps
        )

    def _value(self, step):
        step = _f32(step)
        if not self.cycle:
            return self._fn(step)
        # Keras: decay over the first multiple of decay_steps above step (1 at step 0).
        mult = jnp.where(step == 0, 1.0, _ceil_div(step, self.decay_steps))
        p = step / (self.decay_steps * mult)
        init, end = self.initial_learning_rate, self.end_learning_rate
        return (init - end) * jnp.power(1 - p, self.power) + end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``. No optax counterpart.

    Example:
        >>> import jtape as jt
        >>> s = jt.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0)
        >>> round(float(s(10)), 6)
        0.05
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ) -> None:
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _value(self, step):
        if self.staircase:
            p = _floor_div(_f32(step), self.decay_steps)
        else:
            p = _f32(step) / self.decay_steps
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class CosineDecay(LearningRateSchedule):
    """Cosine decay to ``alpha * lr`` over ``decay_steps``, after an optional linear warmup.

    With ``warmup_target``, the rate rises linearly from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then decays from ``warmup_target`` over
    ``decay_steps`` *more* steps (Keras); optax's ``warmup_cosine_decay_schedule``
    counts the warmup inside its ``decay_steps``, which this class accounts for.

    Example:
        >>> import jtape as jt
        >>> s = jt.optimizers.schedules.CosineDecay(0.1, decay_steps=10)
        >>> round(float(s(5)), 6)
        0.05
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ) -> None:
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps
        if warmup_target is None:
            self._fn = optax.cosine_decay_schedule(initial_learning_rate, decay_steps, alpha)
        else:
            self._fn = optax.warmup_cosine_decay_schedule(
                init_value=initial_learning_rate,
                peak_value=warmup_target,
                warmup_steps=warmup_steps,
                decay_steps=warmup_steps + decay_steps,
                end_value=alpha * warmup_target,
            )

    def _value(self, step):
        return self._fn(_f32(step))

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter): periods grow by ``t_mul``.

    Each restart scales the peak by ``m_mul``. optax's ``sgdr_schedule`` takes an explicit
    list of periods instead, so this is computed directly (Keras' closed form).

    Example:
        >>> import jtape as jt
        >>> s = jt.optimizers.schedules.CosineDecayRestarts(0.1, first_decay_steps=10)
        >>> round(float(s(10)), 6)  # first restart
        0.1
    """

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ) -> None:
        _check_steps("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def _value(self, step):
        step = _f32(step)
        first = self.first_decay_steps
        frac = step / first
        t_mul, m_mul = self._t_mul, self._m_mul
        if t_mul == 1.0:
            i_restart = _floor_div(step, first)
            frac = (step - i_restart * first) / first
        else:
            i_restart = jnp.floor(jnp.log(1.0 - frac * (1.0 - t_mul)) / math.log(t_mul))

            def start(i):  # first step of period i
                return first * (1.0 - jnp.power(t_mul, i)) / (1.0 - t_mul)

            # Exact at the restart steps, whatever the rounding of the logs (see _floor_div).
            i_restart = jnp.where(start(i_restart) > step, i_restart - 1, i_restart)
            i_restart = jnp.where(start(i_restart + 1) <= step, i_restart + 1, i_restart)
            sum_r = (1.0 - jnp.power(t_mul, i_restart)) / (1.0 - t_mul)
            frac = (frac - sum_r) / jnp.power(t_mul, i_restart)
        cosine = 0.5 * jnp.power(m_mul, i_restart) * (1.0 + jnp.cos(math.pi * frac))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


_SCHEDULES = {
    c.__name__: c
    for c in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """Keras' form ``{"module", "class_name", "config", "registered_name"}`` (its ``serialize``)."""
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any], custom_objects: dict | None = None):
    """Inverse of :func:`serialize`."""
    table = dict(_SCHEDULES, **(custom_objects or {}))
    name = config.get("class_name")
    if name not in table:
        raise ValueError(f"Unknown learning rate schedule: {name!r}; known: {sorted(table)}")
    return table[name].from_config(config["config"])
