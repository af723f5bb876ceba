"""``tf.image``: TensorFlow's image names over ``jtape.image`` (naming only)."""

from __future__ import annotations

from .. import image as _image
from ._api import tf_api
from ._missing import missing

ResizeMethod = _image.ResizeMethod

# TF name -> TF's leading tensor parameters (a Python list there becomes a tensor).
TABLE = {
    "adjust_brightness": ("image",),
    "adjust_contrast": ("images",),
    "adjust_gamma": ("image",),
    "adjust_hue": ("image",),
    "adjust_saturation": ("image",),
    "central_crop": ("image",),
    "convert_image_dtype": ("image",),
    "crop_and_resize": ("image", "boxes", "box_indices"),
    "crop_to_bounding_box": ("image",),
    "draw_bounding_boxes": ("images", "boxes", "colors"),
    "extract_patches": ("images",),
    "flip_left_right": ("image",),
    "flip_up_down": ("image",),
    "grayscale_to_rgb": ("images",),
    "hsv_to_rgb": ("images",),
    "image_gradients": ("image",),
    "non_max_suppression": ("boxes", "scores"),
    "non_max_suppression_padded": ("boxes", "scores"),
    "non_max_suppression_with_scores": ("boxes", "scores"),
    "pad_to_bounding_box": ("image",),
    "per_image_standardization": ("image",),
    "psnr": ("a", "b"),
    "random_brightness": ("image",),
    "random_contrast": ("image",),
    "random_crop": ("value",),
    "random_flip_left_right": ("image",),
    "random_flip_up_down": ("image",),
    "random_hue": ("image",),
    "random_saturation": ("image",),
    "resize": ("images",),
    "resize_with_crop_or_pad": ("image",),
    "resize_with_pad": ("image",),
    "rgb_to_grayscale": ("images",),
    "rgb_to_hsv": ("images",),
    "rgb_to_yuv": ("images",),
    "rot90": ("image",),
    "sobel_edges": ("image",),
    "ssim": ("img1", "img2"),
    "ssim_multiscale": ("img1", "img2"),
    "stateless_random_brightness": ("image",),
    "stateless_random_contrast": ("image",),
    "stateless_random_crop": ("value",),
    "stateless_random_flip_left_right": ("image",),
    "stateless_random_flip_up_down": ("image",),
    "stateless_random_hue": ("image",),
    "stateless_random_saturation": ("image",),
    "total_variation": ("images",),
    "transpose": ("image",),
    "yuv_to_rgb": ("images",),
}

_API = {
    name: tf_api(getattr(_image, name), tf_name=name, tensors=tensors)
    for name, tensors in TABLE.items()
}
globals().update(_API)
resize_image_with_crop_or_pad = _API["resize_with_crop_or_pad"]  # TF's older alias
# TF also exports the PNG codec under tf.image.
from .io import decode_image as decode_image  # noqa: E402
from .io import decode_png as decode_png  # noqa: E402
from .io import encode_png as encode_png  # noqa: E402

_EXTRA = [
    "ResizeMethod",
    "decode_image",
    "decode_png",
    "encode_png",
    "resize_image_with_crop_or_pad",
]
__all__ = sorted([*TABLE, *_EXTRA])

__getattr__ = missing("tf.image")
