"""``tf.signal`` on ``jax.numpy.fft``: FFTs, framing, STFT, windows, DCT, mel filters.

TF's conventions kept here: FFTs act on the innermost axes and take complex input
(``rfft*`` real input, ``fft_length`` crops or zero-pads); ``frame`` puts the frame
axes where the framed axis was; ``idct`` is the *unnormalised* DCT of the inverse type
(so ``idct(dct(x)) == 2 * N * x`` without ``norm="ortho"``), as in TF and scipy.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtypes
from ._array_ops import convert_to_tensor
from ._dtype_rules import tf_name
from ._op import op
from ._op_errors import InvalidArgumentError
from ._tensor import Tensor

_HI = jax.lax.Precision.HIGHEST


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _tf_str(x: Tensor) -> str:
    return f"tf.Tensor({x.numpy()}, shape={tuple(x.shape)}, dtype={np.dtype(x.dtype).name})"


def _need(x: Tensor, kind: str, name: str) -> Tensor:
    """``x`` if its dtype suits ``name``, else TF's error for that op."""
    if kind == "complex":
        ok = jnp.issubdtype(x.dtype, jnp.complexfloating)
    else:  # TF's real transforms take float32 and float64 only
        ok = np.dtype(x.dtype) in (np.float32, np.float64)
    if ok:
        return x
    if name.startswith(("rfft", "irfft", "stft", "inverse_stft")):  # TF's Python checks
        want = "complex64 or tf.complex128" if kind == "complex" else "float32 or tf.float64"
        kernel = "IRFFT" if kind == "complex" else "RFFT"
        raise ValueError(f"{kernel} requires tf.{want} inputs, got: {_tf_str(x)}")
    if kind == "complex":  # the FFT kernels' type attribute
        raise InvalidArgumentError(
            f"Value for attr 'Tcomplex' of {tf_name(x.dtype)} is not in the list of allowed "
            "values: complex64, complex128"
        )
    name = np.dtype(x.dtype).name
    if jnp.issubdtype(x.dtype, jnp.floating):  # dct and mfccs build a complex of x's dtype
        raise TypeError(
            f"The `real` and `imag` components have incorrect types: {name} {name}. They must "
            "be consistent, and one of [tf.float32, tf.float64]"
        )
    # dct and mfccs multiply by a float constant, which TF cannot convert to x's dtype
    raise TypeError(f"Cannot convert 0.0 to EagerTensor of dtype {name}")


def _float_dtype(dtype, verb: str = "Found"):
    """``dtype`` as a DType, or TF's ValueError for a non-floating one."""
    dtype = _dtypes.as_dtype(dtype)
    if not jnp.issubdtype(np.dtype(dtype), jnp.floating):
        raise ValueError(
            f"dtype must be a floating point type. {verb} <dtype: '{np.dtype(dtype).name}'>"
        )
    return dtype


@op
def _fftn(x, rank, inverse):
    axes = tuple(range(-rank, 0))
    return (jnp.fft.ifftn if inverse else jnp.fft.fftn)(x, axes=axes)


def _complex_fft(rank: int, inverse: bool):
    name = ("ifft" if inverse else "fft") + ("" if rank == 1 else f"{rank}d")

    def fft(input) -> Tensor:  # noqa: A002 - TF's name
        x = _need(_tensor(input), "complex", name)
        if x.shape.rank < rank:
            raise InvalidArgumentError(
                f"Input must have rank of at least {rank} but got: "
                f"[{','.join(map(str, x.shape))}] [Op:{name.upper()}]"
            )
        return _fftn(x, rank, inverse)

    fft.__name__ = fft.__qualname__ = name
    kind = "inverse " if inverse else ""
    fft.__doc__ = f"The {kind}{rank}-D discrete Fourier transform over the innermost axes."
    return fft


fft = _complex_fft(1, False)
ifft = _complex_fft(1, True)
fft2d = _complex_fft(2, False)
ifft2d = _complex_fft(2, True)
fft3d = _complex_fft(3, False)
ifft3d = _complex_fft(3, True)


