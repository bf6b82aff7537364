"""CPU accounting for the benchmarks: this process, a PostgreSQL server, and the whole machine (Linux /proc).

The machine may be shared: CPU used by other processes during a measurement is printed so a slow figure
can be told apart from a busy neighbour.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HZ = os.sysconf("SC_CLK_TCK")


@dataclass
class Cpu:
    """CPU seconds over a span: this process, the PostgreSQL server, and the whole machine."""

    wall_s: float = 0.0
    process_s: float = 0.0
    postgres_s: float = 0.0
    machine_busy_s: float = 0.0
    machine_total_s: float = 0.0

    @property
    def others_s(self) -> float:
        return max(0.0, self.machine_busy_s - self.process_s - self.postgres_s)

    def __str__(self) -> str:
        return (
            f"CPU: bench process {self.process_s:.1f} s, PostgreSQL {self.postgres_s:.1f} s, other processes "
            f"{self.others_s:.1f} s; machine {self.machine_busy_s:.1f} s busy of {self.machine_total_s:.1f} s "
            f"({100 * self.machine_busy_s / max(self.machine_total_s, 1e-9):.0f} %)"
        )


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds since boot, all CPUs, from /proc/stat; (0, 0) where unavailable."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is already in user)
    return (total - idle) / HZ, total / HZ


def _stat_fields(pid: int | str) -> list[str]:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()  # fields from 3 (state) on; the name may hold spaces


def pid_cpu(pid: int) -> float | None:
    """utime + stime of one process (a PostgreSQL backend, say); None where unreadable."""
    try:
        f = _stat_fields(pid)
        return (int(f[11]) + int(f[12])) / HZ
    except (OSError, ValueError, IndexError):
        return None


def postgres_cpu(postmaster_pid: int | None) -> float:
    """CPU seconds of the postmaster, its reaped children (backends that exited) and its live children."""
    if postmaster_pid is None:
        return 0.0
    try:
        f = _stat_fields(postmaster_pid)
        total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    except (OSError, ValueError, IndexError):
        return 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            f = _stat_fields(entry)
            if int(f[1]) == postmaster_pid:
                total += int(f[11]) + int(f[12])
        except (OSError, ValueError, IndexError):
            continue
    return total / HZ


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timed:
    seconds: float = 0.0
    cpu: Cpu = field(default_factory=Cpu)
    value: Any = None


class CpuMeter:
    """Times a call and the CPU spent meanwhile; `postmaster` (a pid) is set once the server runs."""

    def __init__(self, postmaster: int | None = None) -> None:
        self.postmaster = postmaster

    def start(self) -> Callable[[], Cpu]:
        busy0, total0 = machine_cpu()
        pg0 = postgres_cpu(self.postmaster)
        proc0 = process_cpu()
        started = time.perf_counter()

        def stop() -> Cpu:
            wall = time.perf_counter() - started
            proc1 = process_cpu()
            pg1 = postgres_cpu(self.postmaster)
            busy1, total1 = machine_cpu()
            return Cpu(wall, proc1 - proc0, pg1 - pg0, busy1 - busy0, total1 - total0)

        return stop

    def timed(self, fn: Callable[[], Any]) -> Timed:
        stop = self.start()
        value = fn()
        cpu = stop()
        return Timed(cpu.wall_s, cpu, value)
