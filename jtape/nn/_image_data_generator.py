"""Keras' legacy ``ImageDataGenerator`` with its ``NumpyArrayIterator`` and
``DirectoryIterator`` (``keras.preprocessing.image``), numpy end to end as in Keras.

Random draws use numpy's global generator exactly as Keras does (``np.random.seed(seed +
batches_seen)`` per batch when ``seed`` is given), so seeded augmentations and shuffles
reproduce Keras' numbers. Geometric transforms resample as ``scipy.ndimage`` (orders 0 and
1 only, see :mod:`._image_affine`). ``flow_from_directory`` reads files with Pillow when it
is installed (as Keras); without Pillow, 8-bit PNG files decode with jtape's PNG reader and
are resized with Pillow's ``nearest`` rule, other files or interpolations raise ImportError.
``save_to_dir`` needs Pillow, as ``array_to_img`` does. ``flow_from_dataframe`` is not
provided (it needs pandas).

Example:
    >>> import numpy as np
    >>> gen = ImageDataGenerator(rescale=0.5)
    >>> x, y = gen.flow(np.ones((3, 2, 2, 1)), np.arange(3), batch_size=2, shuffle=False)[0]
    >>> x.shape, float(x[0, 0, 0, 0]), y.tolist()
    ((2, 2, 2, 1), 0.5, [0, 1])
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np

from ._image_affine import apply_affine_transform, apply_brightness_shift, apply_channel_shift
from ._py_dataset import PyDataset

__all__ = ["DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator"]


class Iterator(PyDataset):
    """Base of the image iterators: batches by index (``__getitem__``) or ``next()``."""

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed, **kwargs):
        super().__init__(**kwargs)
        self.n, self.batch_size, self.seed, self.shuffle = n, batch_size, seed, shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(
                f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}"
            )
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        chosen = self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(chosen)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[current : current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self._get_batches_of_transformed_samples(next(self.index_generator))

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _augment(self, x):
        gen = self.image_data_generator
        params = gen.get_random_transform(x.shape)
        return gen.standardize(gen.apply_transform(x, params))

    def _save(self, batch_x, index_array, high):
        from ._image_utils import array_to_img

        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{np.random.randint(high)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from a rank-4 array (``ImageDataGenerator.flow``)."""

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size=32,
        shuffle=False,
        sample_weight=None,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        ignore_class_split=False,
        dtype=None,
    ):
        from ._image_utils import _data_format, _floatx

        data_format = _data_format(data_format)
        self.dtype = dtype or _floatx()
        if isinstance(x, (tuple, list)):
            misc = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(m) for m in misc]
            x = x[0]
            for m in x_misc:
                if len(x) != len(m):
                    raise ValueError(
                        "All of the arrays in `x` should have the same length. Found a pair "
                        f"with: len(x[0]) = {len(x)}, len(x[?]) = {len(m)}"
                    )
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. Found: "
                f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}"
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same length. Found: "
                f"x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(
                    f'Invalid subset name: {subset}; expected "training" or "validation".'
                )
            split = int(len(x) * image_data_generator._validation_split)
            if (
                y is not None
                and not ignore_class_split
                and not np.array_equal(np.unique(y[:split]), np.unique(y[split:]))
            ):
                raise ValueError(
                    "Training and validation subsets have different number of classes after "
                    "the split. If your numpy arrays are sorted by the label, you might want "
                    "to shuffle them."
                )
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[part]
            x_misc = [np.asarray(m[part]) for m in x_misc]
            if y is not None:
                y = y[part]
            # as Keras, sample weights are not split (a subset then misaligns them)
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(
                "Input data in `NumpyArrayIterator` should have rank 4. You passed an array "
                f"with shape {self.x.shape}"
            )
        axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                f"(channels on axis {axis}), i.e. expected either 1, 3, or 4 channels on axis "
                f"{axis}. However, it was passed an array with shape {self.x.shape} "
                f"({self.x.shape[axis]} channels).",
                stacklevel=2,
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._augment(self.x[j].astype(self.dtype))
        if self.save_to_dir:
            self._save(batch_x, index_array, 10**4)
        miscs = [m[index_array] for m in self.x_misc]
        output = (batch_x if not miscs else [batch_x] + miscs,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


def _valid_files(directory, formats, follow_links):
    """(root, name) of the files with an allowed suffix, Keras' sorted walk order."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda t: t[0]):
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warnings.warn(
                    'Using ".tiff" files with multiple bands will cause distortion. Please '
                    "verify your output.",
                    stacklevel=3,
                )
            if fname.lower().endswith(formats):
                yield root, fname


def _list_class_files(directory, formats, split, follow_links):
    found = list(_valid_files(directory, formats, follow_links))
    if split:
        n = len(found)
        found = found[int(split[0] * n) : int(split[1] * n)]
    dirname = os.path.basename(directory)
    return [os.path.join(dirname, os.path.relpath(os.path.join(r, f), directory)) for r, f in found]


_GRAY = {"grayscale": 1, "rgb": 3, "rgba": 4}


def _pil_nearest_index(n_in: int, n_out: int) -> np.ndarray:
    """Pillow's NEAREST source index per output pixel: it steps a float64 coordinate by
    ``n_in / n_out`` from half a step, so rounding in the sum decides ties (as Pillow)."""
    step, pos, out = n_in / n_out, n_in / n_out * 0.5, []
    for _ in range(n_out):
        out.append(min(int(pos), n_in - 1))
        pos += step
    return np.asarray(out, np.int64)


def _pil_nearest(img: np.ndarray, size) -> np.ndarray:
    """Pillow's NEAREST resize of an ``(h, w, c)`` array to ``size`` = (height, width)."""
    rows = _pil_nearest_index(img.shape[0], size[0])
    return img[rows][:, _pil_nearest_index(img.shape[1], size[1])]


def _load_png_without_pil(path, color_mode, target_size, interpolation, keep_aspect_ratio):
    """A PNG file as Keras' ``load_img`` + ``img_to_array`` would give it (uint8 array)."""
    from ._image_utils import _PIL_HINT, decode_image_file

    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"\x89PNG") or data[24] != 8 or b"tRNS" in data:
        raise ImportError(
            f"Reading {path!r} (not an 8-bit PNG without tRNS transparency) needs Pillow. "
            + _PIL_HINT
        )
    native = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[data[25]]
    img = decode_image_file(data, native).astype(np.int64)
    lum, alpha = img[..., :1], img[..., -1:]
    want = _GRAY[color_mode]
    if want == 1:
        if native >= 3:  # Pillow's ITU-R 601-2 luma, in its fixed point
            r, g, b = img[..., 0:1], img[..., 1:2], img[..., 2:3]
            lum = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
        img = lum
    elif native <= 2:
        img = np.concatenate([lum] * 3 + ([alpha] if want == 4 and native == 2 else []), -1)
    if want == 3:
        img = img[..., :3]
    elif want == 4 and img.shape[-1] == 3:
        img = np.concatenate([img, np.full_like(lum, 255)], axis=-1)
    if target_size is not None and tuple(img.shape[:2]) != tuple(target_size):
        if interpolation != "nearest" or keep_aspect_ratio:
            raise ImportError(
                f"Resizing with interpolation={interpolation!r}"
                + (" and keep_aspect_ratio" if keep_aspect_ratio else "")
                + f" needs Pillow (without it only 'nearest' is provided). {_PIL_HINT}"
            )
        img = _pil_nearest(img, target_size)
    return img


