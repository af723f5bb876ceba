"""jt.image / tf.image against TF 2.21 (fixtures from tests/fixtures/record_tf_image.py).

Every deterministic case the recorder wrote is recomputed here by the same-named jtape
function with the same arguments, all in one ``jt.function`` (one compilation instead
of one per case); a few run eagerly too. Random ops are checked for TF's documented
semantics (JAX's PRNG cannot reproduce TF's streams).
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from gradcheck import check_grads

import jtape as jt
import jtape.compat as tf
from jtape import image as I  # noqa: E741 - short, as tf.image

HERE = os.path.dirname(__file__)
F = np.load(os.path.join(HERE, "fixtures", "image_signal_tf.npz"))
IN = {k[3:]: F[k] for k in F.files if k.startswith("in/")}
METHODS = ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian"]
METHODS.append("mitchellcubic")


def _cases() -> dict:
    c: dict = {}
    for m in METHODS:  # the other resize cases are checked in numpy (test_resize_weights)
        c[f"resize/{m}/big"] = lambda x, m=m: I.resize(x["big"], (7, 9), m)
        c[f"resize/{m}/u8"] = lambda x, m=m: I.resize(x["u8"], (7, 4), method=m)
        c[f"resize/{m}/f64"] = lambda x, m=m: I.resize(x["f64"], [6, 3], method=m)
    c["resize/bilinear/aspect"] = lambda x: I.resize(
        x["img3"], (10, 10), preserve_aspect_ratio=True
    )
    c["resize/area/aspect3d"] = lambda x: I.resize(
        x["img3"], (3, 9), "area", preserve_aspect_ratio=True
    )
    c["flip_left_right/3"] = lambda x: I.flip_left_right(x["img3"])
    c["flip_left_right/4"] = lambda x: I.flip_left_right(x["img4"])
    c["flip_up_down/4"] = lambda x: I.flip_up_down(x["img4"])
    c["transpose/4"] = lambda x: I.transpose(x["img4"])
    for k in range(-1, 5):
        c[f"rot90/{k}/3"] = lambda x, k=k: I.rot90(x["img3"], k)
        c[f"rot90/{k}/4"] = lambda x, k=k: I.rot90(x["img4"], k=k)
    for f in (0.5, 0.7, 1.0, 0.2):
        c[f"central_crop/{f}/4"] = lambda x, f=f: I.central_crop(x["img4"], f)
        c[f"central_crop/{f}/3"] = lambda x, f=f: I.central_crop(x["img3"], f)
    c["crop_to_bounding_box/4"] = lambda x: I.crop_to_bounding_box(x["img4"], 1, 2, 3, 4)
    c["crop_to_bounding_box/3"] = lambda x: I.crop_to_bounding_box(x["img3"], 0, 1, 5, 2)
    c["pad_to_bounding_box/4"] = lambda x: I.pad_to_bounding_box(x["img4"], 1, 2, 9, 10)
    c["pad_to_bounding_box/3"] = lambda x: I.pad_to_bounding_box(x["u8"], 0, 3, 5, 9)
    for h, w in ((4, 9), (8, 5), (6, 7), (3, 2)):
        c[f"resize_with_crop_or_pad/{h}x{w}"] = lambda x, h=h, w=w: I.resize_with_crop_or_pad(
            x["img4"], h, w
        )
    c["resize_with_crop_or_pad/3"] = lambda x: I.resize_with_crop_or_pad(x["img3"], 7, 3)
    for m in ("bilinear", "nearest", "bicubic"):
        c[f"resize_with_pad/{m}/4"] = lambda x, m=m: I.resize_with_pad(x["img4"], 10, 5, m)
        c[f"resize_with_pad/{m}/3"] = lambda x, m=m: I.resize_with_pad(x["img3"], 4, 9, method=m)
    c["resize_with_pad/bilinear/aa"] = lambda x: I.resize_with_pad(x["big"], 5, 9, antialias=True)
    for s in ("img4", "u8", "f64", "wide"):
        c[f"adjust_brightness/{s}"] = lambda x, s=s: I.adjust_brightness(x[s], 0.2)
        c[f"adjust_contrast/{s}"] = lambda x, s=s: I.adjust_contrast(x[s], 1.7)
        c[f"adjust_contrast_low/{s}"] = lambda x, s=s: I.adjust_contrast(x[s], 0.3)
        c[f"adjust_gamma/{s}"] = lambda x, s=s: I.adjust_gamma(x[s], 2.0, 1.5)
        c[f"per_image_standardization/{s}"] = lambda x, s=s: I.per_image_standardization(x[s])
    for key in F.files:
        if key.startswith(("adjust_saturation/", "adjust_hue/")):
            op, arg, src = key.split("/")
            c[key] = lambda x, op=op, a=float(arg), s=src: getattr(I, op)(x[s], a)
    for s in ("img4", "u8", "img3", "wide"):
        c[f"rgb_to_grayscale/{s}"] = lambda x, s=s: I.rgb_to_grayscale(x[s])
        if s != "u8":
            c[f"rgb_to_hsv/{s}"] = lambda x, s=s: I.rgb_to_hsv(x[s])
    c["adjust_gamma/i32"] = lambda x: I.adjust_gamma(x["i32"], 1.0, 1.0)
    c["rgb_to_hsv/gray"] = lambda x: I.rgb_to_hsv(jt.constant([[[0.3, 0.3, 0.3], [0.0, 0.0, 0.0]]]))
    for name, src in (("hsv_to_rgb", "img4"), ("hsv_to_rgb", "img3"), ("grayscale_to_rgb", "gray")):
        c[f"{name}/{src}"] = lambda x, n=name, s=src: getattr(I, n)(x[s])
    c["rgb_to_yuv/img4"] = lambda x: I.rgb_to_yuv(x["img4"])
    c["yuv_to_rgb/img4"] = lambda x: I.yuv_to_rgb(x["img4"])
    for key in F.files:
        if key.startswith("convert_image_dtype/"):
            _, src, dt, sat = key.split("/")
            c[key] = lambda x, s=src, d=dt, t=sat: I.convert_image_dtype(x[s], d, bool(int(t)))
    c["ssim/img4"] = lambda x: I.ssim(x["img4"], x["img4b"], 1.0, filter_size=3)
    c["ssim/big"] = lambda x: I.ssim(x["big"], x["bigb"], 1.0)
    c["ssim/big_k"] = lambda x: I.ssim(
        x["big"], x["bigb"], 2.0, filter_size=7, filter_sigma=1.2, k1=0.02, k2=0.05
    )
    c["ssim/self"] = lambda x: I.ssim(x["big"], x["big"], 1.0)
    c["ssim/u8"] = lambda x: I.ssim(x["u8"][:, :5], x["u8"][:, 1:], 255, filter_size=3)
    c["psnr/img4"] = lambda x: I.psnr(x["img4"], x["img4b"], 1.0)
    c["psnr/u8"] = lambda x: I.psnr(x["u8"], jt.reverse(x["u8"], [0]), 255)
    c["image_gradients/img4"] = lambda x: I.image_gradients(x["img4"])
    c["sobel_edges/img4"] = lambda x: I.sobel_edges(x["img4"])
    c["total_variation/img4"] = lambda x: I.total_variation(x["img4"])
    c["total_variation/img3"] = lambda x: I.total_variation(x["img3"])
    for pad in ("VALID", "SAME"):
        for st, rt in (((1, 2, 2, 1), (1, 1, 1, 1)), ((1, 1, 3, 1), (1, 2, 1, 1))):
            c[f"extract_patches/{pad}/{st[1]}{st[2]}/{rt[1]}{rt[2]}"] = (
                lambda x, p=pad, s=st, r=rt: I.extract_patches(x["img4"], [1, 3, 2, 1], s, r, p)
            )
    return c


CASES = _cases()
_IMAGE_PREFIXES = tuple(
    {k.split("/")[0] for k in CASES} | {"image_gradients"}
)  # fixture keys this file owns


def _expected_keys() -> list[str]:
    keys = [k for k in F.files if k.startswith(_IMAGE_PREFIXES)]
    return sorted(k for k in keys if k not in RESIZE_SWEEP)


# resize/<method>/<antialias>/<h>x<w>: img4 resized; checked through the weight matrices
RESIZE_SWEEP = sorted(k for k in F.files if k.startswith("resize/") and k.count("/") == 3)


@pytest.fixture(scope="module")
def traced():
    """Every case in one jt.function; tuple outputs become ``key#i``."""
    run = jt.function(lambda x: {k: f(x) for k, f in CASES.items()})
    out = run({k: jt.constant(v) for k, v in IN.items()})
    flat = {}
    for k, v in out.items():
        if isinstance(v, (tuple, list)):
            flat.update({f"{k}#{i}": t for i, t in enumerate(v)})
        else:
            flat[k] = v
    return flat


