"""``tf.summary.experimental``: the default step, and the summary name scope."""

from ._writer import get_step as get_step
from ._writer import set_step as set_step