def _lengths(fft_length, rank: int, default) -> tuple[int, ...]:
    if fft_length is None:
        return tuple(default)
    v = np.asarray(getattr(fft_length, "_value", fft_length)).reshape(-1)
    if v.shape != (rank,):
        raise ValueError(f"fft_length must have {rank} element(s), got {v.tolist()}")
    return tuple(int(e) for e in v)


@op
def _rfftn(x, lengths):
    axes = tuple(range(-len(lengths), 0))
    out = jnp.fft.rfftn(x, s=lengths, axes=axes)
    return out.astype(jnp.complex128 if x.dtype == jnp.float64 else jnp.complex64)


@op
def _irfftn(x, lengths):
    axes = tuple(range(-len(lengths), 0))
    out = jnp.fft.irfftn(x, s=lengths, axes=axes)
    return out.astype(jnp.float64 if x.dtype == jnp.complex128 else jnp.float32)


def _real_fft(rank: int, inverse: bool):
    name = ("irfft" if inverse else "rfft") + ("" if rank == 1 else f"{rank}d")

    def rfft(input_tensor, fft_length=None) -> Tensor:
        x = _tensor(input_tensor)
        _need(x, "complex" if inverse else "real", name)
        if x.shape.rank < rank:
            raise ValueError(f"Shape {tuple(x.shape)} must have rank at least {rank}")
        shape = list(x.shape[-rank:])
        if inverse:
            shape[-1] = 2 * (shape[-1] - 1)
        lengths = _lengths(fft_length, rank, shape)
        return (_irfftn if inverse else _rfftn)(x, lengths)

    rfft.__name__ = rfft.__qualname__ = name
    rfft.__doc__ = (
        f"The {'inverse ' if inverse else ''}{rank}-D real FFT over the innermost axes; "
        "``fft_length`` crops or zero-pads the input (TF's rule)."
    )
    return rfft


rfft = _real_fft(1, False)
irfft = _real_fft(1, True)
rfft2d = _real_fft(2, False)
irfft2d = _real_fft(2, True)
rfft3d = _real_fft(3, False)
irfft3d = _real_fft(3, True)


@op
def _shift(x, axes, inverse):
    return (jnp.fft.ifftshift if inverse else jnp.fft.fftshift)(x, axes)


def _axes(axes):
    if axes is None:
        return None
    v = np.asarray(getattr(axes, "_value", axes)).reshape(-1)
    return tuple(int(a) for a in v) if v.size != 1 or np.ndim(axes) else int(v[0])


def fftshift(x, axes=None) -> Tensor:
    """Move the zero-frequency term to the centre (all axes by default).

    Example:
        >>> import jtape as jt
        >>> fftshift(jt.constant([0, 1, 2, 3, -4, -3, -2, -1])).numpy().tolist()
        [-4, -3, -2, -1, 0, 1, 2, 3]
    """
    return _shift(_tensor(x), _axes(axes), False)


def ifftshift(x, axes=None) -> Tensor:
    """The inverse of :func:`fftshift`."""
    return _shift(_tensor(x), _axes(axes), True)