def _assert_tf(key: str, got) -> None:
    want = F[key]
    got = np.asarray(got)
    assert got.dtype == want.dtype, (key, got.dtype, want.dtype)
    assert got.shape == want.shape, (key, got.shape, want.shape)
    if want.dtype.kind in "fc":
        scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6 * scale, err_msg=key)
    else:
        np.testing.assert_array_equal(got, want, err_msg=key)


@pytest.mark.parametrize("key", RESIZE_SWEEP)
def test_resize_weights(key):
    """The op is ``W_h @ x @ W_w^T`` (a gather for nearest): check the matrices in numpy."""
    from jtape._image_resize import _nearest_index, weights

    _, method, aa, size = key.split("/")
    h, w = (int(v) for v in size.split("x"))
    x = IN["img4"].astype(np.float64)
    if method == "nearest":
        out = x[:, _nearest_index(6, h)][:, :, _nearest_index(7, w)]
    else:
        wh, ww = weights(6, h, method, bool(int(aa))), weights(7, w, method, bool(int(aa)))
        out = np.einsum("oh,nhwc,pw->nopc", wh, x, ww)
    np.testing.assert_allclose(out, F[key], rtol=1e-5, atol=2e-6)


def test_every_recorded_case_has_a_jtape_case():
    produced = {k for k in CASES}
    produced |= {f"image_gradients/img4#{i}" for i in range(2)}
    assert sorted(produced - {"image_gradients/img4"}) == _expected_keys()


