"""Pure checks on captured frames: scaling, blank detection, distinctness."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
from PIL import Image

# A frame is blank when this share of its pixels is (nearly) one colour. A real dashboard, even a sparse
# one, has panel backgrounds, borders and text well above 1 % of the screen; a white page, an empty
# dark page or one lone spinner (~0.1 % of 1920x1080) does not.
BLANK_UNIFORM_SHARE = 0.99
# Per-channel distance still counted as "the same colour": absorbs resampling and anti-aliasing noise.
BLANK_COLOUR_TOLERANCE = 6
_BLANK_SAMPLE_WIDTH = 192


def scale_to_width(image: Image.Image, width: int) -> Image.Image:
    """`image` scaled down to `width` keeping its aspect ratio (LANCZOS); never scaled up, which would
    only blur it and grow the GIF."""
    if image.width <= width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def is_blank(image: Image.Image) -> bool:
    """True when the frame is nearly one uniform colour (nothing rendered, or only a spinner)."""
    sample = image.convert("RGB")
    if sample.width > _BLANK_SAMPLE_WIDTH:
        # NEAREST keeps real pixel colours; averaging would blur small content into the background.
        height = max(1, round(sample.height * _BLANK_SAMPLE_WIDTH / sample.width))
        sample = sample.resize((_BLANK_SAMPLE_WIDTH, height), Image.Resampling.NEAREST)
    pixels = np.asarray(sample, dtype=np.int16).reshape(-1, 3)
    reference = np.median(pixels, axis=0)
    close = (np.abs(pixels - reference) <= BLANK_COLOUR_TOLERANCE).all(axis=1)
    return bool(close.mean() >= BLANK_UNIFORM_SHARE)


def frame_digest(data: bytes) -> str:
    """A digest of a frame's encoded bytes: Chromium encodes identical pixels to identical PNGs."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def count_distinct(digests: Iterable[str]) -> int:
    return len(set(digests))
