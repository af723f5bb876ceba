"""tf.image against TF 2.21: results and errors recorded by
tests/fixtures/record_image_vs_tf.py (resize dtypes and size checks, int64 saturation,
ssim/psnr batches, extract_patches' checks, colour ops' channel checks)."""

from __future__ import annotations

import pytest
from recorded_cases import check, load

CASES = load("image_vs_tf.json")


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_tf(case):
    # float32 kernels summed in another order: TF's values to a few ulps
    check(case, CASES[case], {}, message=False, rtol=1e-5, atol=1e-6)


def test_docstring_examples():
    import doctest

    from jtape import _image_boxes, _image_metrics

    for module in (_image_boxes, _image_metrics):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