@pytest.mark.parametrize("key", _expected_keys())
def test_matches_tf(traced, key):
    _assert_tf(key, traced[key])


@pytest.mark.parametrize(
    "key",
    ["resize/bicubic/big", "resize/lanczos3/u8", "adjust_hue/-0.45/img3", "ssim/img4"],
)
def test_eager_matches_tf(key):
    _assert_tf(key, CASES[key]({k: jt.constant(v) for k, v in IN.items()}))


def test_compat_names_and_python_lists():
    x = IN["img3"].tolist()
    out = tf.image.resize(x, [9, 11], method=tf.image.ResizeMethod.BICUBIC, name="r")
    np.testing.assert_allclose(out.numpy(), I.resize(IN["img3"], (9, 11), "bicubic").numpy())
    assert tf.image.resize_image_with_crop_or_pad is tf.image.resize_with_crop_or_pad
    with pytest.raises(tf.NotProvidedError, match="adjust_jpeg_quality.*jax.image"):
        tf.image.adjust_jpeg_quality  # noqa: B018


def test_resize_dtype_rules():
    u8 = jt.constant(IN["u8"])
    assert I.resize(u8, (3, 3), "nearest").dtype == jt.uint8
    assert I.resize(u8, (3, 3), "bilinear").dtype == jt.float32
    assert I.resize(jt.constant(IN["f64"]), (3, 3), "lanczos3").dtype == jt.float32
    # same size still converts to float32, as TF's resize v2
    assert I.resize(u8, (5, 6)).dtype == jt.float32


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda: I.resize(jt.zeros([2, 2]), (3, 3)), ValueError, "3 or 4 dimensions"),
        (lambda: I.resize(jt.zeros([2, 2, 1]), (3, 3), "cubic"), ValueError, "not implemented"),
        (lambda: I.resize(jt.zeros([2, 2, 1]), (3, 3, 1)), ValueError, "2 elements"),
        (lambda: I.central_crop(jt.zeros([4, 4, 1]), 0.0), ValueError, r"\(0, 1\]"),
        (lambda: I.crop_to_bounding_box(jt.zeros([4, 4, 1]), 2, 0, 3, 1), ValueError, "height"),
        (lambda: I.pad_to_bounding_box(jt.zeros([4, 4, 1]), 0, 2, 4, 5), ValueError, "width"),
        (lambda: I.adjust_gamma(jt.zeros([2, 2, 1]), -1.0), ValueError, "non-negative"),
        (lambda: I.image_gradients(jt.zeros([2, 2, 1])), ValueError, "4D"),
        (
            lambda: I.rgb_to_hsv(jt.zeros([2, 2, 3], jt.int32)),
            tf.errors.InvalidArgumentError,
            "floating",
        ),
        (
            lambda: I.sobel_edges(jt.zeros([1, 3, 3, 1], jt.int32)),
            tf.errors.InvalidArgumentError,
            "int32",
        ),
        (
            lambda: I.total_variation(jt.zeros([3, 3, 1], jt.uint8)),
            tf.errors.InvalidArgumentError,
            "uint8",
        ),
    ],
)
def test_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_resize_traced_size_is_a_clear_error():
    f = jt.function(lambda x, s: I.resize(x, s))
    with pytest.raises(ValueError, match="known when the program is traced"):
        f(jt.zeros([2, 2, 1]), jt.constant([3, 3]))


