"""``model.summary()``: a table of layers, output shapes and parameter counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _size_str(n_bytes: int) -> str:
    # Keras' readable_memory_size: powers of 1024 with two decimals.
    units = ["B", "KB", "MB", "GB", "TB"]
    size = float(n_bytes)
    for unit in units:
        if size < 1024 or unit == units[-1]:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"  # unreachable


def _count(variables) -> tuple[int, int]:
    n = sum(int(np.prod(v.shape)) for v in variables)
    nbytes = sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables)
    return n, nbytes


def _shape_str(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_shape_str(v)}" for k, v in shape.items()) + "}"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_str(s) for s in shape) + "]"
    return str(tuple(shape))


def print_summary(
    model,
    line_length: int | None = None,
    positions: Sequence[float] | None = None,
    print_fn: Callable[[str], Any] | None = None,
    show_trainable: bool = False,
) -> None:
    """Print (or pass to ``print_fn`` line by line) the summary table of ``model``."""
    print_fn = print_fn or print
    line_length = line_length or 65
    positions = list(positions or [0.45, 0.85, 1.0])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if show_trainable:
        headers.append("Trainable")
        positions.append(line_length + 11)
        line_length += 11

    def row(fields: list[str]) -> str:
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += field
            line = line[: positions[i]]
            line += " " * (positions[i] - len(line))
        return line.rstrip()

    lines = [f'Model: "{model.name}"', "_" * line_length, row(headers), "=" * line_length]
    layers = model.layers
    for i, layer in enumerate(layers):
        shape = layer._jt_output_shape
        params = f"{_count(layer.weights)[0]:,}" if layer.built else "0 (unbuilt)"
        fields = [f"{layer.name} ({type(layer).__name__})", _shape_str(shape), params]
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        lines.append(row(fields))
        if i < len(layers) - 1:
            lines.append("")
    lines.append("=" * line_length)
    total, total_b = _count(model.weights)
    trainable, trainable_b = _count(model.trainable_weights)
    non_trainable, non_trainable_b = _count(model.non_trainable_weights)
    lines.append(f"Total params: {total:,} ({_size_str(total_b)})")
    lines.append(f"Trainable params: {trainable:,} ({_size_str(trainable_b)})")
    lines.append(f"Non-trainable params: {non_trainable:,} ({_size_str(non_trainable_b)})")
    lines.append("_" * line_length)
    for line in lines:
        print_fn(line)
