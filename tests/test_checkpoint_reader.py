"""tf.train.list_variables / load_variable / load_checkpoint on jtape checkpoints.

Keys have TF's form ``<path>/.ATTRIBUTES/VARIABLE_VALUE`` (TF 2.21 writes e.g.
``mod/w/.ATTRIBUTES/VARIABLE_VALUE`` for ``Checkpoint(mod=m)`` with ``m.w``)."""

import numpy as np
import pytest

import jtape as jt
import jtape.compat as tf

SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"


class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
        self.layers = [tf.keras.layers.Dense(2)]
        self.step = tf.Variable(7, dtype=tf.int64)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    net = Net()
    net.layers[0](np.ones((1, 3), np.float32))
    directory = tmp_path_factory.mktemp("r")
    path = tf.train.Checkpoint(net=net).save(str(directory / "ckpt"))
    return net, str(directory), path


def test_list_variables(saved):
    net, directory, path = saved
    expected = [
        ("net/layers/0/bias" + SUFFIX, [2]),
        ("net/layers/0/kernel" + SUFFIX, [3, 2]),
        ("net/step" + SUFFIX, []),
        ("net/w" + SUFFIX, [2, 3]),
        ("save_counter" + SUFFIX, []),
    ]
    assert tf.train.list_variables(path) == expected
    assert tf.train.list_variables(directory) == expected  # a directory: its latest


def test_load_variable_and_reader(saved):
    net, directory, path = saved
    np.testing.assert_array_equal(tf.train.load_variable(path, "net/w" + SUFFIX), net.w.numpy())
    kernel = tf.train.load_variable(directory, "net/layers/0/kernel" + SUFFIX)
    np.testing.assert_array_equal(kernel, net.layers[0].kernel.numpy())
    reader = tf.train.load_checkpoint(directory)
    assert reader.has_tensor("net/step" + SUFFIX) and not reader.has_tensor("net/step")
    step = reader.get_tensor("net/step" + SUFFIX)
    assert isinstance(step, np.ndarray) and step.dtype == np.int64 and int(step) == 7
    assert reader.get_variable_to_shape_map()["net/w" + SUFFIX] == [2, 3]
    dtypes = reader.get_variable_to_dtype_map()
    assert dtypes["net/w" + SUFFIX] == tf.float32 and dtypes["net/step" + SUFFIX] == tf.int64
    assert b"net/w/.ATTRIBUTES/VARIABLE_VALUE (float32) [2, 3]" in reader.debug_string()


def test_reader_errors(saved, tmp_path):
    _, directory, path = saved
    reader = tf.train.load_checkpoint(path)
    with pytest.raises(tf.errors.NotFoundError, match=r"Key net/w not found .*'net/w" + SUFFIX):
        reader.get_tensor("net/w")
    with pytest.raises(tf.errors.NotFoundError, match="Key nope not found in checkpoint"):
        tf.train.load_variable(path, "nope")
    with pytest.raises(tf.errors.NotFoundError, match="failed to find any checkpoint"):
        tf.train.list_variables(str(tmp_path / "nowhere"))
    assert issubclass(jt.train.CheckpointError, ValueError)


def test_docstring_examples():
    import doctest

    from jtape import _checkpoint, _checkpoint_io, _saved_model

    for module in (_checkpoint, _checkpoint_io, _saved_model):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__
