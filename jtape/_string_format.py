"""A tensor as ``tf.strings.format`` (and ``tf.print``) writes it: TF's summarized layout.

Elements are separated by spaces, rows by a newline and one more space of indentation
per level (a blank line more per outer level), and any dimension longer than
``2 * summarize`` shows its first and last ``summarize`` entries around ``...``.
Floats are written as C's ``%g`` with 6 significant digits (15 for float64), or 9 (17)
when those do not read back as the same number; strings are quoted; booleans are 1/0.
"""

from __future__ import annotations

import numpy as np


def _float(v, digits: int, again: int, dtype) -> str:
    text = f"{v:.{digits}g}"
    if np.isfinite(v) and dtype(text) != dtype(v):
        text = f"{v:.{again}g}"
    return text


def element(v) -> str:
    """One element as TF writes it inside a tensor summary."""
    if isinstance(v, bytes):
        return '"' + v.decode("utf-8", errors="replace") + '"'
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, np.floating):
        if v.dtype == np.float64:
            return _float(float(v), 15, 17, np.float64)
        return _float(float(v), 6, 9, np.float32)
    if isinstance(v, np.complexfloating):
        return f"({element(v.real)},{element(v.imag)})"
    return str(v.item() if isinstance(v, np.generic) else v)


def _spacing(dim: int, rank: int) -> str:
    if dim == rank - 1:
        return " "
    return "\n" * (rank - dim - 1) + " " * (dim + 1)


def _dim(arr: np.ndarray, dim: int, index: tuple, ends: int, out: list) -> None:
    if dim == arr.ndim:
        out.append(element(arr[index]))
        return
    out.append("[")
    count = arr.shape[dim]
    head = range(min(ends, count))
    tail = range(max(ends, count - ends), count)
    for i in head:
        if i > 0:
            out.append(_spacing(dim, arr.ndim))
        _dim(arr, dim + 1, index + (i,), ends, out)
    if count > 2 * ends:
        out.append(_spacing(dim, arr.ndim))
        out.append("...")
    for i in tail:
        out.append(_spacing(dim, arr.ndim))
        _dim(arr, dim + 1, index + (i,), ends, out)
    out.append("]")


def summarize(arr: np.ndarray, summarize: int = 3) -> str:
    """``arr`` in TF's summarized layout (``summarize < 0``: every element).

    Example:
        >>> summarize(np.arange(10), 2)
        '[0 1 ... 8 9]'
    """
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return element(arr[()])
    if arr.size == 0 and arr.ndim > 1:
        raise NotImplementedError(
            "tf.strings.format: jtape does not write TF's summary of an empty tensor of rank "
            f"{arr.ndim} (shape {arr.shape})"
        )
    ends = max(arr.shape) if summarize < 0 else int(summarize)
    out: list = []
    _dim(arr, 0, (), ends, out)
    return "".join(out)
