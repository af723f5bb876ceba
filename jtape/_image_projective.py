"""TF's ``ImageProjectiveTransformV3`` in pure JAX: the image warp under Keras'
``RandomRotation``/``RandomZoom``/``RandomTranslation`` and ``keras.ops.image.affine_transform``.

A transform is 8 numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]`` mapping each *output* pixel
``(x, y)`` to the input point ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with
``k = c0 x + c1 y + 1``. Points outside the image are first mapped back by ``fill_mode``
(``reflect``, ``wrap``, ``nearest``; ``constant`` keeps them outside) with TF's kernel rules,
then read with ``nearest`` (``std::round``: halves away from zero) or ``bilinear``
interpolation, where every neighbour outside the image reads ``fill_value``. As in TF, the
interpolation runs in float32 whatever the image dtype, and the result is cast back (integer
images truncate toward zero).

The gradient is TF's registered one, not the exact adjoint: the incoming gradient is warped
by the inverse transform with the same modes and ``fill_value=0``; the transforms get None.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._op import op

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _trunc(x):
    """C++'s ``static_cast<DenseIndex>`` of a float (toward zero), kept as a float."""
    return jnp.trunc(x)


def _map_coordinate(c, size: int, fill_mode: str):
    """TF's ``MapCoordinate<float, mode>`` for one axis of length ``size`` (float32)."""
    if fill_mode == "constant":
        return c
    hi = jnp.float32(size - 1)
    if fill_mode == "nearest":
        return jnp.clip(c, 0.0, hi)
    if size <= 1:
        # out-of-range coordinates become 0; the clamp then leaves only 0 (or NaN)
        return jnp.where((c < 0) | (c > hi), jnp.float32(0), c).clip(0.0, hi)
    n = jnp.float32(size)
    if fill_mode == "reflect":
        sz2 = jnp.float32(2 * size)
        # c < 0: TF's `if (in < sz2)` always holds for a negative coordinate
        neg = sz2 * _trunc(-c / sz2) + c
        neg = jnp.where(neg < -n, neg + sz2, -neg - 1)
        pos = c - sz2 * _trunc(c / sz2)
        pos = jnp.where(pos >= n, sz2 - pos - 1, pos)
    else:  # wrap: TF divides by len - 1 but steps by len
        sz = jnp.float32(size - 1)
        neg = c + n * (_trunc(-c / sz) + 1)
        pos = c - n * _trunc(c / sz)
    c = jnp.where(c < 0, neg, jnp.where(c > hi, pos, c))
    return jnp.clip(c, 0.0, hi)


def _reader(flat, h: int, w: int, fill):
    """``read_with_fill_value``: pixels at integer-valued float coordinates (or fill)."""

    def read(y, x):
        inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
        yi = jnp.where(inside, y, 0).astype(jnp.int32)
        xi = jnp.where(inside, x, 0).astype(jnp.int32)
        vals = jnp.take(flat, (yi * w + xi).reshape(-1), axis=0).reshape(*yi.shape, -1)
        return jnp.where(inside[..., None], vals, fill)

    return read


def _warp_one(image, t, row0, fill, output_shape, interpolation: str, fill_mode: str):
    """Output rows ``row0 ...`` (``output_shape[0]`` of them) of one ``(h, w, c)`` image
    under one transform ``t`` (8 floats)."""
    h, w, ch = image.shape
    out_h, out_w = output_shape
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[i] for i in range(8))
    ys = (row0 + jnp.arange(out_h, dtype=jnp.int32)).astype(jnp.float32)[:, None]
    xs = jnp.arange(out_w, dtype=jnp.float32)[None, :]
    proj = c0 * xs + c1 * ys + 1.0
    x = _map_coordinate((a0 * xs + a1 * ys + a2) / proj, w, fill_mode)
    y = _map_coordinate((b0 * xs + b1 * ys + b2) / proj, h, fill_mode)
    read = _reader(image.reshape(h * w, ch), h, w, fill)
    if interpolation == "nearest":
        rounded = lambda v: jnp.sign(v) * jnp.floor(jnp.abs(v) + 0.5)  # noqa: E731 std::round
        out = read(rounded(y), rounded(x))
    else:
        yf, xf = jnp.floor(y), jnp.floor(x)
        yc, xc = yf + 1.0, xf + 1.0
        wx0, wx1 = (xc - x)[..., None], (x - xf)[..., None]
        f32 = jnp.float32
        top = wx0 * read(yf, xf).astype(f32) + wx1 * read(yf, xc).astype(f32)
        bottom = wx0 * read(yc, xf).astype(f32) + wx1 * read(yc, xc).astype(f32)
        out = ((yc - y)[..., None] * top + (y - yf)[..., None] * bottom).astype(image.dtype)
    return jnp.where((proj == 0)[..., None], fill, out)


