"""Turning captured frames into the small animated GIF posted to Slack, written atomically."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from core.capture.frames import scale_to_width

_SAFE_UID = re.compile(r"[A-Za-z0-9_-]{1,40}")
# The palette is built from every frame at this fraction of its size: plenty to find a UI's colours,
# and the median cut runs on a quarter of the pixels.
_PALETTE_SAMPLE_SCALE = 0.5
# 255 colours, not 256: the free index lets Pillow (optimize=True) paint every pixel that did not change
# since the previous frame transparent, and long transparent runs compress to almost nothing.
_COLOURS = 255
# Palette entries this close (per channel, 0-255) to a more used one are folded into it: under 2.5 %,
# invisible on a dashboard, and it removes the noise that costs GIF the most.
_MERGE_TOLERANCE = 6


@dataclass(frozen=True)
class EncodedGif:
    data: bytes
    frame_count: int


@dataclass(frozen=True)
class IndexedFrames:
    """What the GIF file stores: each distinct frame as palette indices, the shared palette, the delays."""

    pixels: list[np.ndarray]  # one (height, width) uint8 array per frame
    palette: list[int]  # flat R, G, B, ...
    durations: list[int]  # ms, one per frame


def encode_gif(frames: Sequence[Image.Image], *, frame_delay_ms: int, width: int) -> EncodedGif:
    """An animated GIF of `frames` scaled down to `width`, each shown `frame_delay_ms`, looping forever.

    One palette shared by all frames (median cut over all of them, near-duplicate entries folded
    together): colours do not flicker between frames, and Pillow can store each later frame as the
    rectangle that changed, with unchanged pixels transparent. No dithering: dashboards are flat UI
    colours, and dither noise looks worse and defeats GIF's LZW compression. Consecutive frames that
    come out identical are stored once with their durations added, so every frame in the file is a
    different picture.
    """
    indexed = index_frames(frames, frame_delay_ms=frame_delay_ms, width=width)
    return EncodedGif(pillow_gif_bytes(indexed), len(indexed.pixels))


def index_frames(frames: Sequence[Image.Image], *, frame_delay_ms: int, width: int) -> IndexedFrames:
    """encode_gif up to the file: frames scaled, mapped onto the shared palette, repeats folded."""
    if not frames:
        raise ValueError("encode_gif needs at least one frame")
    if frame_delay_ms < 10:
        raise ValueError("GIF frame delays are stored in 1/100 s: frame_delay_ms must be at least 10")
    scaled = [scale_to_width(frame.convert("RGB"), width) for frame in frames]
    palette = _shared_palette(scaled)
    indices = [np.asarray(frame.quantize(palette=palette, dither=Image.Dither.NONE)) for frame in scaled]
    colours = np.array(palette.getpalette() or [], dtype=np.int16).reshape(-1, 3)[:_COLOURS]
    # Pillow's palette holds only the colours median cut found (one for a blank page), not always 255.
    usage = np.bincount(np.concatenate([i.ravel() for i in indices]), minlength=len(colours))[: len(colours)]
    lut = _merge_close_colours(colours, usage)
    flat_palette = colours.astype(np.uint8).ravel().tolist()

    kept: list[np.ndarray] = []
    durations: list[int] = []
    for pixels in (lut[i] for i in indices):
        if kept and np.array_equal(pixels, kept[-1]):
            durations[-1] += frame_delay_ms
            continue
        kept.append(pixels)
        durations.append(frame_delay_ms)
    return IndexedFrames(kept, flat_palette, durations)


def pillow_gif_bytes(frames: IndexedFrames) -> bytes:
    """The file, written by Pillow. imageio's Pillow plugin was measured against this: it took twice the
    time, and its 8 % smaller file came from what it hands Pillow (greyscale frames plus the palette
    option), not from imageio (docs/benchmarks.md, "GIF writer")."""
    indexed: list[Image.Image] = []
    for pixels in frames.pixels:
        image = Image.frombytes("P", (pixels.shape[1], pixels.shape[0]), pixels.tobytes())
        image.putpalette(frames.palette)
        indexed.append(image)
    buffer = io.BytesIO()
    indexed[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=indexed[1:],
        duration=frames.durations,
        loop=0,
        optimize=True,
        # Keep each frame in place: the next one then only needs the rectangle where it differs.
        disposal=1,
    )
    return buffer.getvalue()


def _shared_palette(frames: Sequence[Image.Image]) -> Image.Image:
    first = frames[0]
    sample_w = max(1, round(first.width * _PALETTE_SAMPLE_SCALE))
    sample_h = max(1, round(first.height * _PALETTE_SAMPLE_SCALE))
    montage = Image.new("RGB", (sample_w, sample_h * len(frames)))
    for i, frame in enumerate(frames):
        # NEAREST keeps exact colours; an averaging filter would invent blends no frame contains.
        montage.paste(frame.resize((sample_w, sample_h), Image.Resampling.NEAREST), (0, i * sample_h))
    return montage.quantize(colors=_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _merge_close_colours(colours: np.ndarray, usage: np.ndarray) -> np.ndarray:
    """A lookup table sending each palette index to the most used index within _MERGE_TOLERANCE of it.

    Median cut gives colours to pixel mass, so a large flat background gets a dozen shades that differ
    by a level or two (LANCZOS ringing and anti-aliasing halos). Folding those into one turns speckled
    areas into long runs that LZW stores in a few bytes; measured on a Grafana-like dashboard this
    makes the GIF a third smaller with no visible change.
    """
    lut = np.arange(256, dtype=np.uint8)
    owner = np.full(len(colours), -1)
    for index in np.argsort(usage, kind="stable")[::-1]:
        if usage[index] == 0 or owner[index] >= 0:
            continue
        close = (np.abs(colours - colours[index]).max(axis=1) <= _MERGE_TOLERANCE) & (owner < 0)
        owner[close] = index
    merged = np.where(owner >= 0, owner, np.arange(len(colours)))
    lut[: len(colours)] = merged.astype(np.uint8)
    return lut


def gif_path(output_dir: Path, dashboard_uid: str) -> Path:
    """The preview's file for a dashboard: the same uid always maps to the same file, so a re-capture
    replaces the old preview. Grafana uids are already file-name safe; anything else is made safe and
    suffixed with a digest so two odd uids cannot collide."""
    if _SAFE_UID.fullmatch(dashboard_uid):
        return output_dir / f"{dashboard_uid}.gif"
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", dashboard_uid)[:40] or "dashboard"
    digest = hashlib.sha256(dashboard_uid.encode()).hexdigest()[:12]
    return output_dir / f"{safe}-{digest}.gif"


def write_atomically(path: Path, data: bytes) -> None:
    """Readers (the Slack upload) see the old file or the new one, never half of one: write a temporary
    file in the same directory, flush it to disk, then rename it over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