# --- gradients ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(5, 2)])  # up along h, down along w
def test_resize_bilinear_gradient(size):
    # JAX's own "linear" resize is an independent reference for TF's half-pixel bilinear.
    check_grads(
        lambda x: I.resize(x, size),
        lambda x: jax.image.resize(x, (size[0], size[1], 2), "linear", antialias=False),
        [np.random.default_rng(1).uniform(0, 1, (3, 4, 2))],
    )


def test_adjust_brightness_and_gamma_gradients():
    x = np.random.default_rng(2).uniform(0.1, 0.7, (2, 3, 3, 3))
    check_grads(
        lambda x, d, g: I.adjust_gamma(I.adjust_brightness(x, d), g, 1.5),
        lambda x, d, g: 1.5 * (x + d) ** g,
        [x, np.float32(0.2), np.float32(1.7)],
    )


def test_per_image_standardization_gradient():
    def pure(x):
        m = x.mean((-3, -2, -1), keepdims=True)
        s = jnp.maximum(x.std((-3, -2, -1), keepdims=True), 1 / jnp.sqrt(27.0))
        return (x - m) / s

    check_grads(
        I.per_image_standardization, pure, [np.random.default_rng(3).normal(size=(3, 3, 3))]
    )


def test_ssim_gradient_matches_finite_differences():
    from jtape._image_metrics import _ssim

    rng = np.random.default_rng(4)
    a, b = rng.uniform(0, 1, (1, 4, 5, 1)), rng.uniform(0, 1, (1, 4, 5, 1))
    pure = _ssim.__jtape_op__
    check_grads(
        lambda a, b: I.ssim(a, b, 1.0, filter_size=3),
        lambda a, b: pure(a, b, 1.0, 3, 1.5, 0.01, 0.03, False),
        [a, b],
    )


@pytest.mark.parametrize(
    "call, tf_op",
    [
        (lambda x: I.adjust_contrast(x, 1.5), "AdjustContrastv2"),
        (lambda x: I.adjust_saturation(x, 1.5), "AdjustSaturation"),
        (lambda x: I.adjust_hue(x, 0.2), "AdjustHue"),
        (lambda x: I.resize(x, (2, 5), "area"), "ResizeArea"),
    ],
)
def test_ops_tf_cannot_differentiate_raise_lookup_error(call, tf_op):
    x = jt.Variable(np.full((3, 3, 3), 0.5, np.float32))
    with jt.GradientTape() as tape:
        y = call(x)
    with pytest.raises(LookupError, match=f"no entry for: {tf_op}"):
        tape.gradient(y, x)


def test_hsv_to_rgb_gradient_is_none_as_tf():
    x = jt.Variable(np.full((2, 2, 3), 0.5, np.float32))
    with jt.GradientTape() as tape:
        y = I.hsv_to_rgb(x)
    assert tape.gradient(y, x) is None


# --- random ops: TF's semantics, JAX's random stream ----------------------------------


def test_random_flip_flips_each_image_with_probability_half():
    x = jt.constant(np.arange(2 * 400).reshape(400, 1, 2, 1).astype(np.float32))
    y = I.random_flip_left_right(x, seed=3).numpy()
    flipped = (y == x.numpy()[:, :, ::-1]).all(axis=(1, 2, 3))
    kept = (y == x.numpy()).all(axis=(1, 2, 3))
    assert (flipped ^ kept).all()
    assert 0.4 < flipped.mean() < 0.6
    single = I.random_flip_up_down(jt.constant(IN["img3"])).numpy()
    assert np.array_equal(single, IN["img3"]) or np.array_equal(single, IN["img3"][::-1])


