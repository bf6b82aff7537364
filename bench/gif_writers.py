"""GIF writers the benchmarks compare with the product's (core.capture.gif.pillow_gif_bytes): imageio's
defaults as the size baseline, and the product's own indexed frames written through imageio's Pillow plugin
and, for reference, through Pillow the way that plugin calls it (docs/benchmarks.md, "GIF writer").
imageio is needed only here: the product writes its GIFs with Pillow."""

from __future__ import annotations

import io
from collections.abc import Sequence

import imageio.v3 as iio
import numpy as np
from PIL import Image

from core.capture.gif import IndexedFrames


def naive_gif_bytes(frames: Sequence[Image.Image]) -> bytes:
    """The benchmark's baseline: the same frames at full size through imageio's defaults."""
    stack = np.stack([np.asarray(frame.convert("RGB")) for frame in frames])
    data = iio.imwrite("<bytes>", stack, extension=".gif")
    assert isinstance(data, bytes)
    return data


def imageio_gif_bytes(frames: IndexedFrames) -> bytes:
    """What pillow_gif_bytes writes, through imageio's Pillow plugin. The plugin takes arrays, not palette
    images: the indices go in as greyscale ("L") frames and the palette as Pillow's `palette` option."""
    data = iio.imwrite(
        "<bytes>",
        np.stack(frames.pixels),
        plugin="pillow",
        extension=".gif",
        mode="L",
        palette=bytes(frames.palette),
        duration=frames.durations,
        loop=0,
        optimize=True,
        disposal=1,
    )
    assert isinstance(data, bytes)
    return data


def pillow_l_gif_bytes(frames: IndexedFrames) -> bytes:
    """imageio_gif_bytes without imageio: Pillow itself given the greyscale frames and the palette option."""
    images = [Image.fromarray(pixels, mode="L") for pixels in frames.pixels]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        palette=bytes(frames.palette),
        duration=frames.durations,
        loop=0,
        optimize=True,
        disposal=1,
    )
    return buffer.getvalue()
