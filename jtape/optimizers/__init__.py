"""Keras' optimizer family on optax, with state in Variables (``jt.optimizers``).

Every optimizer is an optax ``GradientTransformation`` plus Keras 3's API
(``apply_gradients``, ``minimize``, schedules, clipping, EMA, gradient accumulation).
``from_optax`` wraps any optax transformation the same way.
"""

from . import legacy as legacy
from . import schedules as schedules
from ._base import OptaxOptimizer as OptaxOptimizer
from ._base import Optimizer as Optimizer
from ._base import from_optax as from_optax
from ._family import SGD as SGD
from ._family import Adadelta as Adadelta
from ._family import Adafactor as Adafactor
from ._family import Adagrad as Adagrad
from ._family import AdagradDA as AdagradDA
from ._family import Adam as Adam
from ._family import Adamax as Adamax
from ._family import AdamW as AdamW
from ._family import Ftrl as Ftrl
from ._family import GradientDescent as GradientDescent
from ._family import Lamb as Lamb
from ._family import Lion as Lion
from ._family import Nadam as Nadam
from ._family import ProximalAdagrad as ProximalAdagrad
from ._family import ProximalGradientDescent as ProximalGradientDescent
from ._family import RMSprop as RMSprop
from ._loss_scale import LossScaleOptimizer as LossScaleOptimizer
from ._registry import deserialize as deserialize
from ._registry import get as get
from ._registry import serialize as serialize