@op
def _frame(x, frame_length, frame_step, pad_end, pad_value, axis):
    n = x.shape[axis]
    if pad_end:
        frames = -(-n // frame_step)
        total = max((frames - 1) * frame_step + frame_length, n)
        pads = [(0, 0)] * x.ndim
        pads[axis] = (0, total - n)
        x = jnp.pad(x, pads, constant_values=jnp.asarray(pad_value).astype(x.dtype))
    else:
        frames = max(0, 1 + (n - frame_length) // frame_step)
    idx = np.arange(frames)[:, None] * frame_step + np.arange(frame_length)[None, :]
    return jnp.take(x, idx.reshape(-1), axis=axis).reshape(
        x.shape[:axis] + (frames, frame_length) + x.shape[axis + 1 :]
    )


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1) -> Tensor:
    """Slide a window of ``frame_length`` by ``frame_step`` along ``axis``.

    The output replaces ``axis`` by ``[frames, frame_length]``; ``pad_end`` pads with
    ``pad_value`` so the last samples get a frame.

    Example:
        >>> import jtape as jt
        >>> frame(jt.range(5), 3, 2).numpy().tolist()
        [[0, 1, 2], [2, 3, 4]]
    """
    x = _tensor(signal)
    if x.shape.rank < 1:
        raise ValueError(f"Shape {tuple(x.shape)} must have rank at least 1")
    ax = int(axis) % x.shape.rank
    fl, fs = int(frame_length), int(frame_step)
    if fl < 0 or fs <= 0:
        if fs == 0:  # TF's errors, from the ops that compute the frame count
            raise InvalidArgumentError("Integer division by zero [Op:FloorDiv]")
        if fl < 0:
            raise InvalidArgumentError(f"Requires start <= limit when delta > 0: 0/{fl} [Op:Range]")
        raise ValueError(f"frame_step must be positive, got {fs}")
    return _frame(x, fl, fs, bool(pad_end), pad_value, ax)


@op
def _overlap_and_add(x, frame_step):
    frames, length = x.shape[-2], x.shape[-1]
    total = (frames - 1) * frame_step + length
    idx = np.arange(frames)[:, None] * frame_step + np.arange(length)[None, :]
    out = jnp.zeros(x.shape[:-2] + (total,), x.dtype)
    return out.at[..., idx.reshape(-1)].add(x.reshape(x.shape[:-2] + (-1,)))


def overlap_and_add(signal, frame_step) -> Tensor:
    """Sum ``[..., frames, frame_length]`` frames placed ``frame_step`` apart."""
    x = _tensor(signal)
    if x.shape.rank < 2:
        raise ValueError(f"Shape {tuple(x.shape)} must have rank at least 2")
    if int(frame_step) <= 0:  # TF fails in a Pad with negative paddings
        raise InvalidArgumentError(
            f"overlap_and_add: frame_step must be positive, got {int(frame_step)}"
        )
    return _overlap_and_add(x, int(frame_step))


@op
def _raised_cosine(dtype, length, periodic, a, b):
    # dtype first: an op whose first argument is a Python number converts it to a tensor
    if length == 1:
        return jnp.ones([1], dtype)
    even = 1 - length % 2
    n = jnp.asarray(length + int(periodic) * even - 1, dtype)
    count = jnp.arange(length, dtype=dtype)
    return a - b * jnp.cos(jnp.asarray(2 * np.pi, dtype) * count / n)


def _window(a: float, b: float, name: str):
    def window(window_length, periodic=True, dtype=_dtypes.float32) -> Tensor:
        dtype = _float_dtype(dtype)
        return _raised_cosine(np.dtype(dtype), int(window_length), bool(periodic), a, b)

    window.__name__ = window.__qualname__ = name
    window.__doc__ = (
        f"TF's {name.split('_')[0].title()} window of ``window_length`` samples "
        "(``periodic=True``: for spectral analysis)."
    )
    return window


hann_window = _window(0.5, 0.5, "hann_window")
hamming_window = _window(0.54, 0.46, "hamming_window")


def _default_fft_length(frame_length: int) -> int:
    return 1 << math.ceil(math.log2(frame_length)) if frame_length > 1 else 1


def stft(
    signals, frame_length, frame_step, fft_length=None, window_fn=hann_window, pad_end=False
) -> Tensor:
    """Short-time Fourier transform: ``[..., samples]`` to ``[..., frames, fft_length//2+1]``.

    Example:
        >>> import jtape as jt
        >>> stft(jt.zeros([2, 64]), 16, 8).shape.as_list()
        [2, 7, 9]
    """
    x = _tensor(signals)
    if window_fn is None:
        _need(x, "real", "stft")
    fl, fs = int(frame_length), int(frame_step)
    n_fft = _default_fft_length(fl) if fft_length is None else int(fft_length)
    framed = frame(x, fl, fs, pad_end=pad_end)
    if window_fn is not None:
        framed = framed * window_fn(fl, dtype=x.dtype)
    return rfft(framed, [n_fft])


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window) -> Tensor:
    """Invert :func:`stft` by overlap-add (use :func:`inverse_stft_window_fn` for a
    perfect reconstruction)."""
    from ._array_ops import pad

    z = _need(_tensor(stfts), "complex", "inverse_stft")
    fl, fs = int(frame_length), int(frame_step)
    n_fft = _default_fft_length(fl) if fft_length is None else int(fft_length)
    frames = irfft(z, [n_fft])
    if n_fft > fl:
        frames = frames[..., :fl]
    elif n_fft < fl:
        frames = pad(frames, [[0, 0]] * (frames.shape.rank - 1) + [[0, fl - n_fft]])
    if window_fn is not None:
        frames = frames * window_fn(fl, dtype=frames.dtype)
    return overlap_and_add(frames, fs)


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window):
    """The window that makes :func:`inverse_stft` invert a ``forward_window_fn`` STFT."""
    step = int(frame_step)

    def window_fn(frame_length, dtype) -> Tensor:  # TF: dtype is required
        fl = int(frame_length)
        forward = forward_window_fn(fl, dtype=dtype)
        return _inverse_window(forward, step)

    return window_fn


