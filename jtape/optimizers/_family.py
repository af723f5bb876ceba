"""The Keras 3 optimizer family and TensorFlow 1.x's legacy names, each one optax transformation.

Every class takes Keras' rule arguments (same names, order and defaults) plus the
common ones of :class:`~jtape.optimizers.Optimizer` (``weight_decay``, ``clipnorm``,
``use_ema``, ...) as keywords. ``transform(lr)`` returns the optax transformation of
one variable's update; optax's own rule is used wherever it matches Keras.
"""

from __future__ import annotations

import numpy as np
import optax

from . import _transforms as T
from ._base import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum (``keras.optimizers.SGD``).

    Keras keeps the learning rate inside the velocity (``m = momentum * m - lr * g``),
    unlike ``optax.sgd``, which scales the velocity; the two differ once the rate changes.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(1.0)
        >>> opt = jt.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     _ = opt.apply_gradients([(jt.constant(1.0), v)])
        >>> round(float(v), 4)  # 1 - 0.1 - (0.9 * 0.1 + 0.1)
        0.71
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("momentum", "nesterov")

    def __init__(
        self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_leaf_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def transform(self, learning_rate):
        if self.momentum == 0:
            return optax.sgd(learning_rate)
        return T.keras_momentum(learning_rate, self.momentum, self.nesterov)


class GradientDescent(SGD):
    """Plain gradient descent ``p -= lr * g`` (TF 1.x ``GradientDescentOptimizer``).

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(1.0)
        >>> _ = jt.optimizers.GradientDescent(0.5).apply_gradients([(jt.constant(1.0), v)])
        >>> float(v)
        0.5
    """

    _keras_lr_rule = False  # TF 1.x takes any scalar learning rate

    _config_keys = ()

    def __init__(self, learning_rate=0.01, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)


class Adam(Optimizer):
    """Adam (``keras.optimizers.Adam``), with Keras' ``epsilon`` ("epsilon hat", default 1e-7).

    Keras adds ``epsilon`` to ``sqrt(v)`` before bias correction; optax after it, so
    the same number gives a different rule. ``amsgrad`` keeps the max of the raw ``v``.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(1.0)
        >>> _ = jt.optimizers.Adam(learning_rate=0.1).apply_gradients([(jt.constant(2.0), v)])
        >>> round(float(v), 5)  # first Adam step moves by ~lr
        0.9
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    _shared_step = True

    def _slot_leaf_names(self):
        return ("momentum", "velocity") + (("velocity_hat",) if self.amsgrad else ())

    def _slot_groups(self):
        return (("momentum", "velocity"),) + ((("velocity_hat",),) if self.amsgrad else ())

    def transform(self, learning_rate, step=None):
        return optax.chain(
            T.scale_by_keras_adam(self.beta_1, self.beta_2, self.epsilon, self.amsgrad, step),
            optax.scale_by_learning_rate(learning_rate),
        )


class AdamW(Adam):
    """Adam with decoupled weight decay, default 0.004 (``keras.optimizers.AdamW``).

    ``p -= p * weight_decay * lr`` before the Adam step, as Keras; ``optax.adamw``
    computes the same update but defaults to ``weight_decay=1e-4``.

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.AdamW().weight_decay
        0.004
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs,
    ) -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            weight_decay=weight_decay,
            **kwargs,
        )


class Adagrad(Optimizer):
    """Adagrad (``keras.optimizers.Adagrad``): ``optax.adagrad`` with Keras' defaults.

    Accumulator starts at ``initial_accumulator_value`` (0.1); step ``lr g / sqrt(acc + eps)``.

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.Adagrad().initial_accumulator_value
        0.1
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("initial_accumulator_value", "epsilon")

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_leaf_names(self):
        return ("accumulator",)

    def transform(self, learning_rate):
        # Keras' Constant initializer casts the starting value through float32.
        init = float(np.float32(self.initial_accumulator_value))
        if T.sparse_active():
            return T.sparse_adagrad(learning_rate, init, self.epsilon)
        return optax.adagrad(learning_rate, init, self.epsilon)


class RMSprop(Optimizer):
    """RMSprop (``keras.optimizers.RMSprop``), optionally centered and with momentum.

    optax's ``scale_by_rms``/``scale_by_stddev`` compute Keras' ``g / sqrt(v + eps)``;
    momentum then follows Keras (learning rate inside the velocity).

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.RMSprop(centered=True).get_config()["centered"]
        True
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _slot_leaf_names(self):
        rms = ("average_gradient", "velocity") if self.centered else ("velocity",)
        return rms + (("momentum",) if self.momentum > 0 else ())

    def _slot_groups(self):
        groups = [("velocity",)]
        if self.momentum > 0:
            groups.append(("momentum",))
        if self.centered:
            groups.append(("average_gradient",))
        return tuple(groups)

    def transform(self, learning_rate):
        if T.sparse_active():
            rms = T.sparse_scale_by_rms(self.rho, self.epsilon, self.centered)
        else:
            scale = optax.scale_by_stddev if self.centered else optax.scale_by_rms
            rms = scale(decay=self.rho, eps=self.epsilon, initial_scale=0.0)
        if self.momentum > 0:
            # Keras: m = momentum * m + lr * g / sqrt(...); p -= m.
            return optax.chain(rms, T.keras_rms_momentum(learning_rate, self.momentum))
        return optax.chain(rms, optax.scale_by_learning_rate(learning_rate))