def test_stateless_ops_are_functions_of_the_seed():
    x = jt.constant(np.arange(100 * 2).reshape(100, 1, 2, 1).astype(np.float32))
    a = I.stateless_random_flip_left_right(x, seed=(1, 2)).numpy()
    b = I.stateless_random_flip_left_right(x, seed=jt.constant([1, 2])).numpy()
    c = I.stateless_random_flip_left_right(x, seed=(1, 3)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    img = jt.constant(IN["img3"])
    c1 = I.stateless_random_crop(img, [3, 2, 3], seed=(5, 6))
    np.testing.assert_array_equal(c1.numpy(), I.stateless_random_crop(img, [3, 2, 3], (5, 6)))
    d1 = I.stateless_random_brightness(img, 0.3, seed=(0, 1)).numpy() - IN["img3"]
    assert np.ptp(d1) < 1e-6 and abs(d1.mean()) <= 0.3


def test_random_crop_offsets_are_uniform_and_inside():
    value = np.arange(5 * 4).reshape(5, 4)
    seen = set()
    for s in range(40):
        c = I.stateless_random_crop(jt.constant(value), [2, 3], seed=(s, 0)).numpy()
        r, col = divmod(int(c[0, 0]), 4)
        np.testing.assert_array_equal(c, value[r : r + 2, col : col + 3])
        seen.add((r, col))
    assert seen == {(r, c) for r in range(4) for c in range(2)}
    with pytest.raises(tf.errors.InvalidArgumentError, match="value.shape >= size"):
        I.random_crop(jt.constant(value), [6, 1])


def test_random_brightness_and_contrast_ranges():
    img = jt.constant(IN["img4"])
    deltas = [float((I.random_brightness(img, 0.25) - img).numpy().mean()) for _ in range(20)]
    assert all(-0.25 <= d < 0.25 for d in deltas) and len(set(deltas)) == 20
    mean = IN["img4"].mean(axis=(1, 2), keepdims=True)
    out = I.random_contrast(img, 0.5, 1.5).numpy()
    dev = IN["img4"] - mean
    factor = float(np.sum((out - mean) * dev) / np.sum(dev * dev))  # one factor for all pixels
    np.testing.assert_allclose(out, mean + factor * dev, atol=1e-5)
    assert 0.5 <= factor < 1.5
    with pytest.raises(ValueError, match="upper must be > lower"):
        I.random_contrast(img, 0.5, 0.5)
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        I.random_brightness(img, -0.1)


def test_random_ops_advance_inside_function():
    x = jt.constant(np.arange(64 * 2).reshape(64, 1, 2, 1).astype(np.float32))
    f = jt.function(lambda x: I.random_flip_left_right(x))
    first, second = f(x).numpy(), f(x).numpy()
    assert not np.array_equal(first, second)


@pytest.mark.parametrize(
    "module", ["_image_resize", "_image_ops", "_image_color", "_image_metrics", "_image_random"]
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"jtape.{module}"))
    assert result.attempted > 0 and result.failed == 0


def test_augmentation_pipeline_in_dataset_map():
    images = np.random.default_rng(5).uniform(0, 1, (4, 8, 8, 3)).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices(images).map(
        lambda x: tf.image.random_flip_left_right(tf.image.resize(x, [4, 4]))
    )
    for got, img in zip(ds, images):
        small = I.resize(img, (4, 4)).numpy()
        got = got.numpy()
        assert np.allclose(got, small) or np.allclose(got, small[:, ::-1])


GRADS = {
    **{
        f"grad/resize/{m}/{aa}": (
            lambda x, m=m, aa=aa: I.resize(x, (4, 10), m, antialias=bool(aa)),
            "ct_small",
        )
        for m in ("bilinear", "nearest", "bicubic", "lanczos3", "mitchellcubic")
        for aa in (0, 1)
    },
    "grad/ssim": (lambda x: I.ssim(x, IN["img4b"], 1.0, filter_size=3), "ct_ssim"),
    "grad/adjust_gamma": (lambda x: I.adjust_gamma(x, 1.7, 0.8), "img4b"),
    "grad/per_image_standardization": (I.per_image_standardization, "img4b"),
    "grad/rgb_to_hsv": (I.rgb_to_hsv, "img4b"),
    "grad/sobel_edges": (lambda x: I.sobel_edges(x)[..., 1], "img4b"),
}


def test_gradients_match_tf():
    @jt.function
    def grads(x, cts):
        out = {}
        for key, (fn, ct) in GRADS.items():
            with jt.GradientTape() as tape:
                tape.watch(x)
                y = fn(x)
            out[key] = tape.gradient(y, x, output_gradients=cts[ct])
        return out

    got = grads(
        jt.constant(IN["img4"]), {k: jt.constant(IN[k]) for k in ("ct_small", "ct_ssim", "img4b")}
    )
    assert sorted(GRADS) == sorted(k for k in F.files if k.startswith("grad/"))
    for key in GRADS:
        np.testing.assert_allclose(got[key].numpy(), F[key], rtol=2e-4, atol=2e-5, err_msg=key)