@op
def _inverse_window(forward, step):
    fl = forward.shape[0]
    overlaps = -(-fl // step)
    denom = jnp.pad(jnp.square(forward), (0, overlaps * step - fl))
    denom = jnp.sum(denom.reshape(overlaps, step), axis=0, keepdims=True)
    denom = jnp.tile(denom, (overlaps, 1)).reshape(-1)
    return forward / denom[:fl]


def _dct_matrix(n: int, kind: int, ortho: bool) -> np.ndarray:
    """``M`` with ``dct(x) = x @ M`` (scipy's and TF's definitions), in float64."""
    i = np.arange(n)[:, None]  # input index
    k = np.arange(n)[None, :]  # output index
    if kind == 1:
        m = 2.0 * np.cos(np.pi * i * k / (n - 1))
        m[0, :] = 1.0
        m[-1, :] = (-1.0) ** np.arange(n)
    elif kind == 2:
        m = 2.0 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))
        if ortho:
            m[:, 0] *= np.sqrt(1.0 / (4 * n))
            m[:, 1:] *= np.sqrt(1.0 / (2 * n))
    elif kind == 3:
        m = 2.0 * np.cos(np.pi * i * (2 * k + 1) / (2 * n))
        m[0, :] = 1.0
        if ortho:
            m[0, :] /= np.sqrt(n)
            m[1:, :] *= np.sqrt(1.0 / (2 * n))
    else:
        m = 2.0 * np.cos(np.pi * (2 * k + 1) * (2 * i + 1) / (4 * n))
        if ortho:
            m *= np.sqrt(1.0 / (2 * n))
    return m


@op
def _dct(x, kind, n, ortho):
    length = x.shape[-1]
    if n is not None and n < length:
        x = x[..., :n]
    elif n is not None and n > length:
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - length)])
    m = jnp.asarray(_dct_matrix(x.shape[-1], kind, ortho), x.dtype)
    return jnp.matmul(x, m, precision=_HI)


def _check_dct(x: Tensor, kind: int, n, axis, norm, name: str) -> None:
    if kind not in (1, 2, 3, 4):
        raise ValueError("Types I, II, III and IV (I)DCT are supported.")
    if int(axis) not in (-1, x.shape.rank - 1):
        raise NotImplementedError(f"axis must be -1. Got: {axis}")
    if n is not None and int(n) < 1:
        raise ValueError("n should be a positive integer or None")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")
    if kind == 1:
        if norm == "ortho":
            raise ValueError("Normalization is not supported for the Type-I DCT.")
        length = int(n) if n is not None else x.shape[-1]
        if length < 2:
            raise ValueError("Type-I DCT requires the dimension to be greater than one.")
    _need(x, "real", name)