class Adadelta(Optimizer):
    """Adadelta (``keras.optimizers.Adadelta``): ``optax.adadelta`` with Keras' defaults.

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.Adadelta().rho
        0.95
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("rho", "epsilon")

    def __init__(
        self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-7, **kwargs
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _slot_leaf_names(self):
        return ("accumulated_grad", "accumulated_delta_var")

    def transform(self, learning_rate):
        if T.sparse_active():
            return T.sparse_adadelta(learning_rate, self.rho, self.epsilon)
        return optax.adadelta(learning_rate, rho=self.rho, eps=self.epsilon)


class Adamax(Optimizer):
    """Adamax (``keras.optimizers.Adamax``); Keras adds ``epsilon`` outside the max norm.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(1.0)
        >>> _ = jt.optimizers.Adamax(learning_rate=0.1).apply_gradients([(jt.constant(3.0), v)])
        >>> round(float(v), 5)
        0.9
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    _shared_step = True

    def _slot_leaf_names(self):
        return ("momentum", "norm")

    def transform(self, learning_rate, step=None):
        return optax.chain(
            T.scale_by_keras_adamax(self.beta_1, self.beta_2, self.epsilon, step),
            optax.scale_by_learning_rate(learning_rate),
        )


class Nadam(Optimizer):
    """Nadam (``keras.optimizers.Nadam``) with Dozat's momentum schedule (optax's has none).

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.Nadam().epsilon
        1e-07
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    _shared_step = True

    # Keras keeps one ``u_product`` for the optimizer; jtape one per variable (equal
    # while every variable gets its gradient each step), listed once, last, as Keras.
    _shared = ("u_product",)

    def _slot_leaf_names(self):
        return ("u_product", "momentum", "velocity")

    def _slot_groups(self):
        return (("momentum", "velocity"),)

    def _slot_path(self, owner, key, value):
        # Keras leaves it unnamed: "<optimizer>/variable" plus a process-wide counter.
        if key == "u_product":
            return f"{self.name}/variable"
        return super()._slot_path(owner, key, value)

    def transform(self, learning_rate, step=None):
        return optax.chain(
            T.scale_by_keras_nadam(self.beta_1, self.beta_2, self.epsilon, step),
            optax.scale_by_learning_rate(learning_rate),
        )


class Ftrl(Optimizer):
    """FTRL-proximal (``keras.optimizers.Ftrl``), with Keras' arguments. No optax counterpart.

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.Ftrl(l1_regularization_strength=0.01).learning_rate_power
        -0.5
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = (
        "learning_rate_power",
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
        "l2_shrinkage_regularization_strength",
        "beta",
    )

    def __init__(
        self,
        learning_rate=0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        for arg, value in (
            ("initial_accumulator_value", initial_accumulator_value),
            ("l1_regularization_strength", l1_regularization_strength),
            ("l2_regularization_strength", l2_regularization_strength),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
        ):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(
                "`learning_rate_power` needs to be negative or zero. Received: "
                f"learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_leaf_names(self):
        return ("accumulator", "linear")

    def transform(self, learning_rate):
        return T.ftrl(
            learning_rate,
            self.learning_rate_power,
            self.initial_accumulator_value,
            self.l1_regularization_strength,
            self.l2_regularization_strength,
            self.l2_shrinkage_regularization_strength,
            self.beta,
        )


class Lion(Optimizer):
    """Lion (``keras.optimizers.Lion``): ``optax.lion`` without its default weight decay.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(1.0)
        >>> _ = jt.optimizers.Lion(learning_rate=0.1).apply_gradients([(jt.constant(5.0), v)])
        >>> round(float(v), 5)  # moves by exactly lr * sign(...)
        0.9
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("beta_1", "beta_2")

    def __init__(
        self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.99, **kwargs
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _slot_leaf_names(self):
        return ("momentum",)

    def transform(self, learning_rate):
        # optax.lion's rule without its step count (Keras keeps none) or weight decay.
        return optax.chain(
            T.scale_by_keras_lion(self.beta_1, self.beta_2),
            optax.scale_by_learning_rate(learning_rate),
        )


class Adafactor(Optimizer):
    """Adafactor as Keras implements it (``keras.optimizers.Adafactor``), not ``optax.adafactor``.

    The step is ``min(lr, 1/sqrt(t))`` whatever ``relative_step`` says, as in Keras 3.

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.Adafactor().beta_2_decay
        -0.8
    """

    _config_keys = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")

    def __init__(
        self,
        learning_rate=0.001,
        beta_2_decay: float = -0.8,
        epsilon_1: float = 1e-30,
        epsilon_2: float = 1e-3,
        clip_threshold: float = 1.0,
        relative_step: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    _shared_step = True

    def _slot_leaf_names(self):
        return ("r", "c", "velocity")

    def _slot_path(self, owner, key, value):
        if key in ("r", "c"):  # Keras names them after the variable itself
            return f"{self.name}/{owner.name}"
        return super()._slot_path(owner, key, value)

    def transform(self, learning_rate, step=None):
        return T.keras_adafactor(
            learning_rate,
            self.beta_2_decay,
            self.epsilon_1,
            self.epsilon_2,
            self.clip_threshold,
            step,
        )


class Lamb(Optimizer):
    """LAMB (``keras.optimizers.Lamb``), with Keras' ``epsilon`` default 1e-7.

    The trust ratio uses the weights after Keras' ``weight_decay`` (if any). Unlike
    ``optax.lamb`` the bias correction counts the optimizer's steps, not each variable's.

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.Lamb().epsilon
        1e-07
    """

    _sparse_rule = True  # applies IndexedSlices gradients as Keras does

    _config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    _shared_step = True

    def _slot_leaf_names(self):
        return ("momentum", "velocity")

    def transform(self, learning_rate, step=None):
        return T.keras_lamb(learning_rate, self.beta_1, self.beta_2, self.epsilon, step)


class ProximalGradientDescent(Optimizer):
    """Proximal gradient descent with L1/L2 (TF 1.x ``ProximalGradientDescentOptimizer``).

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable(0.05)
        >>> opt = jt.optimizers.ProximalGradientDescent(0.1, l1_regularization_strength=1.0)
        >>> _ = opt.apply_gradients([(jt.constant(0.0), v)])
        >>> float(v)  # soft-thresholded to exactly zero
        0.0
    """

    _keras_lr_rule = False  # TF 1.x takes any scalar learning rate

    _config_keys = ("l1_regularization_strength", "l2_regularization_strength")

    def __init__(
        self,
        learning_rate=0.01,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength

    def transform(self, learning_rate):
        return T.proximal_gradient_descent(
            learning_rate, self.l1_regularization_strength, self.l2_regularization_strength
        )


class ProximalAdagrad(Optimizer):
    """Proximal Adagrad (TF 1.x ``ProximalAdagradOptimizer``); accumulator starts at 0.1.

    Example:
        >>> import jtape as jt
        >>> jt.optimizers.ProximalAdagrad(0.1).initial_accumulator_value
        0.1
    """

    _keras_lr_rule = False  # TF 1.x takes any scalar learning rate

    _config_keys = (
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
    )

    def __init__(
        self,
        learning_rate=0.01,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if initial_accumulator_value <= 0.0:
            raise ValueError(
                f"initial_accumulator_value must be positive: {initial_accumulator_value}"
            )
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength

    def transform(self, learning_rate):
        return T.proximal_adagrad(
            learning_rate,
            self.initial_accumulator_value,
            self.l1_regularization_strength,
            self.l2_regularization_strength,
        )


class AdagradDA(Optimizer):
    """Adagrad dual averaging (TF 1.x ``AdagradDAOptimizer``).

    TF passes a ``global_step`` tensor; jtape uses the optimizer's own step count
    (``iterations + 1`` at each update), which is what TF sees when that tensor is
    the step incremented by ``apply_gradients``.

    Example:
        >>> import jtape as jt
        >>> v = jt.Variable([1.0, 2.0])
        >>> opt = jt.optimizers.AdagradDA(3.0)
        >>> _ = opt.apply_gradients([(jt.constant([0.1, 0.2]), v)])
        >>> [round(x, 5) for x in v.numpy().tolist()]  # TF's own unit test values
        [-0.90453, -1.60357]
    """

    _keras_lr_rule = False  # TF 1.x takes any scalar learning rate

    _config_keys = (
        "initial_gradient_squared_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
    )

    def __init__(
        self,
        learning_rate=0.001,
        initial_gradient_squared_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError(
                "initial_gradient_squared_accumulator_value must be positive: "
                f"{initial_gradient_squared_accumulator_value}"
            )
        self.initial_gradient_squared_accumulator_value = initial_gradient_squared_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength

    _shared_step = True

    def transform(self, learning_rate, step=None):
        return T.adagrad_da(
            learning_rate,
            self.initial_gradient_squared_accumulator_value,
            self.l1_regularization_strength,
            self.l2_regularization_strength,
            step,
        )
