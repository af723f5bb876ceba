"""``get_file`` (``keras.utils.get_file``): download once into Keras' cache, check a
hash, extract tar/zip archives.

Files go to ``cache_dir`` (default ``$KERAS_HOME`` or ``~/.keras``) under
``cache_subdir``, with Keras 3.15's names: an extracted archive lands in
``<name>_extracted`` (or ``<name>`` when ``fname`` has no suffix, the download then being
``<name>_archive``) and that directory is returned. As in Keras, a ``cache_dir`` that
does not exist (or is not writable) is replaced by ``/tmp/.keras``.

Example:
    >>> import pathlib, tempfile
    >>> from jtape.nn.utils import get_file
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "a.txt").write_text("hi")
    >>> path = get_file("a.txt", (tmp / "a.txt").as_uri(), cache_dir=str(tmp))
    Downloading data from file://...
    >>> pathlib.Path(path).read_text()
    'hi'
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

__all__ = ["get_file"]


def _keras_home() -> str:
    return os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")))


def _hasher(algorithm: str, file_hash: str | None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The hex digest of a file (``"sha256"``, ``"md5"``, or ``"auto"``: sha256)."""
    hasher = hashlib.sha256() if algorithm in ("sha256", "auto") else hashlib.md5()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535) -> bool:
    """Whether the file's hash is ``file_hash`` (``"auto"``: sha256 for 64 hex digits)."""
    hasher = _hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == str(file_hash)


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extract a tar (any compression) or zip archive into ``path``; False if not one."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else formats
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                archive.extractall(path, filter="data")
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                archive.extractall(path)
            return True
    return False


def get_file(
    fname=None,
    origin=None,
    untar: bool = False,
    md5_hash=None,
    file_hash=None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format="auto",
    cache_dir=None,
    force_download: bool = False,
) -> str:
    """The local path of ``origin`` (any URL urllib reads, ``file://`` included),
    downloading it unless a copy with the right ``file_hash`` is cached already."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir if cache_dir is not None else _keras_home())
    if not os.access(base, os.W_OK):  # missing or read-only: /tmp/.keras, as Keras
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    given = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'.Please "
                "specify the `fname` argument."
            )
    elif os.sep in fname:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's "
            f"parent directory, use the `cache_dir` argument. Received: fname={fname}"
        )
    extraction_dir = None
    if extract or untar:
        if given and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[: fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)
    download = force_download or not os.path.exists(target)
    if (
        not download
        and file_hash is not None
        and not validate_file(target, file_hash, hash_algorithm)
    ):
        print(
            "A local file was found, but it seems to be incomplete or outdated because the "
            f"{hash_algorithm} file hash does not match the original value of {file_hash} so "
            "we will re-download the data."
        )
        download = True
    if download:
        print(f"Downloading data from {origin}")
        message = "URL fetch failure on {}: {} -- {}"
        try:
            try:
                urllib.request.urlretrieve(origin, target)
            except urllib.error.HTTPError as e:
                raise Exception(message.format(origin, e.code, e.msg)) from e
            except urllib.error.URLError as e:
                raise Exception(message.format(origin, e.errno, e.reason)) from e
        except (Exception, KeyboardInterrupt):
            if os.path.exists(target):
                os.remove(target)
            raise
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError(
                f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does "
                f"not match the provided value of {file_hash}."
            )
    if extraction_dir is not None:
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn("Could not extract archive.", stacklevel=2)
        return extraction_dir
    return target
