"""``tf.image`` box ops: ``crop_and_resize`` and greedy non-max suppression.

``crop_and_resize`` is one jtape op (gradients are JAX's, for the image and the boxes).
The non-max suppressions pick indices, whose number depends on the values: they run on
the host over concrete boxes and scores (eagerly or in a ``tf.data`` map), with TF's
float32 IoU and tie order, so they select exactly TF's boxes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._op import op
from ._op_errors import InvalidArgumentError, OutOfRangeError
from ._tensor import Tensor


def _tensor(x) -> Tensor:
    from ._array_ops import convert_to_tensor

    return x if isinstance(x, Tensor) else convert_to_tensor(x)


# -- crop_and_resize ------------------------------------------------------------------
def _sample_points(lo, hi, size: int, extent: int):
    """TF's sample coordinates along one axis for every box: ``[boxes, size]``."""
    scale = (hi - lo) * (extent - 1) / (size - 1) if size > 1 else jnp.zeros_like(lo)
    steps = jnp.arange(size, dtype=jnp.float32)
    if size > 1:
        return lo[:, None] * (extent - 1) + steps[None, :] * scale[:, None]
    return jnp.broadcast_to((0.5 * (lo + hi) * (extent - 1))[:, None], (lo.shape[0], size))


@op
def _crop_and_resize(image, boxes, box_indices, crop_size, method, extrapolation_value):
    image = image.astype(jnp.float32)
    boxes = boxes.astype(jnp.float32)
    h, w = image.shape[1], image.shape[2]
    ch, cw = crop_size
    ys = _sample_points(boxes[:, 0], boxes[:, 2], ch, h)  # [b, ch]
    xs = _sample_points(boxes[:, 1], boxes[:, 3], cw, w)  # [b, cw]
    valid = ((ys >= 0) & (ys <= h - 1))[:, :, None] & ((xs >= 0) & (xs <= w - 1))[:, None, :]
    imgs = image[box_indices]  # [b, h, w, c]
    take = jax.vmap(lambda im, yi, xi: im[yi[:, None], xi[None, :]])
    if method == "nearest":
        # C's roundf (halves away from zero; the samples kept are >= 0), not half-to-even
        yi = jnp.clip(jnp.floor(ys + 0.5), 0, h - 1).astype(jnp.int32)
        xi = jnp.clip(jnp.floor(xs + 0.5), 0, w - 1).astype(jnp.int32)
        out = take(imgs, yi, xi)
    else:
        top = jnp.clip(jnp.floor(ys), 0, h - 1)
        bottom = jnp.clip(jnp.ceil(ys), 0, h - 1)
        left = jnp.clip(jnp.floor(xs), 0, w - 1)
        right = jnp.clip(jnp.ceil(xs), 0, w - 1)
        y_lerp = (ys - jnp.floor(ys))[:, :, None, None]
        x_lerp = (xs - jnp.floor(xs))[:, None, :, None]
        t, b = top.astype(jnp.int32), bottom.astype(jnp.int32)
        lft, r = left.astype(jnp.int32), right.astype(jnp.int32)
        tl, tr = take(imgs, t, lft), take(imgs, t, r)
        bl, br = take(imgs, b, lft), take(imgs, b, r)
        top_row = tl + (tr - tl) * x_lerp
        bottom_row = bl + (br - bl) * x_lerp
        out = top_row + (bottom_row - top_row) * y_lerp
    return jnp.where(valid[..., None], out, jnp.float32(extrapolation_value))


def crop_and_resize(
    image,
    boxes,
    box_indices,
    crop_size,
    method: str = "bilinear",
    extrapolation_value: float = 0.0,
    name=None,
) -> Tensor:
    """Crop normalized ``[y1, x1, y2, x2]`` boxes of a batch of images and resize each
    crop to ``crop_size`` (``"bilinear"`` or ``"nearest"``): float32 ``[boxes, h, w, c]``.

    Samples outside the image take ``extrapolation_value``; ``y1 > y2`` flips the crop.

    Example:
        >>> import jtape as jt
        >>> img = jt.reshape(jt.range(16.0), [1, 4, 4, 1])
        >>> out = crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [2, 2])
        >>> out.numpy()[0, :, :, 0].tolist()
        [[0.0, 3.0], [12.0, 15.0]]
    """
    image, boxes, box_indices = _tensor(image), _tensor(boxes), _tensor(box_indices)
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"method must be 'bilinear' or 'nearest', got {method!r}")
    if len(image.shape) != 4:
        raise InvalidArgumentError(f"input image must be 4-D, got shape {tuple(image.shape)}")
    if len(boxes.shape) != 2 or boxes.shape[-1] != 4:
        raise InvalidArgumentError(f"boxes must be 2-D [num_boxes, 4], got {tuple(boxes.shape)}")
    if tuple(box_indices.shape) != (boxes.shape[0],):
        raise InvalidArgumentError(
            f"box_index has incompatible shape {tuple(box_indices.shape)} for "
            f"{boxes.shape[0]} boxes"
        )
    size = np.asarray(getattr(crop_size, "_value", crop_size)).reshape(-1).tolist()
    if len(size) != 2 or min(size) <= 0:
        raise InvalidArgumentError(f"crop dimensions must be positive, got {size}")
    concrete = getattr(box_indices, "_value", None)
    if concrete is not None and not isinstance(concrete, jax.core.Tracer):
        ids = np.asarray(concrete)
        if ids.size and (ids.min() < 0 or ids.max() >= image.shape[0]):
            raise OutOfRangeError(f"box_index has values outside [0, batch_size): {ids.tolist()}")
    return _crop_and_resize(
        image, boxes, box_indices, (int(size[0]), int(size[1])), method, float(extrapolation_value)
    )


