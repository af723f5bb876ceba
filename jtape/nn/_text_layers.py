"""Keras' text preprocessing layers: ``StringLookup``, ``IntegerLookup``, ``TextVectorization``.

They run on the host (as Keras runs them on the CPU through TensorFlow): strings are
``StringTensor``s, the vocabulary a Python dict, and the output an int64 (``"int"``) or
int64 (``"one_hot"``/``"multi_hot"``/``"count"``, as Keras 3 whatever the layer's dtype)
or float32 (``"tf_idf"``) jt.Tensor, ready for JAX.
Use them in a ``tf.data`` ``map`` or on eager inputs; a vocabulary is data, not a
trainable weight. ``adapt`` orders the vocabulary as Keras does: most frequent first,
ties broken by the token, higher first (Keras' ``np.lexsort(...)[::-1]``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import jax
import numpy as np

from .. import _dtypes
from .._fingerprint import fingerprint64
from .._op_errors import InvalidArgumentError
from .._strings import RaggedTensor, StringTensor, is_string_value, to_bytes_array
from .._tensor import Tensor
from .._variable import Variable
from ._layer import Layer

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'  # Keras' default strip set


def _host(x, strings: bool):
    """A layer input as an object array of bytes / int64 array, or a RaggedTensor."""
    if isinstance(x, RaggedTensor):
        return x
    if strings and (isinstance(x, StringTensor) or is_string_value(x)):
        return to_bytes_array(x)
    if hasattr(x, "_jt_read"):
        x = x._jt_read()
    if isinstance(x, Tensor):
        if isinstance(x._value, jax.core.Tracer):
            raise TypeError(
                "a lookup layer got a tensor computed inside jt.function; lookups run on the "
                "host, so call the layer outside the function (e.g. in a tf.data map)"
            )
        return np.asarray(x._value)
    arr = np.asarray(x)
    if arr.dtype.kind in "OUS":
        return to_bytes_array(arr)
    return arr


def _wrap(arr: np.ndarray):
    if arr.dtype == object:
        return StringTensor._wrap(arr)
    return Tensor(jax.device_put(arr))


class _IndexLookup(Layer):
    """Shared machinery of the lookup layers: vocabulary, adapt, lookup and encodings."""

    _strings = True

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token=None,
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        name=None,
        **kwargs: Any,
    ) -> None:
        kind = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}"
            )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                f"max_tokens={max_tokens}"
            )
        if num_oov_indices < 0:
            raise ValueError(
                "`num_oov_indices` must be greater than or equal to 0. Received: "
                f"num_oov_indices={num_oov_indices}"
            )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(
                f"Unknown value for `output_mode`. Allowed values are {list(_MODES)}. "
                f"Received: output_mode={output_mode}"
            )
        if invert and output_mode != "int":
            raise ValueError(
                "`output_mode` must be `'int'` when `invert` is true. Received: "
                f"output_mode={output_mode}"
            )
        if sparse:
            raise NotImplementedError(f"{kind}(sparse=True): jtape has no sparse tensors")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                f"idf_weights={idf_weights} and output_mode={output_mode}"
            )
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = False
        self._has_input_vocabulary = has_vocab
        self._tokens: list = []  # the learned/given vocabulary without special tokens
        self._index: dict = {}
        self._frozen_depth = None
        self.idf_weights = None
        self.reset_state()
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(
                "When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                "`idf_weights` argument must also be provided."
            )
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- tokens ------------------------------------------------------------------
    def _key(self, token):
        """A vocabulary entry as the host key (bytes for strings, int otherwise)."""
        return to_bytes_array(token)[()] if self._strings else int(token)

    def _show(self, token):
        return token.decode("utf-8") if isinstance(token, bytes) else token

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    # -- vocabulary --------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary, index i holding the token that maps to id i (Keras' order)."""
        vocab = [self.oov_token] * self._token_start_index() + [self._show(t) for t in self._tokens]
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index() :]
        return vocab

    def vocabulary_size(self) -> int:
        """Vocabulary size including the mask and OOV indices."""
        return self._token_start_index() + len(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and, for ``"tf_idf"``, the IDF weights) directly."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                f"output_mode={self.output_mode} and idf_weights={idf_weights}"
            )
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
        if isinstance(vocabulary, StringTensor):
            vocabulary = vocabulary._np.tolist()
        vocab = [self._key(v) for v in np.asarray(_host(vocabulary, self._strings)).tolist()]
        if not vocab:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocab}")
        specials = [self.mask_token] * self._oov_start_index() + [
            self.oov_token
        ] * self.num_oov_indices
        special_keys = [None if s is None else self._key(s) for s in specials]
        start = self._token_start_index()
        found_special = vocab[:start] == special_keys
        tokens = vocab[start:] if found_special else vocab
        repeated = [t for t, c in Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please uniquify your "
                f"dataset. The repeated terms are: {[self._show(t) for t in repeated]}"
            )
        mask_key = None if self.mask_token is None else self._key(self.mask_token)
        if mask_key is not None and mask_key in tokens:
            raise ValueError(
                "Found reserved mask token at unexpected location in `vocabulary`. Note that "
                "passed `vocabulary` does not need to include the OOV and mask tokens. Either "
                "remove all mask and OOV tokens, or include them only at the start of the "
                f"vocabulary in precisely this order: {specials}. Received: "
                f"mask_token={self.mask_token}"
            )
        if self.oov_token is not None and self.invert and self._key(self.oov_token) in tokens:
            raise ValueError(
                "Found reserved OOV token at unexpected location in `vocabulary`. Either "
                "remove all mask and OOV tokens, or include them only at the start of the "
                f"vocabulary in precisely this order: {specials}. Received: "
                f"oov_token={self.oov_token}"
            )
        size = start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received "
                f"vocabulary size is {size}; `max_tokens` is {self.max_tokens}."
            )
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.asarray(_host(idf_weights, False), dtype=np.float64)
            if len(idf) != len(vocab):
                raise ValueError(
                    "`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                    f"{len(idf)}; len(vocabulary) is {len(vocab)}"
                )
            front = (0, 0.0) if found_special else (start, float(np.average(idf)))
            back = 0
            if self.pad_to_max_tokens and self.max_tokens is not None:
                back = self.max_tokens - front[0] - len(idf)
            self._set_idf(np.pad(idf, (front[0], back), constant_values=(front[1], 0.0)))

    def _set_tokens(self, tokens: list) -> None:
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}

    def _set_idf(self, weights: np.ndarray) -> None:
        value = np.asarray(weights, dtype=np.float32)
        if self.idf_weights is None or tuple(self.idf_weights.shape) != value.shape:
            self.idf_weights = Variable(value, trainable=False, name="idf_weights")
        else:
            self.idf_weights.assign(value)

    # -- adapt -------------------------------------------------------------------
    def reset_state(self) -> None:
        self._counts: Counter = Counter()
        self._doc_counts: Counter = Counter()
        self._num_docs = 0

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary (and document frequencies) from ``data``.

        ``data`` is a ``tf.data.Dataset`` of batches, any iterable of batches, or an
        array/list/tensor (each element one document).
        """
        from ..data import Dataset

        self.reset_state()
        if isinstance(data, Dataset):
            if steps is not None:
                data = data.take(steps)
            for batch in data:
                self.update_state(batch)
        elif hasattr(data, "__iter__") and not isinstance(
            data, (list, tuple, np.ndarray, Tensor, StringTensor, RaggedTensor, str, bytes)
        ):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            arr = _host(data, self._strings)
            if not isinstance(arr, RaggedTensor) and arr.ndim == 1:
                arr = arr[:, None]
            self.update_state(arr)
        self.finalize_state()

    def update_state(self, data) -> None:
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "`vocabulary` argument or `set_vocabulary()` method."
            )
        data = _host(data, self._strings)
        if isinstance(data, RaggedTensor):
            docs = [r.tolist() for r in data.rows()]
        else:
            data = np.asarray(data)
            if data.ndim <= 1:  # one document
                data = data.reshape(1, -1)
            docs = [row.reshape(-1).tolist() for row in data]
        keys = (lambda xs: xs) if self._strings else (lambda xs: [int(x) for x in xs])
        for doc in docs:
            doc = keys(doc)
            self._counts.update(doc)
            if self.output_mode == "tf_idf":
                self._doc_counts.update(set(doc))
        self._num_docs += len(docs)

    def finalize_state(self) -> None:
        if self._has_input_vocabulary or not self._counts:
            return
        counts = dict(self._counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key(special), None)
        tokens = list(counts)
        order = sorted(range(len(tokens)), key=lambda i: (counts[tokens[i]], tokens[i]))[::-1]
        if self.max_tokens:
            order = order[: self.max_tokens - self._token_start_index()]
        tokens = [tokens[i] for i in order]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            df = np.asarray([self._doc_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1 + self._num_docs / (1 + df)).astype(np.float32)
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=np.mean(idf))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - len(idf)))
            self._set_idf(idf)
        self.reset_state()

    # -- call --------------------------------------------------------------------
    def _convert_input(self, x):
        # Lookups take strings (or ints) on the host: no conversion to a device Tensor.
        return x

    def build(self, input_shape=None) -> None:
        self.built = True

    def call(self, inputs):
        x = _host(inputs, self._strings and not self.invert)
        if isinstance(x, RaggedTensor):
            out = RaggedTensor(self._lookup(x._values), x._splits)
            if self.output_mode == "int":
                return out
            return self._encode_rows([r for r in out.rows()], None)
        ids = self._lookup(np.asarray(x))
        if self.output_mode == "int":
            return _wrap(ids)
        return self._encode(ids)

    def _lookup(self, x: np.ndarray) -> np.ndarray:
        if self.invert:
            return self._lookup_inverse(x)
        flat = x.reshape(-1).tolist()
        if not self._strings:
            flat = [int(v) for v in flat]
        ids = np.asarray([self._index.get(t, -1) for t in flat], dtype=np.int64).reshape(x.shape)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
            mask_key = self._key(self.mask_token)
            is_mask = np.asarray([t == mask_key for t in flat], dtype=bool).reshape(x.shape)
            ids = np.where(is_mask, mask_value, ids)
        missing = ids == -1
        if missing.any():
            if self.num_oov_indices == 0:
                bad = [self._show(v) for v in np.asarray(x)[missing].tolist()]
                raise InvalidArgumentError(
                    "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                    f"values {bad}, consider setting `num_oov_indices=1`."
                )
            if self.num_oov_indices == 1:
                oov = np.full(x.shape, self._oov_start_index(), np.int64)
            elif self._strings:  # Keras: FarmHash Fingerprint64 buckets
                buckets = [fingerprint64(t) % self.num_oov_indices for t in flat]
                oov = np.asarray(buckets, np.int64).reshape(x.shape) + self._oov_start_index()
            else:
                oov = np.mod(x.astype(np.int64), self.num_oov_indices) + self._oov_start_index()
            ids = np.where(missing, oov, ids)
        return ids

    def _lookup_inverse(self, x: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        oov = self._key(self.oov_token) if self.oov_token is not None else None
        keys = [self._key(v) if v is not None else None for v in vocab]
        start = self._token_start_index()
        flat = np.asarray(x).reshape(-1).tolist()
        out = []
        for i in flat:
            i = int(i)
            if i == 0 and self.mask_token is not None:
                out.append(self._key(self.mask_token))
            elif start <= i < len(keys):
                out.append(keys[i])
            else:
                out.append(oov)
        arr = np.empty(len(out), dtype=object if self._strings else np.int64)
        arr[:] = out
        return arr.reshape(np.shape(x))

    def _depth(self) -> int:
        if self.pad_to_max_tokens:
            return int(self.max_tokens)
        if self._frozen_depth is None:
            if not self._tokens:
                raise RuntimeError(
                    f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                    "you must set the layer's vocabulary before calling it. Either pass a "
                    "`vocabulary` argument to the layer, or call `adapt` with some sample data."
                )
            self._frozen_depth = self.vocabulary_size()
        return self._frozen_depth

    def _encode(self, ids: np.ndarray):
        depth = self._depth()
        if ids.ndim == 0:
            ids = ids.reshape(1)
        if self.output_mode == "one_hot":
            if ids.ndim > 1 and ids.shape[-1] == 1:
                ids = ids[..., 0]
            out = (ids[..., None] == np.arange(depth)).astype(np.int64)
            return Tensor(jax.device_put(out))
        if ids.ndim > 2:
            raise NotImplementedError(
                f"output_mode={self.output_mode!r} takes inputs of rank <= 2 in jtape"
            )
        rows = [ids] if ids.ndim == 1 else list(ids)
        out = self._encode_rows(rows, None)
        return out if ids.ndim == 2 else Tensor(out.value[0])

    def _encode_rows(self, rows: list, _unused):
        depth = self._depth()
        out = np.zeros((len(rows), depth), np.int64)  # Keras: int64 whatever the layer dtype
        for i, r in enumerate(rows):
            r = np.asarray(r, dtype=np.int64)
            r = r[(r >= 0) & (r < depth)]  # the mask value (int64 max) is dropped
            np.add.at(out[i], r, 1)
        if self.output_mode == "multi_hot":
            out = np.minimum(out, 1)
        elif self.output_mode == "tf_idf":
            out = out.astype(np.float32) * np.asarray(self.idf_weights.numpy(), np.float32)
        return Tensor(jax.device_put(out))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_depth
        shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(shape) > 1 and shape[-1] == 1:
                return shape[:-1] + (depth,)
            return shape + (depth,)
        return shape[:-1] + (depth,)

    def get_config(self) -> dict[str, Any]:
        vocab = self.get_vocabulary() if self._has_input_vocabulary else None
        idf = None
        if self._has_input_vocabulary and self.idf_weights is not None:
            idf = self.idf_weights.numpy().tolist()
        return {
            **super().get_config(),
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "mask_token": self.mask_token,
            "oov_token": self.oov_token,
            "invert": self.invert,
            "output_mode": self.output_mode,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "sparse": False,
            "vocabulary": vocab,
            "idf_weights": idf,
        }


class StringLookup(_IndexLookup):
    """Map strings to integer ids from a vocabulary (``keras.layers.StringLookup``).

    Ids: 0 is the mask token (when ``mask_token`` is set, ``"int"`` mode), then
    ``num_oov_indices`` OOV ids, then the vocabulary. ``invert=True`` maps ids back to
    strings. ``adapt`` learns the vocabulary, most frequent first (ties: higher token
    first, as Keras). Runs on the host; outputs int64 ids (or int64 counts, float32 tf-idf).
    ``num_oov_indices > 1`` buckets OOV strings with FarmHash Fingerprint64, as Keras;
    ``salt`` (SipHash) is not supported.

    Example:
        >>> import jtape as jt
        >>> layer = jt.nn.StringLookup(vocabulary=["a", "b"])
        >>> layer(jt.constant(["a", "c", "b"])).numpy().tolist()
        [1, 0, 2]
        >>> jt.nn.StringLookup(vocabulary=["a", "b"], invert=True)(
        ...     jt.constant([2, 0])).numpy().tolist()
        [b'b', b'[UNK]']
    """

    _strings = True

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token: str = "[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name=None,
        salt=None,
        **kwargs: Any,
    ) -> None:
        if salt is not None:
            raise NotImplementedError(
                "StringLookup(salt=...): Keras then buckets OOV strings with SipHash, which "
                "jtape does not implement; leave salt=None (FarmHash buckets)"
            )
        self.encoding = encoding
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            name=name,
            **kwargs,
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoding": self.encoding}


class IntegerLookup(_IndexLookup):
    """Map integers to contiguous ids from a vocabulary (``keras.layers.IntegerLookup``).

    As :class:`StringLookup` for int64 keys (mask token None and OOV token -1 by
    default); several OOV indices use Keras' ``floormod`` buckets.

    Example:
        >>> import jtape as jt
        >>> jt.nn.IntegerLookup(vocabulary=[12, 36])(jt.constant([36, 7])).numpy().tolist()
        [2, 0]
    """

    _strings = False

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token: int = -1,
        vocabulary=None,
        vocabulary_dtype="int64",
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        name=None,
        **kwargs: Any,
    ) -> None:
        if _dtypes.as_dtype(vocabulary_dtype) != _dtypes.int64:
            raise ValueError(
                f"IntegerLookup: vocabulary_dtype must be int64, got {vocabulary_dtype}"
            )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            name=name,
            **kwargs,
        )


class TextVectorization(Layer):
    """Text to token ids or bag-of-words vectors (``keras.layers.TextVectorization``).

    ``standardize`` (lowercase ASCII and/or strip Keras' punctuation set, or a callable
    on a string tensor), ``split`` (whitespace, character, None or a callable), optional
    ``ngrams``, then a :class:`StringLookup` with mask token ``""``. ``"int"`` output is
    padded with 0 (or cut) to ``output_sequence_length``. Runs on the host: apply it in
    a ``tf.data`` ``map`` or eagerly, and feed its int64 (float32 for tf-idf) output to the model.

    Example:
        >>> import jtape as jt
        >>> layer = jt.nn.TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["the cat", "the dog!"])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'the', 'dog', 'cat']
        >>> layer(["The dog ran"]).numpy().tolist()
        [[2, 3, 1, 0]]
    """

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode: str = "int",
        output_sequence_length=None,
        pad_to_max_tokens: bool = False,
        vocabulary=None,
        idf_weights=None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        name=None,
        **kwargs: Any,
    ) -> None:
        if not (
            standardize is None
            or callable(standardize)
            or standardize in ("lower_and_strip_punctuation", "lower", "strip_punctuation")
        ):
            raise ValueError(
                f"Unknown value for `standardize`: {standardize!r}; expected "
                "'lower_and_strip_punctuation', 'lower', 'strip_punctuation', None or a callable"
            )
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError(
                f"Unknown value for `split`: {split!r}; expected 'whitespace', 'character', "
                "None or a callable"
            )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if not (
            ngrams is None
            or isinstance(ngrams, int)
            or (isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))
        ):
            raise ValueError(
                f"`ngrams` must be None, an integer, or a tuple of integers. Received: "
                f"ngrams={ngrams}"
            )
        if output_mode == "int" and not (
            output_sequence_length is None or isinstance(output_sequence_length, int)
        ):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when "
                f"`output_mode` is 'int'. Received: output_sequence_length={output_sequence_length}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}."
            )
        if ragged and output_mode != "int":
            raise ValueError(
                f"`ragged` must not be true if `output_mode` is `'int'`. Received: "
                f"ragged={ragged} and output_mode={output_mode}"
            )
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._ragged = bool(ragged)
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            sparse=sparse,
            has_input_vocabulary=has_vocab,
            encoding=encoding,
        )

    def _convert_input(self, x):
        return x

    def build(self, input_shape=None) -> None:
        self.built = True

    # -- vocabulary --------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary from text: a Dataset of batches, an iterable, or an array."""
        from ..data import Dataset

        self._lookup_layer.reset_state()
        if isinstance(data, Dataset):
            if steps is not None:
                data = data.take(steps)
            for batch in data:
                self.update_state(batch)
        elif hasattr(data, "__iter__") and not isinstance(
            data, (list, tuple, np.ndarray, StringTensor, str, bytes)
        ):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            arr = _host(data, True)
            if arr.ndim == 1:
                arr = arr[:, None]
            self.update_state(arr)
        self._lookup_layer.finalize_state()

    def update_state(self, data) -> None:
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # -- call --------------------------------------------------------------------
    def _preprocess(self, inputs):
        from .. import _string_ops as S

        x = StringTensor._wrap(_host(inputs, True))
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            x = S.lower(x)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            x = S.regex_replace(x, _PUNCTUATION, "")
        if callable(self._standardize):
            x = self._standardize(x)
        if self._split is not None:
            if x.ndim > 1:
                if x.shape[-1] != 1:
                    raise ValueError(
                        "When using `TextVectorization` to tokenize strings, the input rank "
                        "must be 1 or the last shape dimension must be 1. Received: "
                        f"inputs.shape={tuple(x.shape)} with rank={x.ndim}"
                    )
                x = StringTensor._wrap(x._np[..., 0])
            if self._split == "whitespace":
                x = S.split(x)
            elif self._split == "character":
                x = S.unicode_split(x, "UTF-8")
            else:
                x = self._split(x)
        if self._ngrams is not None:
            x = S.ngrams(x, ngram_width=self._ngrams, separator=" ")
        return x

    def call(self, inputs):
        x = self._preprocess(inputs)
        ids = self._lookup_layer.call(x)
        if self._output_mode != "int":
            return ids
        n = self._output_sequence_length
        if isinstance(ids, RaggedTensor):
            if self._ragged:
                return ids
            return ids.to_tensor(default_value=0, shape=[None, n])
        if n is None:
            return ids
        arr = np.asarray(ids)[..., :n]
        if arr.shape[-1] < n:
            pad = [(0, 0)] * (arr.ndim - 1) + [(0, n - arr.shape[-1])]
            arr = np.pad(arr, pad)
        return Tensor(jax.device_put(arr))

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        return self._lookup_layer.compute_output_shape(tuple(input_shape[:1]) + (None,))

    def get_config(self) -> dict[str, Any]:
        lookup = self._lookup_layer
        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False,
            "ragged": self._ragged,
            "vocabulary": lookup.get_config()["vocabulary"],
            "idf_weights": lookup.get_config()["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }
