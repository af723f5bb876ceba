"""jt.signal / tf.signal against TF 2.21 (fixtures from tests/fixtures/record_tf_image.py)."""

from __future__ import annotations

import os

import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf
from jtape import signal as S

F = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "image_signal_tf.npz"))
IN = {k[3:]: F[k] for k in F.files if k.startswith("in/")}


def _cases() -> dict:
    c: dict = {}
    for n in ("fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d"):
        c[f"{n}/c3"] = lambda x, n=n: getattr(S, n)(x["c3"])
    c["fft/c128"] = lambda x: S.fft(x["c128"])
    c["rfft/r3"] = lambda x: S.rfft(x["r3"])
    c["rfft/r3/8"] = lambda x: S.rfft(x["r3"], [8])
    c["rfft/r3/4"] = lambda x: S.rfft(x["r3"], fft_length=[4])
    c["irfft/c3"] = lambda x: S.irfft(x["c3"])
    c["irfft/c3/7"] = lambda x: S.irfft(x["c3"], [7])
    c["irfft/c3/12"] = lambda x: S.irfft(x["c3"], [12])
    c["rfft2d/r3"] = lambda x: S.rfft2d(x["r3"])
    c["rfft2d/r3/5x8"] = lambda x: S.rfft2d(x["r3"], [5, 8])
    c["irfft2d/c3"] = lambda x: S.irfft2d(x["c3"])
    c["irfft2d/c3/3x9"] = lambda x: S.irfft2d(x["c3"], [3, 9])
    c["rfft3d/r3"] = lambda x: S.rfft3d(x["r3"])
    c["irfft3d/c3"] = lambda x: S.irfft3d(x["c3"])
    c["fftshift/r3"] = lambda x: S.fftshift(x["r3"])
    c["fftshift/r3/1"] = lambda x: S.fftshift(x["r3"], axes=1)
    c["ifftshift/r3"] = lambda x: S.ifftshift(x["r3"])
    c["ifftshift/r3/02"] = lambda x: S.ifftshift(x["r3"], axes=[0, 2])
    for pe in (0, 1):
        c[f"frame/sig/{pe}"] = lambda x, p=pe: S.frame(x["sig"], 10, 4, pad_end=bool(p))
        c[f"frame/sig1/{pe}"] = lambda x, p=pe: S.frame(x["sig1"], 8, 8, bool(p), pad_value=2.5)
        c[f"frame/r3/axis1/{pe}"] = lambda x, p=pe: S.frame(x["r3"], 3, 2, bool(p), axis=1)
    c["overlap_and_add/frames/3"] = lambda x: S.overlap_and_add(x["frames"], 3)
    c["overlap_and_add/frames/8"] = lambda x: S.overlap_and_add(x["frames"], 8)
    c["stft/sig"] = lambda x: S.stft(x["sig"], 16, 8)
    c["stft/sig/32"] = lambda x: S.stft(x["sig"], 16, 5, fft_length=32, pad_end=True)
    c["stft/sig/hamming"] = lambda x: S.stft(x["sig"], 12, 4, window_fn=S.hamming_window)
    c["stft/sig1/none"] = lambda x: S.stft(x["sig1"], 8, 3, window_fn=None)
    c["inverse_stft/spec"] = lambda x: S.inverse_stft(
        x["spec"], 16, 4, window_fn=S.inverse_stft_window_fn(4)
    )
    c["inverse_stft/spec/plain"] = lambda x: S.inverse_stft(x["spec"], 16, 4)
    c["inverse_stft/spec/12"] = lambda x: S.inverse_stft(x["spec"], 12, 4, fft_length=16)
    for n in (1, 2, 7, 10):
        for p in (0, 1):
            c[f"hann_window/{n}/{p}"] = lambda x, n=n, p=p: S.hann_window(n, periodic=bool(p))
            c[f"hamming_window/{n}/{p}"] = lambda x, n=n, p=p: S.hamming_window(n, bool(p))
    c["hann_window/f64"] = lambda x: S.hann_window(6, dtype=jt.float64)
    for t in (1, 2, 3, 4):
        for norm in (None, "ortho"):
            if t == 1 and norm == "ortho":
                continue
            c[f"dct/{t}/{norm}"] = lambda x, t=t, n=norm: S.dct(x["r3"], type=t, norm=n)
            c[f"idct/{t}/{norm}"] = lambda x, t=t, n=norm: S.idct(x["r3"], type=t, norm=n)
    c["dct/2/n4"] = lambda x: S.dct(x["r3"], n=4)
    c["dct/2/n9"] = lambda x: S.dct(x["r3"], 2, 9)
    c["linear_to_mel_weight_matrix/default"] = lambda x: S.linear_to_mel_weight_matrix()
    c["linear_to_mel_weight_matrix/small"] = lambda x: S.linear_to_mel_weight_matrix(
        10, 33, 8000, 20.0, 3000.0
    )
    c["mfccs_from_log_mel_spectrograms/r3"] = lambda x: S.mfccs_from_log_mel_spectrograms(x["r3"])
    return c


