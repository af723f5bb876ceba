"""Keras' dataset builders on ``jtape.data.Dataset``: ``split_dataset``,
``timeseries_dataset_from_array``, ``text_dataset_from_directory`` and
``image_dataset_from_directory``.

What Keras 3.15 decides with numpy or Python's ``random`` is reproduced exactly: the
windows and their shuffled order before batching (``RandomState(seed)``), which files
``validation_split``/``subset`` put on which side for a given ``seed``, the class order
(sorted subdirectory names), label encodings and dtypes, and ``split_dataset``'s shuffle
(``random.seed(seed)``). What TensorFlow's ``Dataset.shuffle`` adds on top (the local
per-epoch reshuffle of the training files/windows) uses jtape's stream: the same
elements, in another order.

Example:
    >>> import numpy as np
    >>> from jtape.nn.utils import timeseries_dataset_from_array
    >>> ds = timeseries_dataset_from_array(np.arange(6), None, sequence_length=3, batch_size=2)
    >>> [b.numpy().tolist() for b in ds]
    [[[0, 1, 2], [1, 2, 3]], [[2, 3, 4], [3, 4, 5]]]
"""

from __future__ import annotations

import os
import random

import numpy as np

from .. import data as _data
from ..data._dataset import Dataset
from ..data._structure import TensorSpec

__all__ = [
    "image_dataset_from_directory",
    "split_dataset",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


# -- split_dataset --------------------------------------------------------------------------
def _samples(dataset) -> tuple[list, str]:
    """The dataset as a list of per-sample structures, and its kind."""
    if isinstance(dataset, (list, tuple)):
        what = "list" if isinstance(dataset, list) else "tuple"
        if not dataset:
            raise ValueError(
                f"Received an empty {what} dataset. Please provide a non-empty {what} of arrays."
            )
        for i, a in enumerate(dataset):
            if not isinstance(a, np.ndarray):
                raise ValueError(
                    f"Expected a {what} of `numpy.ndarray` objects,"
                    f"Received: {type(a)} at index {i}."
                )
            if a.shape[0] != dataset[0].shape[0]:
                raise ValueError(
                    f"Received a {what} of NumPy arrays with different lengths.Mismatch found at "
                    f"index {i}, Expected shape={dataset[0].shape} Received shape={a.shape}."
                )
        return list(zip(*dataset)), "tuple"
    if isinstance(dataset, np.ndarray):
        return list(dataset), "array"
    if isinstance(dataset, Dataset):
        import jax

        if dataset._kind == "BatchDataset":  # split samples, then batch again (as Keras)
            dataset = dataset.unbatch()
        rows = [jax.tree_util.tree_map(np.asarray, e) for e in dataset.as_numpy_iterator()]
        return rows, "dataset"
    raise TypeError(
        "The `dataset` argument must be either a `tf.data.Dataset` object, or a list/tuple of "
        f"arrays. Received: dataset={dataset} of type {type(dataset)}"
    )


def _split_sizes(left, right, total: int) -> tuple[int, int]:
    for name, v in (("left_size", left), ("right_size", right)):
        if v is not None and type(v) not in (int, float):
            raise TypeError(
                f"Invalid `{name}` Type. Expected: int or float or None, "
                f"Received: type({name})={type(v)}."
            )
    if left == 0 and right == 0:
        raise ValueError(
            "Both `left_size` and `right_size` are zero. "
            "At least one of the split sizes must be non-zero."
        )
    for name, v in (("left_size", left), ("right_size", right)):
        if (type(v) is int and (v <= 0 or v >= total)) or (type(v) is float and (v <= 0 or v >= 1)):
            raise ValueError(
                f"`{name}` should be either a positive integer smaller than {total}, or a float "
                f"within the range `[0, 1]`. Received: {name}={v}"
            )
    if type(left) is float and type(right) is float and left + right > 1:
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. "
            "It must be less than or equal to 1."
        )
    left = round(left * total) if type(left) is float else left
    right = round(right * total) if type(right) is float else right
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be smaller than the {total}. "
            f"Received: left_size + right_size = {left + right}and total_length = {total}"
        )
    for n, side in ((left, "left"), (right, "right")):
        if n == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}."
                f"Resulting {side} side dataset split will be empty. Adjust any of the "
                "aforementioned parameters"
            )
    return int(left), int(right)


