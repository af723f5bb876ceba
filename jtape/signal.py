"""Signal processing (``jt.signal``, TensorFlow's ``tf.signal``) on ``jax.numpy.fft``."""

from ._signal_ops import dct as dct
from ._signal_ops import fft as fft
from ._signal_ops import fft2d as fft2d
from ._signal_ops import fft3d as fft3d
from ._signal_ops import fftshift as fftshift
from ._signal_ops import frame as frame
from ._signal_ops import hamming_window as hamming_window
from ._signal_ops import hann_window as hann_window
from ._signal_ops import idct as idct
from ._signal_ops import ifft as ifft
from ._signal_ops import ifft2d as ifft2d
from ._signal_ops import ifft3d as ifft3d
from ._signal_ops import ifftshift as ifftshift
from ._signal_ops import inverse_stft as inverse_stft
from ._signal_ops import inverse_stft_window_fn as inverse_stft_window_fn
from ._signal_ops import irfft as irfft
from ._signal_ops import irfft2d as irfft2d
from ._signal_ops import irfft3d as irfft3d
from ._signal_ops import linear_to_mel_weight_matrix as linear_to_mel_weight_matrix
from ._signal_ops import mfccs_from_log_mel_spectrograms as mfccs_from_log_mel_spectrograms
from ._signal_ops import overlap_and_add as overlap_and_add
from ._signal_ops import rfft as rfft
from ._signal_ops import rfft2d as rfft2d
from ._signal_ops import rfft3d as rfft3d
from ._signal_ops import stft as stft
