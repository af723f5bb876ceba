"""Learning-rate schedules (``keras.optimizers.schedules``)."""

from ._schedules import CosineDecay as CosineDecay
from ._schedules import CosineDecayRestarts as CosineDecayRestarts
from ._schedules import ExponentialDecay as ExponentialDecay
from ._schedules import InverseTimeDecay as InverseTimeDecay
from ._schedules import LearningRateSchedule as LearningRateSchedule
from ._schedules import PiecewiseConstantDecay as PiecewiseConstantDecay
from ._schedules import PolynomialDecay as PolynomialDecay
from ._schedules import deserialize as deserialize
from ._schedules import serialize as serialize
