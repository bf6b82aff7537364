"""Progress for the CLI's long commands: a bar on a terminal, a few plain lines anywhere else (logs, CI)."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from tqdm import tqdm

# Without a terminal, a line at every tenth of the work: enough to see it move, little enough for a log.
PLAIN_STEPS = 10


class _Writer:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()


class Progress:
    """`update(done, total)` as often as the work likes; `close()` once. `unit` "B" shows sizes in MB."""

    def __init__(self, description: str, *, unit: str, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._description = description
        self._unit = unit
        self._bar: tqdm | None = None
        self._next_step = 1
        self._terminal = self._stream.isatty()

    def update(self, done: int, total: int) -> None:
        if self._terminal:
            if self._bar is None:
                self._bar = tqdm(
                    total=total,
                    desc=self._description,
                    unit=self._unit,
                    unit_scale=self._unit == "B",
                    unit_divisor=1024 if self._unit == "B" else 1000,
                    # Through a plain writer: tqdm special-cases the sys.stderr object itself, and on a pty
                    # without a size it then drew nothing. A writer without an encoding also gets ASCII bars.
                    file=_Writer(self._stream),
                    leave=True,
                    # A terminal that reports no size (a pty nobody sized) would get an empty bar: 80 columns.
                    ncols=shutil.get_terminal_size().columns,
                )
            self._bar.total = total
            self._bar.update(done - self._bar.n)
            return
        if total <= 0:
            return
        while self._next_step <= PLAIN_STEPS and done * PLAIN_STEPS >= total * self._next_step:
            shown = self._next_step * 100 // PLAIN_STEPS
            print(f"{self._description}: {shown}% ({self._amount(done)} of {self._amount(total)})", file=self._stream)
            self._next_step += 1
        self._stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def _amount(self, value: int) -> str:
        if self._unit == "B":
            return f"{value / 2**20:.1f} MB"
        return f"{value} {self._unit}"