def dct(input, type=2, n=None, axis=-1, norm=None) -> Tensor:  # noqa: A002 - TF's names
    """Discrete cosine transform of types I-IV over the last axis (scipy's definitions).

    Example:
        >>> import jtape as jt
        >>> [round(v, 4) for v in dct(jt.constant([1.0, 1.0]), norm="ortho").numpy().tolist()]
        [1.4142, 0.0]
    """
    x = _tensor(input)
    _check_dct(x, int(type), n, axis, norm, "dct")
    return _dct(x, int(type), None if n is None else int(n), norm == "ortho")


def idct(input, type=2, n=None, axis=-1, norm=None) -> Tensor:  # noqa: A002 - TF's names
    """The DCT of the inverse type (II <-> III), unnormalised unless ``norm="ortho"``."""
    kind = {1: 1, 2: 3, 3: 2, 4: 4}.get(int(type), int(type))
    return dct(input, kind, n, axis, norm)


def _hertz_to_mel(f):
    return 1127.0 * jnp.log(1.0 + f / 700.0)


@op
def _mel_matrix(dtype, num_mel_bins, num_spectrogram_bins, sample_rate, lower, upper):
    nyquist = jnp.asarray(sample_rate, dtype) / 2.0
    linear = jnp.linspace(jnp.asarray(0.0, dtype), nyquist, num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None]
    edges = jnp.linspace(
        _hertz_to_mel(jnp.asarray(lower, dtype)),
        _hertz_to_mel(jnp.asarray(upper, dtype)),
        num_mel_bins + 2,
        dtype=dtype,
    )
    lo, center, hi = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    lower_slopes = (bins_mel - lo) / (center - lo)
    upper_slopes = (hi - bins_mel) / (hi - center)
    weights = jnp.maximum(jnp.zeros((), dtype), jnp.minimum(lower_slopes, upper_slopes))
    return jnp.pad(weights, [(1, 0), (0, 0)])


def linear_to_mel_weight_matrix(
    num_mel_bins=20,
    num_spectrogram_bins=129,
    sample_rate=8000,
    lower_edge_hertz=125.0,
    upper_edge_hertz=3800.0,
    dtype=_dtypes.float32,
) -> Tensor:
    """``[num_spectrogram_bins, num_mel_bins]`` triangular mel filters (HTK mel scale)."""
    lower, upper = float(lower_edge_hertz), float(upper_edge_hertz)
    if int(num_mel_bins) <= 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {num_mel_bins}")
    if lower < 0.0:
        raise ValueError(f"lower_edge_hertz must be non-negative. Got: {lower}")
    if lower >= upper:
        raise ValueError(f"lower_edge_hertz {lower} >= upper_edge_hertz {upper}")
    if upper > float(sample_rate) / 2:
        raise ValueError(
            f"upper_edge_hertz must not be larger than the Nyquist frequency "
            f"(sample_rate / 2). Got {upper} for sample_rate: {sample_rate}"
        )
    dtype = np.dtype(_float_dtype(dtype, "Got:"))
    return _mel_matrix(
        dtype, int(num_mel_bins), int(num_spectrogram_bins), float(sample_rate), lower, upper
    )


@op
def _mfccs(x):
    m = jnp.asarray(_dct_matrix(x.shape[-1], 2, False), x.dtype)
    return jnp.matmul(x, m, precision=_HI) * jax.lax.rsqrt(jnp.asarray(x.shape[-1] * 2.0, x.dtype))


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms) -> Tensor:
    """MFCCs: the orthonormal-scaled DCT-II of log-mel spectrograms (last axis)."""
    x = _need(_tensor(log_mel_spectrograms), "real", "mfccs_from_log_mel_spectrograms")
    if x.shape.rank and x.shape[-1] == 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {_tf_str(x)}")
    return _mfccs(x)