def _restack(rows: list, kind: str):
    import jax

    if kind == "array":
        return np.array(rows)
    stacked = jax.tree_util.tree_map(lambda *xs: np.array(xs), *rows)
    return tuple(stacked) if isinstance(stacked, list) else stacked


def split_dataset(
    dataset,
    left_size=None,
    right_size=None,
    shuffle: bool = False,
    seed=None,
    preferred_backend=None,
):
    """Two datasets: the first ``left_size`` samples and the last ``right_size``.

    Sizes are counts (int) or fractions (float, rounded with Python's ``round``); one may be
    None (the complement). ``dataset`` is an array, a list/tuple of arrays with one length,
    or a ``jtape.data.Dataset`` (whose elements are samples; a directly ``batch``-ed one is
    unbatched, split and batched again, as Keras does). ``shuffle`` permutes
    the samples first with ``random.seed(seed)`` as Keras does, so the split matches.

    >>> import numpy as np
    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> int(left.cardinality()), int(right.cardinality())
    (8, 2)
    """
    if preferred_backend not in (None, "tensorflow", "jax"):
        raise ValueError(
            f"split_dataset: preferred_backend={preferred_backend!r} is not supported by jtape"
        )
    if right_size is None and left_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. Received: "
            "left_size=None and right_size=None"
        )
    batch_size = None
    if isinstance(dataset, Dataset) and dataset._kind == "BatchDataset":
        first = next(iter(dataset.as_numpy_iterator()), None)
        if first is not None:
            import jax

            batch_size = int(np.shape(jax.tree_util.tree_leaves(first)[0])[0])
    rows, kind = _samples(dataset)
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.seed(seed)
        random.shuffle(rows)
    left, right = _split_sizes(left_size, right_size, len(rows))
    sides = [
        Dataset.from_tensor_slices(_restack(part, kind)) for part in (rows[:left], rows[-right:])
    ]
    if batch_size is not None:
        sides = [side.batch(batch_size) for side in sides]
    return sides[0], sides[1]


# -- timeseries_dataset_from_array ---------------------------------------------------------
def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed=None,
    start_index: int | None = None,
    end_index: int | None = None,
    format: str = "tf",  # noqa: A002 - Keras' name
):
    """Sliding windows over ``data`` (optionally paired with ``targets``) as a dataset.

    Window ``i`` is ``data[start + p_i + k * sampling_rate]`` for ``k < sequence_length``
    with ``p_i = i * sequence_stride``; its target is ``targets[start + p_i]``. With
    ``shuffle`` the window order is Keras' ``RandomState(seed)`` permutation, then locally
    reshuffled each epoch by a ``batch_size * 8`` buffer (jtape's stream; order differs).
    """
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(
                f"`start_index` must be 0 or greater. Received: start_index={start_index}"
            )
        if start_index >= n:
            raise ValueError(
                "`start_index` must be lower than the length of the data. Received: "
                f"start_index={start_index}, for data of length {n}"
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index} "
            )
        if end_index >= n:
            raise ValueError(
                "`end_index` must be lower than the length of the data. Received: "
                f"end_index={end_index}, for data of length {n}"
            )
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, v in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if v <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={v}")
        if v >= n:
            raise ValueError(
                f"`{name}` must be lower than the length of the data. Received: {name}={v}, "
                f"for data of length {n}"
            )
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    start = start_index or 0
    stop = n if end_index is None else end_index
    num_seqs = stop - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    dtype = "int32" if num_seqs < 2147483647 else "int64"
    positions = np.arange(0, num_seqs, sequence_stride, dtype=dtype)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    window = positions[:, None] + np.arange(sequence_length, dtype=dtype) * sampling_rate
    series = np.asarray(data)[start:stop]
    elements = series[window]
    if targets is not None:
        elements = (elements, np.asarray(targets)[start:stop][positions])
    dataset = Dataset.from_tensor_slices(elements)
    if shuffle:
        dataset = dataset.shuffle(batch_size * 8 if batch_size is not None else 1024, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset


# -- directories ------------------------------------------------------------------------------
def _check_split_args(validation_split, subset, shuffle, seed) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"`validation_split` must be between 0 and 1, received: {validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f'`subset` must be either "training", "validation" or "both", received: {subset}'
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset."
        )


