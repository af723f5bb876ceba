"""``tf.image`` measures and filters: SSIM, PSNR, gradients, Sobel, patches, variation.

Each is one jtape op on ``jax.lax`` convolutions, so its gradient is JAX's.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._image_ops import _convert_image_dtype, as_image
from ._op import op
from ._op_errors import InvalidArgumentError, UnimplementedError
from ._tensor import Tensor

_F32 = np.dtype(np.float32)


def _to_f32(x):
    return _convert_image_dtype.__jtape_op__(x, _F32, False)


def _depthwise_valid(x, kernel2d):
    """``kernel2d`` ([kh, kw]) applied to every channel of ``[..., h, w, c]``, VALID."""
    lead = x.shape[:-3]
    x4 = x.reshape((-1, *x.shape[-3:]))
    c = x4.shape[-1]
    k = jnp.broadcast_to(kernel2d[:, :, None, None], (*kernel2d.shape, 1, c)).astype(x.dtype)
    y = jax.lax.conv_general_dilated(
        x4,
        k,
        (1, 1),
        "VALID",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=c,
        precision=jax.lax.Precision.HIGHEST,
    )
    return y.reshape((*lead, *y.shape[1:]))


def _gauss_kernel(size: int, sigma):
    coords = jnp.arange(size, dtype=jnp.float32) - (size - 1) / 2.0
    g = coords**2 * (-0.5 / jnp.square(sigma))
    g = (g[None, :] + g[:, None]).reshape(-1)
    return jax.nn.softmax(g).reshape(size, size)


def _compatible_images(a, b) -> tuple[Tensor, Tensor]:
    """Two image batches of rank >= 3 whose batch dimensions broadcast (TF's check)."""
    from ._array_ops import convert_to_tensor

    a, b = (x if isinstance(x, Tensor) else convert_to_tensor(x) for x in (a, b))
    for x in (a, b):
        if len(x.shape) < 3:
            raise ValueError(f"Shape {tuple(x.shape)} must have rank at least 3")
    if tuple(a.shape[-3:]) != tuple(b.shape[-3:]):
        raise ValueError(f"Shapes {tuple(a.shape[-3:])} and {tuple(b.shape[-3:])} are incompatible")
    try:
        np.broadcast_shapes(tuple(a.shape[:-3]), tuple(b.shape[:-3]))
    except ValueError as e:
        raise ValueError(
            f"Two images are not compatible: {tuple(a.shape)} and {tuple(b.shape)}"
        ) from e
    return a, b


def _ssim_maps(x, y, max_val, filter_size, filter_sigma, k1, k2):
    """Per-pixel SSIM and contrast-structure maps of float32 images (TF's helper)."""
    kernel = _gauss_kernel(filter_size, jnp.asarray(filter_sigma, jnp.float32))

    def reduce(v):
        return _depthwise_valid(v, kernel)

    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    mean0, mean1 = reduce(x), reduce(y)
    num0 = mean0 * mean1 * 2.0
    den0 = jnp.square(mean0) + jnp.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reduce(x * y) * 2.0
    den1 = reduce(jnp.square(x) + jnp.square(y))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return luminance * cs, cs


@op
def _ssim(img1, img2, max_val, filter_size, filter_sigma, k1, k2, return_index_map):
    max_val = _to_f32(jnp.asarray(max_val).astype(img1.dtype))
    x, y = _to_f32(img1), _to_f32(img2)
    per_pixel, _ = _ssim_maps(x, y, max_val, filter_size, filter_sigma, k1, k2)
    if return_index_map:
        return jnp.mean(per_pixel, axis=-1)
    return jnp.mean(jnp.mean(per_pixel, axis=(-3, -2)), axis=-1)


def _halve(x):
    """TF's 2x2 average pooling of one scale, odd sizes first padded symmetrically."""
    h, w = x.shape[-3], x.shape[-2]
    pad = [(0, 0)] * (x.ndim - 3) + [(0, h % 2), (0, w % 2), (0, 0)]
    x = jnp.pad(x, pad, mode="symmetric")
    h2, w2 = x.shape[-3] // 2, x.shape[-2] // 2
    x = x.reshape((*x.shape[:-3], h2, 2, w2, 2, x.shape[-1]))
    return jnp.mean(x, axis=(-4, -2))


@op
def _ssim_multiscale(img1, img2, max_val, power_factors, filter_size, filter_sigma, k1, k2):
    max_val = _to_f32(jnp.asarray(max_val).astype(img1.dtype))
    x, y = _to_f32(img1), _to_f32(img2)
    mcs = []
    for k in range(len(power_factors)):
        if k > 0:
            x, y = _halve(x), _halve(y)
        per_pixel, cs = _ssim_maps(x, y, max_val, filter_size, filter_sigma, k1, k2)
        mcs.append(jax.nn.relu(jnp.mean(cs, axis=(-3, -2))))
    mcs[-1] = jax.nn.relu(jnp.mean(per_pixel, axis=(-3, -2)))  # SSIM at the last scale
    weights = jnp.asarray(power_factors, jnp.float32)
    ms_ssim = jnp.prod(jnp.stack(mcs, axis=-1) ** weights, axis=-1)
    return jnp.mean(ms_ssim, axis=-1)


def ssim(
    img1,
    img2,
    max_val,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    return_index_map: bool = False,
) -> Tensor:
    """Structural similarity of two batches of images (TF's Gaussian-window SSIM).

    Integer images are scaled to [0, 1] first (``max_val`` with them), as in TF.

    Example:
        >>> import jtape as jt
        >>> x = jt.random.uniform([16, 16, 1], seed=0)
        >>> round(float(ssim(x, x, 1.0)), 4)
        1.0
    """
    img1, img2 = _compatible_images(img1, img2)
    h, w = img1.shape[-3], img1.shape[-2]
    if h < filter_size or w < filter_size:
        from ._op_errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"ssim: images of size {h}x{w} are smaller than filter_size={filter_size}"
        )
    return _ssim(
        img1,
        img2,
        max_val,
        int(filter_size),
        filter_sigma,
        float(k1),
        float(k2),
        bool(return_index_map),
    )


