"""Random numbers from explicit JAX keys (``jt.random``)."""

from ._random import Generator as Generator
from ._random import categorical as categorical
from ._random import get_global_generator as get_global_generator
from ._random import normal as normal
from ._random import set_global_generator as set_global_generator
from ._random import set_seed as set_seed
from ._random import shuffle as shuffle
from ._random import truncated_normal as truncated_normal
from ._random import uniform as uniform
