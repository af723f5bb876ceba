"""All or nothing: a damaged or mismatched checkpoint raises TF's error class, names the
path and the reason, and leaves every variable (and nothing waiting) as it was."""

import os
import shutil

import numpy as np
import pytest

import jtape as jt
from jtape import _checkpoint, train

RNG = np.random.default_rng(0)
BIG = RNG.normal(size=20_000).astype(np.float32)  # incompressible: one large data file
SMALL = np.arange(6, dtype=np.float32).reshape(2, 3)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpt")
    ckpt = train.Checkpoint(big=jt.Variable(BIG), small=jt.Variable(SMALL), later=jt.Variable(1.0))
    return ckpt.write(str(root / "good"))


def _copy(saved, tmp_path):
    dst = str(tmp_path / "copy")
    shutil.copytree(saved, dst)
    return dst


def _largest_file(path):
    files = [os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs]
    return max(files, key=os.path.getsize)


def _restore_into_fresh(path):
    """Restore into zeroed variables; return them after checking nothing changed."""
    big, small = jt.Variable(np.zeros_like(BIG)), jt.Variable(np.zeros_like(SMALL))
    pending = set(map(id, _checkpoint._PENDING))
    try:
        train.Checkpoint(big=big, small=small).restore(path)
    finally:
        assert not big.numpy().any() and not small.numpy().any()
        assert set(map(id, _checkpoint._PENDING)) <= pending  # 'later' was not queued either


def test_good_checkpoint_restores(saved):
    big, small = jt.Variable(np.zeros_like(BIG)), jt.Variable(np.zeros_like(SMALL))
    train.Checkpoint(big=big, small=small).restore(saved).expect_partial()
    np.testing.assert_array_equal(big.numpy(), BIG)
    np.testing.assert_array_equal(small.numpy(), SMALL)


def test_flipped_bytes_are_detected(saved, tmp_path):
    path = _copy(saved, tmp_path)
    data = _largest_file(os.path.join(path, "state"))
    with open(data, "r+b") as f:
        f.seek(os.path.getsize(data) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x10]))
    with pytest.raises(jt.errors.DataLossError, match=r"unreadable or corrupted.*'big'.*checksum"):
        _restore_into_fresh(path)


def test_truncated_file(saved, tmp_path):
    path = _copy(saved, tmp_path)
    data = _largest_file(os.path.join(path, "state"))
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) // 3)
    with pytest.raises(train.CheckpointError, match=f"checkpoint {path} is unreadable"):
        _restore_into_fresh(path)


def test_missing_data_file(saved, tmp_path):
    path = _copy(saved, tmp_path)
    os.remove(_largest_file(os.path.join(path, "state")))
    with pytest.raises(jt.errors.DataLossError, match="unreadable or corrupted"):
        _restore_into_fresh(path)


def test_missing_index(saved, tmp_path):
    path = _copy(saved, tmp_path)
    os.remove(os.path.join(path, "meta", "metadata"))
    with pytest.raises(jt.errors.DataLossError, match="was the save interrupted"):
        _restore_into_fresh(path)


def test_missing_checkpoint_is_not_found(tmp_path):
    with pytest.raises(jt.errors.NotFoundError, match="no checkpoint at"):
        _restore_into_fresh(str(tmp_path / "nothing-1"))
    train.Checkpoint(v=jt.Variable(1.0)).save(str(tmp_path / "ckpt"))
    with pytest.raises(jt.errors.NotFoundError, match="directory of checkpoints"):
        _restore_into_fresh(str(tmp_path))


def test_wrong_shape_and_dtype(saved):
    big = jt.Variable(np.zeros_like(BIG))
    small = jt.Variable(np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match=r"small: checkpoint has \(2, 3\) float32"):
        train.Checkpoint(big=big, small=small).restore(saved)
    assert not big.numpy().any()  # listed before 'small', still untouched
    small64 = jt.Variable(np.zeros((2, 3), np.float64))
    with pytest.raises(jt.errors.InvalidArgumentError, match="variable has .2, 3. float64"):
        train.Checkpoint(big=big, small=small64).restore(saved)
    assert not big.numpy().any() and not small64.numpy().any()


def test_tensorflow_checkpoint_is_named_as_such(tmp_path):
    prefix = tmp_path / "ckpt-1"
    (tmp_path / "ckpt-1.index").write_bytes(b"")
    (tmp_path / "ckpt-1.data-00000-of-00001").write_bytes(b"")
    # jtape reads TF checkpoints (tests/test_tf_bundle.py): an empty index is a damaged one
    with pytest.raises(jt.errors.DataLossError, match="TensorFlow checkpoint .* corrupted"):
        _restore_into_fresh(str(prefix))
    with pytest.raises(jt.errors.DataLossError, match="TensorFlow checkpoint .* corrupted"):
        train.list_variables(str(prefix))