def ssim_multiscale(
    img1,
    img2,
    max_val,
    power_factors=(0.0448, 0.2856, 0.3001, 0.2363, 0.1333),
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> Tensor:
    """Multi-scale SSIM (TF's): contrast-structure at each halving scale and SSIM at the
    last, weighted by ``power_factors``; one value per image.

    Example:
        >>> import jtape as jt
        >>> x = jt.random.uniform([48, 48, 1], seed=0)
        >>> round(float(ssim_multiscale(x, x, 1.0, power_factors=(0.5, 0.5), filter_size=3)), 4)
        1.0
    """
    img1, img2 = _compatible_images(img1, img2)
    h, w = img1.shape[-3], img1.shape[-2]
    for k in range(len(power_factors)):
        if h < filter_size or w < filter_size:
            from ._op_errors import InvalidArgumentError

            raise InvalidArgumentError(
                f"ssim_multiscale: scale {k} of the images is {h}x{w}, smaller than "
                f"filter_size={filter_size}"
            )
        h, w = (h + 1) // 2, (w + 1) // 2
    return _ssim_multiscale(
        img1,
        img2,
        max_val,
        tuple(float(p) for p in power_factors),
        int(filter_size),
        filter_sigma,
        float(k1),
        float(k2),
    )


@op
def _psnr(a, b, max_val):
    max_val = _to_f32(jnp.asarray(max_val).astype(a.dtype))
    a, b = _to_f32(a), _to_f32(b)
    mse = jnp.mean(jnp.square(a - b), axis=(-3, -2, -1))
    return 20 * jnp.log(max_val) / jnp.log(10.0) - np.float32(10 / np.log(10)) * jnp.log(mse)


def psnr(a, b, max_val) -> Tensor:
    """Peak signal-to-noise ratio in dB, one value per image.

    Example:
        >>> import jtape as jt
        >>> round(float(psnr(jt.zeros([2, 2, 1]), jt.fill([2, 2, 1], 0.1), 1.0)), 3)
        20.0
    """
    a, b = _compatible_images(a, b)
    return _psnr(a, b, max_val)


@op
def _image_gradients(x):
    dy = x[:, 1:] - x[:, :-1]
    dx = x[:, :, 1:] - x[:, :, :-1]
    dy = jnp.concatenate([dy, jnp.zeros_like(x[:, :1])], axis=1)
    dx = jnp.concatenate([dx, jnp.zeros_like(x[:, :, :1])], axis=2)
    return dy, dx


def _check_4d(image, name: str) -> Tensor:
    image = as_image(image)
    if image.shape.rank != 4:
        raise ValueError(
            f"{name} expects a 4D tensor [batch_size, h, w, d], not {tuple(image.shape)}."
        )
    return image


def image_gradients(image) -> tuple[Tensor, Tensor]:
    """``(dy, dx)``: forward differences, zero in the last row / column (4-D input)."""
    return _image_gradients(_check_4d(image, "image_gradients"))


_SOBEL = np.array(
    [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]], np.float32
)


