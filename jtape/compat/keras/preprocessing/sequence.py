"""``tf.keras.preprocessing.sequence``: ``TimeseriesGenerator``, ``skipgrams``,
``make_sampling_table``, ``pad_sequences``."""

from __future__ import annotations

from ....nn.utils import TimeseriesGenerator as TimeseriesGenerator
from ....nn.utils import make_sampling_table as make_sampling_table
from ....nn.utils import skipgrams as skipgrams
from ..._missing import missing as _missing
from ..utils import pad_sequences as pad_sequences

__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]
__getattr__ = _missing("tf.keras.preprocessing.sequence")