def _files_under(directory: str, follow_links: bool, formats) -> list[str]:
    found = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(formats)]
    return found


def index_directory(
    directory,
    labels,
    formats,
    class_names=None,
    shuffle=True,
    seed=None,
    follow_links=False,
    verbose=True,
):
    """``(file_paths, labels, class_names)`` as Keras lists a directory, shuffled with
    ``RandomState(seed)`` like Keras (sorted when ``shuffle=False``)."""
    directory = os.fspath(directory)
    if labels == "inferred":
        subdirs = [
            d
            for d in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of "
                    f"the target directory. Expected: {subdirs} (or a subset of it), but "
                    f"received: class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError(
                    "When `labels=None` (no labels), argument `class_names` cannot be specified."
                )
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` cannot be "
                "specified (the `class_names` will be the sorted list of labels)."
            )
    paths, found = [], []
    for index, sub in enumerate(subdirs):
        files = _files_under(os.path.join(directory, sub), follow_links, formats)
        paths += files
        found += [index] * len(files)
    if labels == "inferred":
        class_names = subdirs
        labels = np.asarray(found, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(paths):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                f"directory {directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels, dtype="int32")  # from_tensor_slices of Python ints
    if verbose:
        if labels is None:
            print(f"Found {len(paths)} files.")
        else:
            print(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def _subset(paths, labels, validation_split, subset):
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - n_val} files for training.")
        return paths[:-n_val], None if labels is None else labels[:-n_val]
    print(f"Using {n_val} files for validation.")
    return paths[-n_val:], None if labels is None else labels[-n_val:]


def _encode_labels(labels, label_mode, num_classes) -> np.ndarray:
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        # tf.one_hot: an index outside [0, num_classes) gives a row of zeros
        return (labels[:, None] == np.arange(num_classes)).astype("float32")
    return labels


def _lazy(
    paths, labels, label_mode, num_classes, load, spec, shuffle, buffer_size, seed, batch_size
):
    """Elements ``load(path)`` (with encoded labels), read as they are iterated."""
    encoded = None if label_mode is None else _encode_labels(labels, label_mode, num_classes)

    def make_iter():
        for i, p in enumerate(paths):
            yield load(p) if encoded is None else (load(p), encoded[i])

    if encoded is not None:
        spec = (spec, TensorSpec(encoded.shape[1:], encoded.dtype))
    dataset = Dataset(make_iter, spec, len(paths), "MapDataset")
    if shuffle:
        dataset = dataset.shuffle(buffer_size, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(_data.AUTOTUNE)


def _from_directory(
    directory,
    labels,
    label_mode,
    class_names,
    batch_size,
    shuffle,
    seed,
    validation_split,
    subset,
    follow_links,
    verbose,
    formats,
    kind,
    load,
    spec,
):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"`labels` argument should be a list/tuple of integer labels, of the same size "
                f"as the number of {kind} files in the target directory. If you wish to infer "
                "the labels from the subdirectory names in the target directory, pass "
                f'`labels="inferred"`. If you wish to get a dataset that only contains {kind} '
                f"samples (no labels), pass `labels=None`. Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                'You can only pass `class_names` if `labels="inferred"`. Received: '
                f"labels={labels}, and class_names={class_names}"
            )
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )
    if labels is None or label_mode is None:
        labels = label_mode = None
    _check_split_args(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory,
        labels,
        formats=formats,
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    buffer_size = batch_size * 8 if batch_size is not None else 1024
    num_classes = len(class_names) if class_names else 0
    what = "text files" if kind == "text" else "images"
    allowed = "Allowed format: .txt" if kind == "text" else f"Allowed formats: {formats}"

    def build(sub, shuffled):
        p, lab = _subset(paths, labels, validation_split, sub)
        if not p:
            prefix = (
                {"training": "training ", "validation": "validation "}.get(sub, "")
                if subset == "both"
                else ""
            )
            raise ValueError(f"No {prefix}{what} found in directory {directory}. {allowed}")
        ds = _lazy(
            p, lab, label_mode, num_classes, load, spec, shuffled, buffer_size, seed, batch_size
        )
        ds.class_names = class_names
        ds.file_paths = list(p)
        return ds

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed=None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    format: str = "tf",  # noqa: A002 - Keras' name
    verbose: bool = True,
):
    """A dataset of the ``.txt`` files under ``directory`` (one class per subdirectory,
    classes in sorted order) as string tensors, with int32 / one-hot float32 / (n, 1)
    float32 labels for ``label_mode`` int / categorical / binary.

    ``ds.class_names`` holds the class names and ``ds.file_paths`` (jtape's addition) the
    files in the order they were listed before the per-epoch shuffle.
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')

    def load(path):
        with open(path, "rb") as f:
            content = f.read()
        return np.array(content if max_length is None else content[:max_length], dtype=object)

    return _from_directory(
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        (".txt",),
        "text",
        load,
        TensorSpec((), "string"),
    )


_INTERPOLATIONS = (
    "bilinear",
    "nearest",
    "bicubic",
    "area",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
)


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size=(256, 256),
    shuffle: bool = True,
    seed=None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format=None,
    format: str = "tf",  # noqa: A002 - Keras' name
    verbose: bool = True,
):
    """A dataset of the images under ``directory`` resized to ``image_size`` (float32,
    ``tf.image.resize``), labelled as in ``text_dataset_from_directory``.

    PNG decodes natively; JPEG/BMP/GIF need Pillow (an ImportError naming it otherwise).
    """
    from .. import image as _image
    from ._image_utils import _data_format, decode_image_file, smart_resize

    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(
            '`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
            f"Received: color_mode={color_mode}"
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            "Invalid `image_size` value. Expected a tuple of 2 integers. "
            f"Received: image_size={image_size}"
        )
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {_INTERPOLATIONS}. Received: "
            f"interpolation={interpolation}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(
            "Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`."
        )
    data_format = _data_format(data_format)
    h, w = int(image_size[0]), int(image_size[1])
    # tf.image.resize returns float32, except "nearest" which keeps the decoded uint8
    dtype = np.dtype("uint8" if interpolation == "nearest" else "float32")

    def load(path):
        with open(path, "rb") as f:
            img = decode_image_file(f.read(), channels)
        if crop_to_aspect_ratio:
            out = smart_resize(img, (h, w), interpolation=interpolation)
        elif pad_to_aspect_ratio:
            out = _image.resize_with_pad(img, h, w, method=interpolation).numpy()
        else:
            out = _image.resize(img, (h, w), method=interpolation).numpy()
        out = np.asarray(out, dtype=dtype)
        return out.transpose(2, 0, 1) if data_format == "channels_first" else out

    shape = (channels, h, w) if data_format == "channels_first" else (h, w, channels)
    return _from_directory(
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        IMAGE_FORMATS,
        "image",
        load,
        TensorSpec(shape, dtype),
    )