CASES = _cases()
_PREFIXES = tuple({k.split("/")[0] + "/" for k in CASES})


@pytest.fixture(scope="module")
def traced():
    run = jt.function(lambda x: {k: f(x) for k, f in CASES.items()})
    return run({k: jt.constant(v) for k, v in IN.items() if not k.startswith("ser/")})


def _assert_tf(key, got):
    want = F[key]
    got = np.asarray(got)
    assert (got.dtype, got.shape) == (want.dtype, want.shape), key
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6 * scale, err_msg=key)


def test_every_recorded_case_has_a_jtape_case():
    assert sorted(CASES) == sorted(k for k in F.files if k.startswith(_PREFIXES))


@pytest.mark.parametrize("key", sorted(CASES))
def test_matches_tf(traced, key):
    _assert_tf(key, traced[key])


@pytest.mark.parametrize("key", ["stft/sig/32", "irfft2d/c3/3x9", "dct/3/ortho", "frame/sig/1"])
def test_eager_matches_tf(key):
    _assert_tf(key, CASES[key]({k: jt.constant(v) for k, v in IN.items() if "/" not in k}))


def test_compat_argument_names():
    x = IN["sig"]
    got = tf.signal.stft(signals=x, frame_length=16, frame_step=8, name="s")
    _assert_tf("stft/sig", got)
    _assert_tf("rfft/r3/8", tf.signal.rfft(input_tensor=IN["r3"], fft_length=[8]))
    _assert_tf("dct/2/None", tf.signal.dct(IN["r3"].tolist()))
    with pytest.raises(tf.NotProvidedError, match="tf.signal.kaiser_window"):
        tf.signal.kaiser_window  # noqa: B018


def test_stft_round_trip_and_gradient():
    x = np.random.default_rng(0).normal(size=(2, 40)).astype(np.float32)
    spec = S.stft(x, 8, 2)
    back = S.inverse_stft(spec, 8, 2, window_fn=S.inverse_stft_window_fn(2))
    np.testing.assert_allclose(back.numpy()[:, 8:-8], x[:, 8:32], atol=1e-5)

    def pure(x):
        idx = np.arange(5)[:, None] * 3 + np.arange(8)[None, :]
        win = 0.5 - 0.5 * jnp.cos(2 * np.pi * jnp.arange(8) / 8)
        return jnp.abs(jnp.fft.rfft(x[..., idx] * win, 8))

    check_grads(lambda x: jt.abs(S.stft(x, 8, 3)), pure, [x[:, :20]])


def test_dct_gradient():
    n = 6
    k, i = np.arange(n)[:, None], np.arange(n)[None, :]
    ortho = np.cos(np.pi * k * (2 * i + 1) / (2 * n)) * np.sqrt(2 / n)  # orthonormal DCT-II
    ortho[0] /= np.sqrt(2)
    x = np.random.default_rng(1).normal(size=(3, n))
    check_grads(lambda x: S.dct(x, norm="ortho"), lambda x: x @ ortho.T.astype(np.float32), [x])


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: S.fft(jt.zeros([4])), tf.errors.InvalidArgumentError, "complex64"),
        (lambda: S.rfft(jt.zeros([4], jt.complex64)), ValueError, "RFFT requires tf.float32"),
        (lambda: S.rfft(jt.zeros([4]), [2, 2]), ValueError, "1 element"),
        (lambda: S.dct(jt.zeros([4]), type=1, norm="ortho"), ValueError, "Type-I"),
        (lambda: S.dct(jt.zeros([4]), type=5), ValueError, "Types I, II, III and IV"),
        (lambda: S.dct(jt.zeros([4, 4]), axis=0), NotImplementedError, "axis must be -1"),
        (lambda: S.frame(jt.zeros([4]), 2, 0), tf.errors.InvalidArgumentError, "division by zero"),
        (lambda: S.linear_to_mel_weight_matrix(upper_edge_hertz=5000.0), ValueError, "Nyquist"),
    ],
)
def test_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_docstring_examples():
    import doctest

    from jtape import _signal_ops

    result = doctest.testmod(_signal_ops)
    assert result.attempted > 0 and result.failed == 0