@op
def _sobel_edges(x):
    padded = jnp.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    return jnp.stack([_depthwise_valid(padded, jnp.asarray(k)) for k in _SOBEL], axis=-1)


def sobel_edges(image) -> Tensor:
    """Sobel ``(dy, dx)`` responses, shape ``[b, h, w, d, 2]`` (reflect-padded, 4-D input)."""
    image = _check_4d(image, "sobel_edges")
    if not jnp.issubdtype(image.dtype, jnp.floating):
        raise _kernel_dtype_error(image, "half, bfloat16, float, double")
    return _sobel_edges(image)


def _kernel_dtype_error(image, allowed: str):
    from ._dtype_rules import tf_name
    from ._op_errors import InvalidArgumentError

    return InvalidArgumentError(
        f"Value for attr 'T' of {tf_name(image.dtype)} is not in the list of allowed values: "
        f"{allowed}"
    )


@op
def _total_variation(x):
    axes = tuple(range(x.ndim - 3, x.ndim))
    dy = jnp.abs(x[..., 1:, :, :] - x[..., :-1, :, :])
    dx = jnp.abs(x[..., :, 1:, :] - x[..., :, :-1, :])
    return (jnp.sum(dy, axis=axes) + jnp.sum(dx, axis=axes)).astype(x.dtype)


def total_variation(images) -> Tensor:
    """Sum of absolute neighbour differences, per image (a scalar for one image)."""
    images = as_image(images)
    if jnp.issubdtype(images.dtype, jnp.unsignedinteger) or images.dtype == jnp.bool_:
        raise _kernel_dtype_error(images, "signed integer and floating types")
    return _total_variation(images)


@op
def _extract_patches(x, sizes, strides, rates, padding):
    n, _, _, c = x.shape
    p = jax.lax.conv_general_dilated_patches(
        x,
        sizes,
        strides,
        padding,
        rhs_dilation=rates,
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        precision=jax.lax.Precision.HIGHEST,
    )
    oh, ow = p.shape[1], p.shape[2]
    # JAX orders a patch's values channel-major; TF orders them (row, column, channel).
    p = p.reshape(n, oh, ow, c, sizes[0] * sizes[1])
    return jnp.swapaxes(p, -1, -2).reshape(n, oh, ow, -1)


def _four(values, name: str) -> tuple[int, int]:
    v = [int(e) for e in values]
    if len(v) != 4:
        raise InvalidArgumentError(f"extract_patches: {name} must have 4 elements, got {values}")
    if v[0] != 1 or v[3] != 1:
        raise UnimplementedError(
            f"Only support {'ksizes' if name == 'sizes' else name} across space. "
            f"(extract_patches: {name} must be "
            f"[1, rows, cols, 1], got {values})"
        )
    return v[1], v[2]


def extract_patches(images, sizes, strides, rates, padding) -> Tensor:
    """Every ``sizes`` patch (flattened row, column, channel) on a strided grid."""
    images = _check_4d(images, "extract_patches")
    if padding not in ("VALID", "SAME"):  # TF's attr check is case-sensitive
        raise InvalidArgumentError(
            f"Value for attr 'padding' of \"{padding}\" is not in the list of allowed values: "
            '"SAME", "VALID"'
        )
    return _extract_patches(
        images, _four(sizes, "sizes"), _four(strides, "strides"), _four(rates, "rates"), padding
    )
