"""``tf.io`` where it maps onto Python and numpy: local files, TensorProto bytes, PNG.

Bytes come back as scalar string tensors (:class:`StringTensor`, TF's ``tf.string``);
functions that take bytes also accept Python ``bytes``/``str``. These run on the host,
eagerly: inside ``jt.function`` wrap them in ``tf.py_function`` (file contents are not
JAX values). Paths are local (no ``gs://``/``hdfs://`` file systems).
"""

from __future__ import annotations

import glob as _glob
import os
import shutil

import numpy as np

from . import _dtypes, _png, _tensor_proto
from ._op_errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from ._strings import StringTensor
from ._tensor import Tensor


def _path(x) -> str:
    if isinstance(x, StringTensor):
        x = x.numpy()
        x = x.item() if isinstance(x, np.ndarray) else x
    if isinstance(x, bytes):
        return x.decode()
    return os.fspath(x)


def _bytes(x) -> bytes:
    if isinstance(x, StringTensor):
        x = x.numpy()
        x = x.item() if isinstance(x, np.ndarray) else x
    if isinstance(x, str):
        return x.encode()
    if isinstance(x, (bytes, bytearray, np.bytes_)):
        return bytes(x)
    raise TypeError(f"expected bytes or a scalar string tensor, got {type(x).__name__}")


def _string(b: bytes) -> StringTensor:
    arr = np.empty((), object)
    arr[()] = b
    return StringTensor._wrap(arr)


def _not_found(path: str, what: str = "No such file or directory") -> NotFoundError:
    return NotFoundError(None, None, f"{path}; {what}")


def read_file(filename) -> StringTensor:
    """The whole file as a scalar string tensor.

    Example:
        >>> import os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> write_file(p, b"hi")
        >>> read_file(p).numpy()
        b'hi'
    """
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            return _string(f.read())
    except FileNotFoundError:
        raise _not_found(path) from None


def write_file(filename, contents) -> None:
    """Write ``contents`` (bytes) to ``filename``, creating missing directories."""
    path = _path(filename)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "wb") as f:
        f.write(_bytes(contents))


# -- TensorProto ------------------------------------------------------------------------


def _host_array(tensor) -> np.ndarray:
    if isinstance(tensor, StringTensor):
        return tensor._np
    if hasattr(tensor, "_jt_read"):
        tensor = tensor._jt_read()
    if isinstance(tensor, Tensor):
        return np.asarray(tensor._value)
    from ._array_ops import convert_to_tensor

    return np.asarray(convert_to_tensor(tensor)._value)


def serialize_tensor(tensor) -> StringTensor:
    """``tensor`` as TF's ``TensorProto`` bytes (byte-for-byte what TF writes).

    Example:
        >>> import jtape as jt
        >>> parse_tensor(serialize_tensor(jt.constant([1.0, 2.0])), jt.float32).numpy().tolist()
        [1.0, 2.0]
    """
    return _string(_tensor_proto.serialize(_host_array(tensor)))


def parse_tensor(serialized, out_type):
    """TF's ``TensorProto`` bytes back to a tensor of ``out_type`` (checked, as TF)."""
    try:
        arr = _tensor_proto.parse(_bytes(serialized))
    except ValueError as e:
        msg = f"Could not parse `serialized` as TensorProto: {e}"
        raise InvalidArgumentError(None, None, msg) from None
    want = _dtypes.as_dtype(out_type)
    got = _dtypes.as_dtype(arr.dtype) if arr.dtype != object else _dtypes.string
    if got != want:
        raise InvalidArgumentError(
            None,
            None,
            f"Type mismatch between parsed tensor ({_tf(got)}) and dtype ({_tf(want)})",
        )
    if want == _dtypes.string:
        return StringTensor._wrap(arr)
    import jax.numpy as jnp

    return Tensor(jnp.asarray(arr))


def _tf(dtype) -> str:
    from ._dtype_rules import tf_name

    return "string" if dtype == _dtypes.string else tf_name(dtype)


# -- PNG --------------------------------------------------------------------------------


def encode_png(image, compression: int = -1) -> StringTensor:
    """``[h, w, c]`` uint8/uint16 pixels (c = 1-4) as PNG bytes."""
    return _string(_png.encode(_host_array(image), int(compression)))


def decode_png(contents, channels: int = 0, dtype=_dtypes.uint8) -> Tensor:
    """PNG bytes as ``[h, w, channels]`` uint8 or uint16 pixels (``channels=0``: the file's).

    16-bit files decoded as uint8 keep the high byte, 8-bit files as uint16 scale by
    257, colour to grey uses TF's weights (0.299, 0.587, rest), as TF.
    """
    import jax.numpy as jnp

    channels = int(channels)
    if channels not in (0, 1, 2, 3, 4):
        raise ValueError(f"channels must be 0, 1, 2, 3 or 4, got {channels}")
    out = np.dtype(_dtypes.as_dtype(dtype))
    if out not in (np.uint8, np.uint16):
        raise TypeError(f"decode_png: dtype must be uint8 or uint16, got {out.name}")
    try:
        px, depth = _png.decode_native(_bytes(contents))
    except ValueError as e:
        raise InvalidArgumentError(None, None, str(e)) from None
    if depth == 16 and out == np.uint8:
        px = (px >> 8).astype(np.uint8)
    elif depth == 8 and out == np.uint16:
        px = px.astype(np.uint16) * np.uint16(257)
    px = _png.convert_channels(px, channels, int(np.iinfo(out).max))
    return Tensor(jnp.asarray(px))