# -- non-max suppression --------------------------------------------------------------
def _host(x, what: str) -> np.ndarray:
    value = getattr(x, "_value", x)
    if hasattr(x, "_jt_read"):
        value = x._jt_read()._value
    if isinstance(value, jax.core.Tracer):
        raise TypeError(
            f"tf.image.non_max_suppression needs the value of `{what}`, which is not known "
            "while jt.function traces: it selects a data-dependent number of boxes on the "
            "host. Call it eagerly or in a tf.data map."
        )
    return np.asarray(value)


def _iou(boxes: np.ndarray, i: int, j: int) -> np.float32:
    """TF's float32 IoU of boxes ``i`` and ``j`` (corners in any order; empty: 0)."""
    a, b = boxes[i], boxes[j]
    ymin_i, ymax_i = min(a[0], a[2]), max(a[0], a[2])
    xmin_i, xmax_i = min(a[1], a[3]), max(a[1], a[3])
    ymin_j, ymax_j = min(b[0], b[2]), max(b[0], b[2])
    xmin_j, xmax_j = min(b[1], b[3]), max(b[1], b[3])
    area_i = (ymax_i - ymin_i) * (xmax_i - xmin_i)
    area_j = (ymax_j - ymin_j) * (xmax_j - xmin_j)
    if area_i <= 0 or area_j <= 0:
        return np.float32(0.0)
    ih = max(min(ymax_i, ymax_j) - max(ymin_i, ymin_j), np.float32(0.0))
    iw = max(min(xmax_i, xmax_j) - max(xmin_i, xmin_j), np.float32(0.0))
    inter = ih * iw
    return np.float32(inter / (area_i + area_j - inter))


def _select(boxes, scores, max_output_size, iou_threshold, score_threshold):
    boxes = _host(boxes, "boxes").astype(np.float32)
    scores = _host(scores, "scores").astype(np.float32)
    limit = int(_host(max_output_size, "max_output_size"))
    iou = np.float32(_host(iou_threshold, "iou_threshold"))
    floor = np.float32(_host(score_threshold, "score_threshold"))
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise InvalidArgumentError(f"boxes must be 2-D [num_boxes, 4], got {boxes.shape}")
    if scores.shape != (boxes.shape[0],):
        raise InvalidArgumentError(
            f"scores has incompatible shape {scores.shape} for {boxes.shape[0]} boxes"
        )
    if not 0 <= iou <= 1:
        raise InvalidArgumentError("iou_threshold must be in [0, 1]")
    if limit < 0:
        raise InvalidArgumentError("max_output_size must be non-negative")
    # highest score first; equal scores keep the lower index first (TF's order)
    order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > floor]
    picked: list[int] = []
    for i in order:
        if len(picked) >= limit:
            break
        if all(_iou(boxes, i, j) <= iou for j in reversed(picked)):
            picked.append(i)
    return np.asarray(picked, np.int32), scores


def non_max_suppression(
    boxes,
    scores,
    max_output_size,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    name=None,
) -> Tensor:
    """Indices (int32) of at most ``max_output_size`` boxes, highest score first, that
    overlap no already selected box by an IoU above ``iou_threshold`` (TF's greedy NMS).

    Example:
        >>> boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3]]
        >>> non_max_suppression(boxes, [0.9, 0.8, 0.7], 3).numpy().tolist()
        [0, 2]
    """
    picked, _ = _select(boxes, scores, max_output_size, iou_threshold, score_threshold)
    return Tensor(jax.device_put(picked))


def non_max_suppression_with_scores(
    boxes,
    scores,
    max_output_size,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    soft_nms_sigma: float = 0.0,
    name=None,
) -> tuple[Tensor, Tensor]:
    """``non_max_suppression`` with the selected boxes' scores (float32). Soft-NMS
    (``soft_nms_sigma > 0``) is not provided in jtape and raises.

    Example:
        >>> idx, s = non_max_suppression_with_scores([[0, 0, 1, 1], [0, 2, 1, 3]], [0.6, 0.9], 2)
        >>> idx.numpy().tolist(), s.numpy().tolist()
        ([1, 0], [0.8999999761581421, 0.6000000238418579])
    """
    if float(_host(soft_nms_sigma, "soft_nms_sigma")) != 0.0:
        raise NotImplementedError(
            "tf.image.non_max_suppression_with_scores: soft-NMS (soft_nms_sigma > 0) is not "
            "provided by jtape; only hard suppression (soft_nms_sigma=0.0)"
        )
    picked, scores = _select(boxes, scores, max_output_size, iou_threshold, score_threshold)
    return Tensor(jax.device_put(picked)), Tensor(jax.device_put(scores[picked]))


