"""Text and categorical preprocessing layers against Keras 3.15 (TF 2.21): blocks recorded
by tests/fixtures/record_text_layers_vs_keras.py (vocabulary order with frequency ties,
int64 one_hot/multi_hot/count outputs, Hashing/HashedCrossing bins, CategoryEncoding and
Discretization edges)."""

from __future__ import annotations

import pytest
from recorded_cases import check, load

import jtape.compat as tf

CASES = load("text_layers_vs_keras.json")


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: c.splitlines()[0][:60])
def test_matches_keras(case):
    # Keras wraps a call's error in its own first line; the class is what is compared.
    check(case, CASES[case], {"keras": tf.keras}, message=False, rtol=1e-5, atol=1e-6)


def test_hashed_crossing_config_and_shapes():
    layer = tf.keras.layers.HashedCrossing(num_bins=5, output_mode="one_hot")
    config = layer.get_config()
    assert {k: config[k] for k in ("num_bins", "output_mode", "sparse")} == {
        "num_bins": 5,
        "output_mode": "one_hot",
        "sparse": False,
    }
    assert layer.compute_output_shape([(3, 1), (3, 1)]) == (3, 5)
    assert type(layer).from_config(config).num_bins == 5