def projective_transform_value(
    images, transforms, fill_value, output_shape, interpolation: str, fill_mode: str
):
    """The pure warp on arrays: ``images`` ``(n, h, w, c)``, ``transforms`` ``(1 | n, 8)``."""
    n = images.shape[0]
    t = jnp.broadcast_to(jnp.asarray(transforms, jnp.float32), (n, 8))
    # TF casts the float fill value to the image dtype first (a uint8 fill truncates).
    fill = jnp.asarray(fill_value, jnp.float32).astype(images.dtype)
    out_h, out_w = output_shape
    modes = (interpolation, fill_mode)
    # A loop over the images, not one batched gather: the loop's input is materialized,
    # while XLA (on CPU, where optimization barriers are dropped) fuses a producer into
    # a gather and recomputes it for each of the 4 reads per pixel, so chained warps
    # (rotation, zoom, translation in one jt.function) ran ~5-10x slower than eagerly.
    if n > 1:
        return jax.lax.map(
            lambda a: _warp_one(a[0], a[1], 0, fill, (out_h, out_w), *modes), (images, t)
        )
    # One image: XLA unrolls a one-trip loop, so loop over two halves of its rows.
    half = -(-out_h // 2)
    rows = jax.lax.map(
        lambda r: _warp_one(images[0], t[0], r, fill, (half, out_w), *modes),
        jnp.array([0, half], jnp.int32),
    )
    return rows.reshape(1, 2 * half, out_w, -1)[:, :out_h]


def _inverse(transforms):
    """TF's gradient transform: the inverse 3x3 matrix, divided by its last entry."""
    t = jnp.asarray(transforms, jnp.float32)
    mats = jnp.concatenate([t, jnp.ones((t.shape[0], 1), t.dtype)], axis=1).reshape(-1, 3, 3)
    inv = jnp.linalg.inv(mats).reshape(-1, 9)
    return (inv / inv[:, 8:9])[:, :8]


def _warp_fwd(images, transforms, fill_value, config):
    out = projective_transform_value(images, transforms, fill_value, *config)
    return out, (images.shape, transforms, fill_value)


def _warp_bwd(config, res, g):
    (_n, h, w, _c), transforms, fill_value = res
    _shape, interpolation, fill_mode = config
    grad = projective_transform_value(
        g, _inverse(transforms), 0.0, (h, w), interpolation, fill_mode
    )
    return grad, jnp.zeros_like(transforms), jnp.zeros_like(fill_value)


_warp = jax.custom_vjp(
    lambda images, transforms, fill_value, config: projective_transform_value(
        images, transforms, fill_value, *config
    ),
    nondiff_argnums=(3,),
)
_warp.defvjp(_warp_fwd, _warp_bwd)


def warp(images, transforms, fill_value, output_shape, interpolation: str, fill_mode: str):
    """:func:`projective_transform_value` with TF's gradient (for use inside an op)."""
    transforms = jnp.asarray(transforms, jnp.float32)
    fill_value = jnp.asarray(fill_value, jnp.float32)
    config = (tuple(int(s) for s in output_shape), interpolation, fill_mode)
    if not jnp.issubdtype(images.dtype, jnp.inexact):
        return projective_transform_value(images, transforms, fill_value, *config)
    return _warp(images, transforms, fill_value, config)


def _projective_transform(images, transforms, fill_value, output_shape, interpolation, fill_mode):
    return warp(images, transforms, fill_value, output_shape, interpolation, fill_mode)


_projective_transform._jt_none_grads = frozenset({1, 2})
_projective_transform_op = op(_projective_transform, name="image_projective_transform_v3")


def check_transform_args(images_shape, transforms_shape, interpolation, fill_mode) -> None:
    """TF's argument checks (``InvalidArgumentError`` in TF; ValueError for the names)."""
    from ._op_errors import InvalidArgumentError

    interpolation, fill_mode = interpolation.lower(), fill_mode.lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"interpolation must be one of {INTERPOLATIONS}; received {interpolation!r}"
        )
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}; received {fill_mode!r}")
    if len(images_shape) != 4:
        raise InvalidArgumentError(
            f"Input images must have rank 4, received shape {list(images_shape)}"
        )
    if len(transforms_shape) != 2 or transforms_shape[1] != 8:
        raise InvalidArgumentError(
            f"Input transform should be num_images x 8, got {list(transforms_shape)}"
        )
    if transforms_shape[0] not in (1, images_shape[0]):
        raise InvalidArgumentError(
            "Input transform should be num_images x 8 or 1 x 8, got "
            f"{list(transforms_shape)} for {images_shape[0]} images",
        )


def image_projective_transform_v3(
    images,
    transforms,
    output_shape,
    fill_value=0.0,
    interpolation: str = "NEAREST",
    fill_mode: str = "CONSTANT",
):
    """TF's ``tf.raw_ops.ImageProjectiveTransformV3`` (batched channels-last images).

    Example:
        >>> import numpy as np
        >>> img = np.arange(9.0, dtype=np.float32).reshape(1, 3, 3, 1)
        >>> shift = np.array([[1, 0, 1, 0, 1, 0, 0, 0]], np.float32)  # read x + 1
        >>> out = image_projective_transform_v3(img, shift, (3, 3), interpolation="BILINEAR")
        >>> out.numpy()[0, :, :, 0].tolist()
        [[1.0, 2.0, 0.0], [4.0, 5.0, 0.0], [7.0, 8.0, 0.0]]
    """
    check_transform_args(
        tuple(np.shape(images)), tuple(np.shape(transforms)), interpolation, fill_mode
    )
    out_h, out_w = (int(s) for s in np.asarray(output_shape).reshape(-1))
    return _projective_transform_op(
        images,
        transforms,
        float(fill_value),
        (out_h, out_w),
        interpolation.lower(),
        fill_mode.lower(),
    )