def decode_image(contents, channels=None, dtype=_dtypes.uint8, expand_animations: bool = True):
    """Decode an image file; jtape reads PNG only (JPEG/GIF/BMP raise, naming the format).

    A float ``dtype`` converts with ``convert_image_dtype`` (to [0, 1]), as TF.
    """
    data = _bytes(contents)
    if not data.startswith(b"\x89PNG"):
        kind = "JPEG" if data[:3] == b"\xff\xd8\xff" else "GIF" if data[:3] == b"GIF" else None
        kind = kind or ("BMP" if data[:2] == b"BM" else "this")
        raise InvalidArgumentError(
            None,
            None,
            f"decode_image: jtape decodes PNG only; {kind} image data needs a Python decoder "
            "(e.g. PIL: np.asarray(PIL.Image.open(io.BytesIO(data))))",
        )
    want = _dtypes.as_dtype(dtype)
    raw = decode_png(
        data, channels or 0, want if want in (_dtypes.uint8, _dtypes.uint16) else _dtypes.uint8
    )
    if want in (_dtypes.uint8, _dtypes.uint16):
        return raw
    from ._image_ops import convert_image_dtype

    return convert_image_dtype(raw, want)


# -- gfile ------------------------------------------------------------------------------


class GFile:
    """A local file with TF's ``tf.io.gfile.GFile`` interface (``open`` underneath).

    Example:
        >>> import os, tempfile
        >>> p = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> with GFile(p, "w") as f:
        ...     _ = f.write("a\\nb\\n")
        >>> with GFile(p) as f:
        ...     f.readlines()
        ['a\\n', 'b\\n']
    """

    def __init__(self, name, mode: str = "r") -> None:
        self.name = _path(name)
        self.mode = mode
        try:
            self._f = open(self.name, mode)  # noqa: SIM115 - closed by close()/__exit__
        except FileNotFoundError:
            raise _not_found(self.name) from None

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __iter__(self):
        return iter(self._f)

    def __next__(self):
        return next(self._f)

    def read(self, n: int = -1):
        return self._f.read(n)

    def readline(self):
        return self._f.readline()

    def readlines(self):
        return self._f.readlines()

    def write(self, data):
        if "b" in self.mode and isinstance(data, str):
            data = data.encode()
        return self._f.write(data)

    def seek(self, offset=None, whence: int = 0, position=None):
        return self._f.seek(position if position is not None else offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()

    @property
    def closed(self) -> bool:
        return self._f.closed


def exists(path) -> bool:
    """Whether ``path`` exists (file or directory)."""
    return os.path.exists(_path(path))


def isdir(path) -> bool:
    return os.path.isdir(_path(path))


def makedirs(path) -> None:
    """Create ``path`` and its missing parents (no error if it exists)."""
    os.makedirs(_path(path), exist_ok=True)


def mkdir(path) -> None:
    p = _path(path)
    if os.path.exists(p):
        raise AlreadyExistsError(None, None, f"{p}; File exists")
    try:
        os.mkdir(p)
    except FileNotFoundError:
        raise _not_found(p) from None


def listdir(path) -> list[str]:
    """Entry names in directory ``path`` (not full paths), as TF."""
    p = _path(path)
    if not os.path.isdir(p):
        raise _not_found(p, "Could not find directory")
    return os.listdir(p)


def glob(pattern) -> list[str]:
    """Paths matching ``pattern`` (``*``, ``?``, ``[...]``)."""
    return sorted(_glob.glob(_path(pattern)))


def remove(path) -> None:
    p = _path(path)
    try:
        os.remove(p)
    except FileNotFoundError:
        raise _not_found(p) from None


def rmtree(path) -> None:
    p = _path(path)
    if not os.path.exists(p):
        raise _not_found(p)
    shutil.rmtree(p)


def copy(src, dst, overwrite: bool = False) -> None:
    s, d = _path(src), _path(dst)
    if os.path.exists(d) and not overwrite:
        raise AlreadyExistsError(None, None, f"{d}; File already exists")
    if not os.path.exists(s):
        raise _not_found(s)
    shutil.copyfile(s, d)


def rename(src, dst, overwrite: bool = False) -> None:
    s, d = _path(src), _path(dst)
    if os.path.exists(d) and not overwrite:
        raise AlreadyExistsError(None, None, f"{d}; File already exists")
    if not os.path.exists(s):
        raise _not_found(s)
    os.replace(s, d)


def walk(top, topdown: bool = True, onerror=None):
    yield from os.walk(_path(top), topdown=topdown, onerror=onerror)