def non_max_suppression_padded(
    boxes,
    scores,
    max_output_size,
    iou_threshold: float = 0.5,
    score_threshold: float = float("-inf"),
    pad_to_max_output_size: bool = False,
    name=None,
    sorted_input: bool = False,
    canonicalized_coordinates: bool = False,
    tile_size: int = 512,
) -> tuple[Tensor, Tensor]:
    """``(indices, valid_outputs)`` for one set of boxes: the indices padded with zeros to
    ``max_output_size`` when ``pad_to_max_output_size``; a batch ``[b, n, 4]`` raises.

    Example:
        >>> idx, n = non_max_suppression_padded(
        ...     [[0, 0, 1, 1], [0, 0, 1, 1]], [0.5, 0.9], 3, pad_to_max_output_size=True)
        >>> idx.numpy().tolist(), int(n)
        ([1, 0, 0], 1)
    """
    if np.ndim(_host(boxes, "boxes")) != 2:
        raise NotImplementedError(
            "tf.image.non_max_suppression_padded: jtape takes one set of boxes [n, 4]; run "
            "a batch one set at a time"
        )
    picked, _ = _select(boxes, scores, max_output_size, iou_threshold, score_threshold)
    valid = np.int32(picked.size)
    if pad_to_max_output_size:
        limit = int(_host(max_output_size, "max_output_size"))
        picked = np.pad(picked, (0, limit - picked.size))
    return Tensor(jax.device_put(picked)), Tensor(jax.device_put(valid))


# -- draw_bounding_boxes ----------------------------------------------------------------
def _box_lines(box: np.ndarray, h: int, w: int):
    """TF's outline of one normalized box: (row, col0, col1) segments and (col, row0,
    row1) segments, in pixels, or None when the box lies outside the image."""
    top, left = int(box[0] * np.float32(h - 1)), int(box[1] * np.float32(w - 1))
    bottom, right = int(box[2] * np.float32(h - 1)), int(box[3] * np.float32(w - 1))
    if top > bottom or left > right:
        return None
    if top >= h or bottom < 0 or left >= w or right < 0:
        return None
    r0, r1 = max(top, 0), min(bottom, h - 1)
    c0, c1 = max(left, 0), min(right, w - 1)
    rows = [r for r in (top, bottom) if 0 <= r < h]
    cols = [c for c in (left, right) if 0 <= c < w]
    return [(r, c0, c1) for r in rows], [(c, r0, r1) for c in cols]


def draw_bounding_boxes(images, boxes, colors, name=None) -> Tensor:
    """Copy of a batch ``[n, h, w, depth]`` of images with the one-pixel outline of each
    normalized ``[y_min, x_min, y_max, x_max]`` box (``boxes``: ``[n, boxes, 4]``) drawn
    in ``colors`` (rows of at least ``depth`` values, cycled). Host-side, no gradient.

    Example:
        >>> import jtape as jt
        >>> out = draw_bounding_boxes(jt.zeros([1, 3, 3, 1]), [[[0, 0, 1, 1]]], [[1.0]])
        >>> out.numpy()[0, :, :, 0].tolist()
        [[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]
    """
    imgs = _host(images, "images")
    box_arr = _host(boxes, "boxes").astype(np.float32)
    table = np.asarray(_host(colors, "colors"), np.float32)
    if imgs.ndim != 4:
        raise InvalidArgumentError(f"The rank of the images should be 4, got {imgs.ndim}")
    if imgs.dtype.name not in ("float32", "float16"):
        raise InvalidArgumentError(
            f"Value for attr 'T' of {imgs.dtype.name} is not in the list of allowed values: "
            "float, half"
        )
    n, h, w, depth = imgs.shape
    if box_arr.ndim != 3 or box_arr.shape[0] != n or box_arr.shape[-1] != 4:
        raise InvalidArgumentError(
            f"boxes must be [batch, num_boxes, 4] for {n} images, got {box_arr.shape}"
        )
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] < depth:
        raise InvalidArgumentError(
            f"Channel depth should be less than or equal to color channels {table.shape}"
        )
    out = imgs.copy()
    for b in range(n):
        for k, box in enumerate(box_arr[b]):
            lines = _box_lines(box, h, w)
            if lines is None:
                continue
            color = table[k % table.shape[0], :depth].astype(imgs.dtype)
            for r, c0, c1 in lines[0]:
                out[b, r, c0 : c1 + 1] = color
            for c, r0, r1 in lines[1]:
                out[b, r0 : r1 + 1, c] = color
    return Tensor(jax.device_put(out))
