"""``tf.signal``: TensorFlow's signal-processing names over ``jtape.signal`` (naming only)."""

from __future__ import annotations

from .. import signal as _signal
from ._api import tf_api
from ._missing import missing

# TF name -> TF's leading tensor parameters (a Python list there becomes a tensor).
TABLE = {
    "dct": ("input",),
    "fft": ("input",),
    "fft2d": ("input",),
    "fft3d": ("input",),
    "fftshift": ("x",),
    "frame": ("signal",),
    "hamming_window": (),
    "hann_window": (),
    "idct": ("input",),
    "ifft": ("input",),
    "ifft2d": ("input",),
    "ifft3d": ("input",),
    "ifftshift": ("x",),
    "inverse_stft": ("stfts",),
    "inverse_stft_window_fn": (),
    "irfft": ("input_tensor",),
    "irfft2d": ("input_tensor",),
    "irfft3d": ("input_tensor",),
    "linear_to_mel_weight_matrix": (),
    "mfccs_from_log_mel_spectrograms": ("log_mel_spectrograms",),
    "overlap_and_add": ("signal",),
    "rfft": ("input_tensor",),
    "rfft2d": ("input_tensor",),
    "rfft3d": ("input_tensor",),
    "stft": ("signals",),
}

_API = {
    name: tf_api(getattr(_signal, name), tf_name=name, tensors=tensors)
    for name, tensors in TABLE.items()
}
globals().update(_API)

__all__ = sorted(TABLE)

__getattr__ = missing("tf.signal")
