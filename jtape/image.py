"""Image operations (``jt.image``, TensorFlow's ``tf.image``) on ``jax.image``/``jax.numpy``.

Images are ``[h, w, c]`` or ``[n, h, w, c]``; values equal TF's (see
``docs/image_signal.md``), gradients are JAX's. Random ops draw from JAX's PRNG, so a
seed does not give TF's numbers.
"""

from ._image_boxes import crop_and_resize as crop_and_resize
from ._image_boxes import draw_bounding_boxes as draw_bounding_boxes
from ._image_boxes import non_max_suppression as non_max_suppression
from ._image_boxes import non_max_suppression_padded as non_max_suppression_padded
from ._image_boxes import non_max_suppression_with_scores as non_max_suppression_with_scores
from ._image_color import adjust_brightness as adjust_brightness
from ._image_color import adjust_contrast as adjust_contrast
from ._image_color import adjust_gamma as adjust_gamma
from ._image_color import adjust_hue as adjust_hue
from ._image_color import adjust_saturation as adjust_saturation
from ._image_color import grayscale_to_rgb as grayscale_to_rgb
from ._image_color import hsv_to_rgb as hsv_to_rgb
from ._image_color import per_image_standardization as per_image_standardization
from ._image_color import rgb_to_grayscale as rgb_to_grayscale
from ._image_color import rgb_to_hsv as rgb_to_hsv
from ._image_color import rgb_to_yuv as rgb_to_yuv
from ._image_color import yuv_to_rgb as yuv_to_rgb
from ._image_metrics import extract_patches as extract_patches
from ._image_metrics import image_gradients as image_gradients
from ._image_metrics import psnr as psnr
from ._image_metrics import sobel_edges as sobel_edges
from ._image_metrics import ssim as ssim
from ._image_metrics import ssim_multiscale as ssim_multiscale
from ._image_metrics import total_variation as total_variation
from ._image_ops import central_crop as central_crop
from ._image_ops import convert_image_dtype as convert_image_dtype
from ._image_ops import crop_to_bounding_box as crop_to_bounding_box
from ._image_ops import flip_left_right as flip_left_right
from ._image_ops import flip_up_down as flip_up_down
from ._image_ops import pad_to_bounding_box as pad_to_bounding_box
from ._image_ops import resize_with_crop_or_pad as resize_with_crop_or_pad
from ._image_ops import resize_with_pad as resize_with_pad
from ._image_ops import rot90 as rot90
from ._image_ops import transpose as transpose
from ._image_random import random_brightness as random_brightness
from ._image_random import random_contrast as random_contrast
from ._image_random import random_crop as random_crop
from ._image_random import random_flip_left_right as random_flip_left_right
from ._image_random import random_flip_up_down as random_flip_up_down
from ._image_random import random_hue as random_hue
from ._image_random import random_saturation as random_saturation
from ._image_random import stateless_random_brightness as stateless_random_brightness
from ._image_random import stateless_random_contrast as stateless_random_contrast
from ._image_random import stateless_random_crop as stateless_random_crop
from ._image_random import stateless_random_flip_left_right as stateless_random_flip_left_right
from ._image_random import stateless_random_flip_up_down as stateless_random_flip_up_down
from ._image_random import stateless_random_hue as stateless_random_hue
from ._image_random import stateless_random_saturation as stateless_random_saturation
from ._image_resize import ResizeMethod as ResizeMethod
from ._image_resize import resize as resize
