"""Keras-style weight initializers (``keras.initializers``).

Call an initializer as ``init(shape, dtype=None)``; it returns a Tensor drawn from JAX
keys. Lowercase names are the Keras aliases of the classes.
"""

from ._initializers import Constant as Constant
from ._initializers import GlorotNormal as GlorotNormal
from ._initializers import GlorotUniform as GlorotUniform
from ._initializers import HeNormal as HeNormal
from ._initializers import HeUniform as HeUniform
from ._initializers import Identity as Identity
from ._initializers import Initializer as Initializer
from ._initializers import LecunNormal as LecunNormal
from ._initializers import LecunUniform as LecunUniform
from ._initializers import Ones as Ones
from ._initializers import Orthogonal as Orthogonal
from ._initializers import RandomInitializer as RandomInitializer
from ._initializers import RandomNormal as RandomNormal
from ._initializers import RandomUniform as RandomUniform
from ._initializers import TruncatedNormal as TruncatedNormal
from ._initializers import VarianceScaling as VarianceScaling
from ._initializers import Zeros as Zeros
from ._initializers import compute_fans as compute_fans
from ._initializers import deserialize as deserialize
from ._initializers import get as get
from ._initializers import serialize as serialize

constant = Constant
zeros = Zeros
ones = Ones
identity = Identity
random_normal = RandomNormal
truncated_normal = TruncatedNormal
random_uniform = RandomUniform
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