class DirectoryIterator(Iterator):
    """Batches of augmented images read from one subdirectory per class
    (``ImageDataGenerator.flow_from_directory``)."""

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(
        self,
        directory,
        image_data_generator,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
        dtype=None,
    ):
        from ._image_utils import _data_format, _floatx

        data_format = _data_format(data_format)
        self.dtype = dtype or _floatx()
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        if color_mode not in _GRAY:
            raise ValueError(
                f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or "grayscale".'
            )
        self.color_mode = color_mode
        self.data_format = data_format
        channels = (_GRAY[color_mode],)
        last = data_format == "channels_last"
        self.image_shape = self.target_size + channels if last else channels + self.target_size
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.interpolation = interpolation
        split = None
        if subset is not None:
            vs = image_data_generator._validation_split
            if subset == "validation":
                split = (0, vs)
            elif subset == "training":
                split = (vs, 1)
            else:
                raise ValueError(
                    f'Invalid subset name: {subset};expected "training" or "validation"'
                )
        self.split, self.subset = split, subset
        self.directory = directory
        if class_mode not in self.allowed_class_modes:
            raise ValueError(
                f"Invalid class_mode: {class_mode}; expected one of: {self.allowed_class_modes}"
            )
        self.class_mode = class_mode
        if not classes:
            classes = [
                d
                for d in sorted(os.listdir(directory))
                if os.path.isdir(os.path.join(directory, d))
            ]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for name in classes:
            found = _list_class_files(
                os.path.join(directory, name), self.white_list_formats, split, follow_links
            )
            self.filenames += found
            labels += [self.class_indices[name]] * len(found)
        self.samples = len(self.filenames)
        self.classes = np.asarray(labels, dtype="int32").reshape(self.samples)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _load(self, path) -> np.ndarray:
        from ._image_utils import _pil, img_to_array, load_img

        if _pil() is None:
            arr = _load_png_without_pil(
                path, self.color_mode, self.target_size, self.interpolation,
                self.keep_aspect_ratio,
            )  # fmt: skip
            return img_to_array(arr, data_format=self.data_format, dtype=self.dtype)
        img = load_img(
            path,
            color_mode=self.color_mode,
            target_size=self.target_size,
            interpolation=self.interpolation,
            keep_aspect_ratio=self.keep_aspect_ratio,
        )
        x = img_to_array(img, data_format=self.data_format)
        img.close()
        return x

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self._load(self.filepaths[j])
            batch_x[i] = self._augment(x) if self.image_data_generator else x
        if self.save_to_dir:
            self._save(batch_x, index_array, 10**7)
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in {"binary", "sparse"}:
            batch_y = self.classes[index_array].astype(self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(index_array)), self.classes[index_array]] = 1.0
        else:
            return batch_x
        return batch_x, batch_y


class ImageDataGenerator:
    """Real-time image augmentation and normalization (Keras' legacy generator).

    Arguments, defaults and the order of operations are Keras 3.15's: ``standardize``
    applies ``preprocessing_function``, ``rescale``, samplewise centering/scaling,
    featurewise centering/scaling (after :meth:`fit`) and ZCA whitening, in that order.
    """

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
    ):
        from ._image_utils import _floatx

        if data_format is None:
            from ..compat.keras.backend import image_data_format

            data_format = image_data_format()
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or _floatx()
        self.interpolation_order = interpolation_order
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError(
                '`data_format` should be `"channels_last"` (channel after row and column) or '
                '`"channels_first"` (channel before row and column). '
                f"Received: {data_format}"
            )
        self.data_format = data_format
        first = data_format == "channels_first"
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if first else (3, 1, 2)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                "`validation_split` must be strictly between 0 and 1. "
                f" Received: {validation_split}"
            )
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(
                "`zoom_range` should be a float or a tuple or list of two floats. "
                f"Received: {zoom_range}"
            )
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening`, which overrides "
                    "setting of `featurewise_center`.",
                    stacklevel=2,
                )
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn(
                    "This ImageDataGenerator specifies `zca_whitening` which overrides "
                    "setting of`featurewise_std_normalization`.",
                    stacklevel=2,
                )
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `featurewise_std_normalization`, which "
                "overrides setting of `featurewise_center`.",
                stacklevel=2,
            )
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn(
                "This ImageDataGenerator specifies `samplewise_std_normalization`, which "
                "overrides setting of `samplewise_center`.",
                stacklevel=2,
            )
        if brightness_range is not None and (
            not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2
        ):
            raise ValueError(
                "`brightness_range should be tuple or list of two floats. "
                f"Received: {brightness_range}"
            )
        self.brightness_range = brightness_range

    def flow(
        self,
        x,
        y=None,
        batch_size=32,
        shuffle=True,
        sample_weight=None,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        ignore_class_split=False,
        subset=None,
    ) -> NumpyArrayIterator:
        """An iterator of augmented batches of the arrays ``x`` (and ``y``)."""
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format,
            ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype,
        )  # fmt: skip

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
    ) -> DirectoryIterator:
        """An iterator of augmented batches of the images in ``directory/<class>/``."""
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            keep_aspect_ratio=keep_aspect_ratio, classes=classes, class_mode=class_mode,
            data_format=self.data_format, batch_size=batch_size, shuffle=shuffle, seed=seed,
            save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
            follow_links=follow_links, subset=subset, interpolation=interpolation,
            dtype=self.dtype,
        )  # fmt: skip

    def flow_from_dataframe(self, *args, **kwargs):
        """Not provided: jtape does not depend on pandas."""
        raise NotImplementedError(
            "ImageDataGenerator.flow_from_dataframe is not provided in jtape; list the files "
            "and labels yourself and use flow_from_directory or a keras.utils.PyDataset."
        )

    def _unfit(self, what):
        warnings.warn(
            f"This ImageDataGenerator specifies `{what}`, but it hasn't been fit on any "
            "training data. Fit it first by calling `.fit(numpy_data)`.",
            stacklevel=3,
        )

    def standardize(self, x):
        """Normalize one image or a batch in place (where numpy allows) and return it."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                self._unfit("featurewise_center")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                self._unfit("featurewise_std_normalization")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(-1, math.prod(x.shape[-3:]))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
            else:
                self._unfit("zca_whitening")
        return x

    def _shift(self, rng_range, size):
        try:  # an int or a list: a random choice, with a random sign
            t = np.random.choice(rng_range)
            t *= np.random.choice([-1, 1])
        except ValueError:  # a float
            t = np.random.uniform(-rng_range, rng_range)
        if np.max(rng_range) < 1:
            t *= size
        return t

    def get_random_transform(self, img_shape, seed=None) -> dict:
        """Draw one transform's parameters (numpy's global RNG, in Keras' order)."""
        if seed is not None:
            np.random.seed(seed)
        r = self.rotation_range
        theta = np.random.uniform(-r, r) if r else 0
        tx = self._shift(self.height_shift_range, img_shape[self.row_axis - 1]) if (
            self.height_shift_range
        ) else 0  # fmt: skip
        ty = self._shift(self.width_shift_range, img_shape[self.col_axis - 1]) if (
            self.width_shift_range
        ) else 0  # fmt: skip
        s = self.shear_range
        shear = np.random.uniform(-s, s) if s else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        c = self.channel_shift_range
        channel_shift_intensity = np.random.uniform(-c, c) if c != 0 else None
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {
            "theta": theta,
            "tx": tx,
            "ty": ty,
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_horizontal,
            "flip_vertical": flip_vertical,
            "channel_shift_intensity": channel_shift_intensity,
            "brightness": brightness,
        }

    def apply_transform(self, x, transform_parameters: dict):
        """Apply a transform dict (as from :meth:`get_random_transform`) to one image."""
        p = transform_parameters
        row, col, ch = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(
            x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
            p.get("zx", 1), p.get("zy", 1), row_axis=row, col_axis=col, channel_axis=ch,
            fill_mode=self.fill_mode, cval=self.cval, order=self.interpolation_order,
        )  # fmt: skip
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], ch)
        if p.get("flip_horizontal", False):
            x = np.flip(np.asarray(x), col)
        if p.get("flip_vertical", False):
            x = np.flip(np.asarray(x), row)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """One image under a random transform."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None) -> None:
        """Compute the featurewise mean/std and the ZCA matrix from sample images ``x``."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}"
            )
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(
                "Expected input to be images (as Numpy array) following the data format "
                f'convention "{self.data_format}" (channels on axis {self.channel_axis}), '
                f"i.e. expected either 1, 3 or 4 channels on axis {self.channel_axis}. "
                f"However, it was passed an array with shape {x.shape} "
                f"({x.shape[self.channel_axis]} channels).",
                stacklevel=2,
            )
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            u, s, _ = np.linalg.svd(np.reshape(x, (n, -1)).T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(n) / (s + self.zca_epsilon))).dot(u.T)
