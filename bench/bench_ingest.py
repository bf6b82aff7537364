"""Benchmark of report ingest: parse-and-load throughput and peak RSS for a large OpenSTA timing report.

    python bench/bench_ingest.py [--mb 100] [--sample PATH ...] [--cpu N] [--parse-only] [--profile [MB]]

Builds a `--mb` MB (10^6 bytes) `report_checks` file in a temporary directory from the real path blocks
(Startpoint ... slack) of OpenSTA samples read in place from shared/eda-samples/opensta_report_checks/,
repeating them round-robin with suffix `_r<N>` (N = the path's number in the file) on every startpoint,
endpoint, pin instance and port name, so every path is distinct while its numbers (and so
slack = required - arrival, or arrival - required for min paths) stay those of the real report.
Then it starts an embedded PostgreSQL (fsync off) in another temporary directory, creates a scratch
database and measures, each in a fresh Python child pinned to one CPU with os.sched_setaffinity:

  baseline     read the same file line by line in binary mode and decode each line as UTF-8 (best of 3)
  parse only   core.ingest.formats.reports.open_report + draining its facts, no database (with --parse-only)
  ingest       core.ingest.load.loader.ingest_file(conn, path): detect, parse, COPY, commit, end to end; run
               twice, first with PostgreSQL free to use any CPU, then with the server process serving the
               child's connection pinned to the child's CPU too (one core for everything)

Figures printed for each ingest: file size, paths and points written, ingest seconds, MB/s (target >= 10),
the ingest child's peak RSS as the kernel reports it for that child alone (os.wait4; target <= 300 MB),
baseline MB/s and the ingest/baseline time ratio, the split between the parse (with the points copied
live) and what follows it (the other tables' spooled rows copied, the run's table, the commit), CPU
seconds of the ingest process and of its PostgreSQL backend (MB per CPU-second is steadier than MB/s when
other work shares the machine), and how busy the whole machine was meanwhile. After each load it checks in
the database that the run's table and eda.timing_paths hold exactly the paths written,
eda.timing_path_points the points written, that the paths are distinct and that slack matches
required/arrival within the report's rounding.

`--profile [MB]` adds a cProfile run of the ingest of a separate MB-sized file (default 10) into its own
scratch database, printing the top Python functions and the server's slowest statements for that run
(log_min_duration_statement = 0). Everything (server, files, directories) is removed afterwards. Exit
status: 0 when every check passes (a missed target is printed, not an error), 1 when a check fails,
2 when no usable sample is found.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Run as `python bench/bench_ingest.py`: put the repo root first so `core` is found.
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.cpu import machine_cpu, pid_cpu

MB = 1_000_000
TARGET_MB_S = 10.0
TARGET_RSS_MB = 300.0
SCRATCH_DB = "edabot_bench_ingest"
PROFILE_DB = "edabot_bench_ingest_profile"
URL_ENV = "EDABOT_BENCH_INGEST_URL"
PIN_BACKEND_ENV = "EDABOT_BENCH_PIN_BACKEND"
SAMPLE_DIR = REPO.parent / "shared" / "eda-samples" / "opensta_report_checks"
DEFAULT_SAMPLES = ("openroad_rmp_gcd_asap7.ok", "opensta_mcmm3.ok")
PORT_KINDS = {"in", "out", "inout", "net"}

_START_RE = re.compile(r"^\s*Startpoint:")
_HEADER_NAME_RE = re.compile(r"^(\s*(?:Startpoint|Endpoint):\s*)(\S+)")
_SLACK_LINE_RE = re.compile(r"^\s*(-?\d+(?:\.(\d+))?)\s+slack \((?:MET|VIOLATED)")
_ARRIVAL_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+data arrival time")
_REQUIRED_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+data required time")
_PATH_TYPE_RE = re.compile(r"^\s*Path Type:\s*(max|min)")
_DASHES_RE = re.compile(r"^\s*-{5,}\s*$")
# A pin, port or net row of the path table: numbers, an optional edge marker, then `name (kind)`.
_ROW_NAME_RE = re.compile(r"^(?P<lead>[\s\d.\-]*(?:[\^v] +)?)(?P<name>\S+) \((?P<kind>[^()\s]+)\)")


# ---- building the large report -------------------------------------------------------------------


@dataclass(frozen=True)
class BlockTemplate:
    """One real path block, split at the places where the `_r<N>` suffix goes: block = suffix.join(parts)."""

    parts: tuple[bytes, ...]
    points: int  # rows the parser turns into timing_path_points (launch and capture sections)
    path_type: str
    arrival: float
    required: float
    slack: float
    tolerance: float  # rounding of the printed figures, in the report's unit
    source: str


def _insert_at(name: str, kind: str | None, pins: set[str]) -> int:
    """Offset in `name` where the suffix goes: after the instance of a pin, at the end of a port or net."""
    is_pin = (kind is not None and kind not in PORT_KINDS) or (kind is None and name in pins)
    if is_pin and "/" in name:
        return name.rindex("/")
    return len(name)


def _template(lines: list[str], source: str) -> BlockTemplate:
    pins: set[str] = set()
    cuts: list[tuple[int, int]] = []  # (line index, column) where a suffix is inserted
    headers: list[tuple[int, int, str]] = []  # (line index, name start, name) of Startpoint/Endpoint
    in_table = False
    points = 0
    counting = True
    path_type = arrival = required = slack = None
    decimals = 2
    for i, text in enumerate(lines):
        if not in_table:
            m = _HEADER_NAME_RE.match(text)
            if m is not None:
                headers.append((i, m.end(1), m.group(2)))
                continue
            m = _PATH_TYPE_RE.match(text)
            if m is not None:
                path_type = m.group(1)
            in_table = "Description" in text.split()
            continue
        if not text.strip() or _DASHES_RE.match(text):
            continue
        if (m := _ARRIVAL_RE.match(text)) is not None:
            # The first one ends the launch section; the closing section repeats it negated.
            arrival = arrival if arrival is not None else float(m.group(1))
            continue
        if (m := _REQUIRED_RE.match(text)) is not None:
            required = required if required is not None else float(m.group(1))
            counting = False  # the parser stores no points after the first 'data required time'
            continue
        if (m := _SLACK_LINE_RE.match(text)) is not None:
            slack = float(m.group(1))
            decimals = len(m.group(2) or "")
            continue
        if counting:
            points += 1
        m = _ROW_NAME_RE.match(text)
        if m is not None and m.group("name") != "slack":
            name, kind = m.group("name"), m.group("kind")
            if kind not in PORT_KINDS:
                pins.add(name)
            cuts.append((i, m.start("name") + _insert_at(name, kind, pins)))
    for i, start, name in headers:
        cuts.append((i, start + _insert_at(name, None, pins)))
    if path_type is None or arrival is None or required is None or slack is None or not in_table:
        raise ValueError(f"{source}: a path block without Path Type, column header, arrival, required or slack")
    text = "\n".join(lines) + "\n"
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    positions = sorted(offsets[i] + col for i, col in cuts)
    parts, prev = [], 0
    for pos in positions:
        parts.append(text[prev:pos].encode("utf-8"))
        prev = pos
    parts.append(text[prev:].encode("utf-8"))
    return BlockTemplate(
        parts=tuple(parts),
        points=points,
        path_type=path_type,
        arrival=arrival,
        required=required,
        slack=slack,
        tolerance=1.5 * 10 ** (-decimals) + 1e-9,
        source=source,
    )


def extract_blocks(path: Path) -> list[BlockTemplate]:
    """Every complete Startpoint ... slack block of a real report, as a template."""
    blocks: list[BlockTemplate] = []
    current: list[str] | None = None
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            text = raw.rstrip("\r\n")
            if _START_RE.match(text):
                current = [text]  # a block cut short by a new Startpoint is dropped
                continue
            if current is None:
                continue
            current.append(text)
            if _SLACK_LINE_RE.match(text):
                blocks.append(_template(current, path.name))
                current = None
    return blocks


def check_template(t: BlockTemplate) -> None:
    expected = t.required - t.arrival if t.path_type == "max" else t.arrival - t.required
    if abs(expected - t.slack) > t.tolerance:
        raise ValueError(
            f"{t.source}: slack {t.slack} is not required - arrival ({t.required} - {t.arrival}) in a real path"
        )


@dataclass
class Written:
    bytes: int = 0
    paths: int = 0
    points: int = 0
    seconds: float = 0.0


def build_report(path: Path, templates: list[BlockTemplate], target_bytes: int) -> Written:
    """Write real path blocks round-robin, renamed with `_r<N>`, until the file holds target_bytes."""
    out = Written()
    started = time.perf_counter()
    chunk: list[bytes] = []
    pending = 0
    with path.open("wb") as fh:
        while out.bytes < target_bytes:
            t = templates[out.paths % len(templates)]
            block = (b"_r%d" % out.paths).join(t.parts) + b"\n\n"
            chunk.append(block)
            pending += len(block)
            out.bytes += len(block)
            out.paths += 1
            out.points += t.points
            if pending >= 1 << 20:
                fh.write(b"".join(chunk))
                chunk, pending = [], 0
        fh.write(b"".join(chunk))
    out.seconds = time.perf_counter() - started
    return out


# ---- child processes (fresh interpreters, pinned to one CPU) --------------------------------------


def _self_cpu() -> tuple[float, float]:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def child_baseline(path: Path, repeat: int) -> dict[str, Any]:
    # Same imports as the ingest child, so this child's peak RSS is the floor the ingest adds to.
    import psycopg  # noqa: F401

    import core.ingest.load.loader  # noqa: F401

    runs = []
    lines = 0
    for _ in range(repeat):
        started = time.perf_counter()
        lines = 0
        with open(path, "rb") as fh:
            for raw in fh:
                raw.decode("utf-8")
                lines += 1
        runs.append(time.perf_counter() - started)
    return {"runs": runs, "lines": lines}


def child_parse(path: Path) -> dict[str, Any]:
    import psycopg  # noqa: F401

    from core.ingest.formats.reports import open_report

    counts: dict[str, int] = {}
    cpu0 = _self_cpu()
    started = time.perf_counter()
    with open_report(path) as parsed:
        for fact in parsed.facts:
            counts[fact.TABLE] = counts.get(fact.TABLE, 0) + 1
            points = getattr(fact, "points", None)
            if points is not None:
                counts["timing_path_points"] = counts.get("timing_path_points", 0) + len(points)
        fmt = parsed.format.value
    seconds = time.perf_counter() - started
    cpu1 = _self_cpu()
    return {"seconds": seconds, "rows": counts, "format": fmt, "cpu_s": sum(cpu1) - sum(cpu0)}


def child_ingest(path: Path, profile_out: Path | None, backend_cpu: int | None = None) -> dict[str, Any]:
    import psycopg

    from core.ingest.load import loader

    url = os.environ[URL_ENV]
    marks: dict[str, float] = {}
    original_choose = loader._choose_primary

    def choose_primary(*args: Any, **kwargs: Any) -> Any:
        # Called right after the COPY block closes: splits the ingest into streaming and server-side moves.
        marks.setdefault("copy_done", time.perf_counter())
        return original_choose(*args, **kwargs)

    loader._choose_primary = choose_primary
    with psycopg.connect(url, autocommit=True, application_name="edabot-bench-ingest") as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        backend = int(row[0]) if row else 0
        if backend_cpu is not None:
            # Everything on one core: the server process serving this connection shares the child's CPU.
            os.sched_setaffinity(backend, {backend_cpu})
        backend0 = pid_cpu(backend)
        cpu0 = _self_cpu()
        profiler = None
        if profile_out is not None:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        result = loader.ingest_file(conn, path)
        ended = time.perf_counter()
        if profiler is not None:
            profiler.disable()
        cpu1 = _self_cpu()
        backend1 = pid_cpu(backend)
    if profiler is not None and profile_out is not None:
        profiler.dump_stats(str(profile_out))
    return {
        "backend_cpu": backend_cpu,
        "seconds": ended - started,
        "copy_s": marks.get("copy_done", ended) - started,
        "run_id": result.run_id,
        "table": result.table,
        "fact_table": result.fact_table,
        "format": result.format.value,
        "rows": result.rows,
        "client_user_s": cpu1[0] - cpu0[0],
        "client_sys_s": cpu1[1] - cpu0[1],
        "backend_cpu_s": None if backend0 is None or backend1 is None else backend1 - backend0,
        "backend_pid": backend,
    }


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_ingest.py --child")
    parser.add_argument("what", choices=["baseline", "parse", "ingest"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--cpu", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile-out", type=Path)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {args.cpu})
    if args.what == "baseline":
        out = child_baseline(args.path, args.repeat)
    elif args.what == "parse":
        out = child_parse(args.path)
    else:
        out = child_ingest(args.path, args.profile_out, args.cpu if os.environ.get(PIN_BACKEND_ENV) else None)
    out["affinity"] = sorted(os.sched_getaffinity(0))
    print(json.dumps(out))
    return 0


@dataclass
class ChildRun:
    out: dict[str, Any]
    wall_s: float
    maxrss_mb: float  # the child's own peak RSS (os.wait4's rusage of exactly that process)


def run_child(
    what: str, path: Path, cpu: int, *, env: dict[str, str] | None = None, extra: tuple[str, ...] = ()
) -> ChildRun:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", what, str(path), "--cpu", str(cpu), *extra]
    child_env = dict(os.environ)
    child_env.update(env or {})
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=child_env, cwd=str(REPO))
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        proc.stdout.close()
        # Reap it here: wait4 gives the rusage of this child alone (RUSAGE_CHILDREN would also count
        # initdb and pg_ctl, which this process ran earlier).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"child '{what}' exited {proc.returncode}:\n{tail}")
    lines = stdout.decode().strip().splitlines()
    return ChildRun(json.loads(lines[-1]), wall, usage.ru_maxrss / 1024)


# ---- checks after loading -------------------------------------------------------------------------


def verify(url: str, ingest: dict[str, Any], written: Written, tolerance_report_unit: float) -> list[str]:
    import psycopg
    from psycopg import sql

    from core.ingest.grammar.units import parse_time_unit

    problems: list[str] = []
    run_id = ingest["run_id"]

    def one(
        conn: psycopg.Connection[Any], query: sql.Composable | str, params: tuple[Any, ...] = ()
    ) -> tuple[Any, ...]:
        row = conn.execute(query, params).fetchone()  # type: ignore[arg-type]
        assert row is not None
        return tuple(row)

    with psycopg.connect(url, autocommit=True) as conn:
        (run_rows,) = one(conn, sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(ingest["table"])))
        paths, distinct, worst_ns, unit = one(
            conn,
            "SELECT count(*), count(DISTINCT (startpoint, endpoint)), "
            "max(abs(slack - CASE WHEN path_type = 'max' THEN required - arrival ELSE arrival - required END)), "
            "min(time_unit) FROM eda.timing_paths WHERE run_id = %s",
            (run_id,),
        )
        (points,) = one(conn, "SELECT count(*) FROM eda.timing_path_points WHERE run_id = %s", (run_id,))
    to_ns = (parse_time_unit(unit) if unit else None) or parse_time_unit("ns")
    assert to_ns is not None
    worst = (worst_ns or 0.0) / to_ns.to_ns
    print(
        f"check: paths written {written.paths:,}; in public.{ingest['table']} {run_rows:,}, in eda.timing_paths "
        f"{paths:,} ({distinct:,} distinct startpoint/endpoint pairs); points written {written.points:,}, in "
        f"eda.timing_path_points {points:,}; max |slack - (required - arrival)| {worst:.4f} {unit} "
        f"(allowed {tolerance_report_unit:.4f}, the report's rounding)"
    )
    if run_rows != written.paths:
        problems.append(f"run table holds {run_rows} paths, {written.paths} written")
    if paths != written.paths:
        problems.append(f"eda.timing_paths holds {paths} paths for the run, {written.paths} written")
    if distinct != written.paths:
        problems.append(f"only {distinct} distinct startpoint/endpoint pairs among {paths} paths")
    if points != written.points:
        problems.append(f"eda.timing_path_points holds {points} points for the run, {written.points} written")
    if ingest["rows"].get("timing_paths") != written.paths:
        problems.append(f"LoadResult.rows says {ingest['rows'].get('timing_paths')} paths, {written.paths} written")
    if worst > tolerance_report_unit:
        problems.append(f"slack differs from required/arrival by {worst} {unit} in some path")
    return problems


# ---- main -------------------------------------------------------------------------------------------


def _print_profile(stats_file: Path, top: int) -> None:
    import io
    import pstats

    for order in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=buf)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        text = buf.getvalue()
        body = text[text.find("   ncalls") :] if "   ncalls" in text else text
        print(f"profile, top {top} by {order}:")
        print("    " + "\n    ".join(line for line in body.rstrip().splitlines()))


_LOG_DURATION_RE = re.compile(r"\[(\d+)\] LOG:  duration: ([\d.]+) ms  (statement|execute [^:]*): (.*)$")


def _print_server_statements(log: Path, backend_pid: int, total_s: float, top: int = 10) -> None:
    """The profiled ingest's slowest statements as the server logged them (log_min_duration_statement = 0)."""
    try:
        text = log.read_text(errors="replace")
    except OSError as exc:
        print(f"server statements: cannot read {log} ({exc})")
        return
    found: list[tuple[float, str]] = []
    for line in text.splitlines():
        m = _LOG_DURATION_RE.search(line)
        if m is not None and int(m.group(1)) == backend_pid:
            found.append((float(m.group(2)) / 1000, " ".join(m.group(4).split())))
    if not found:
        print("server statements: none logged for the profiled ingest's backend")
        return
    logged = sum(s for s, _ in found)
    print(
        f"server statements of the profiled ingest ({len(found)} logged, {logged:.1f} s of its {total_s:.1f} s; "
        f"top {min(top, len(found))} by duration):"
    )
    for seconds, statement in sorted(found, reverse=True)[:top]:
        print(f"    {seconds:7.2f} s  {statement[:150]}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="size of the generated report in MB (default 100)")
    parser.add_argument(
        "--sample",
        type=Path,
        action="append",
        help=f"OpenSTA report_checks file(s) to take path blocks from (default: {', '.join(DEFAULT_SAMPLES)} "
        f"in {SAMPLE_DIR})",
    )
    allowed = sorted(os.sched_getaffinity(0))
    parser.add_argument("--cpu", type=int, default=allowed[-1], help=f"CPU the children are pinned to ({allowed[-1]})")
    parser.add_argument(
        "--profile",
        type=float,
        nargs="?",
        const=10.0,
        default=None,
        metavar="MB",
        help="also profile (cProfile) the ingest of a separate MB-sized file (default 10) and print hotspots",
    )
    parser.add_argument("--top", type=int, default=25, help="functions listed per profile ordering (default 25)")
    parser.add_argument(
        "--parse-only", action="store_true", help="also time parsing alone (no database) in its own child"
    )
    args = parser.parse_args()
    if args.mb <= 0 or (args.profile is not None and args.profile <= 0):
        parser.error("--mb and --profile must be positive")
    if args.cpu not in allowed:
        parser.error(f"--cpu must be one of {allowed}")

    samples = args.sample or [SAMPLE_DIR / name for name in DEFAULT_SAMPLES]
    templates: list[BlockTemplate] = []
    for sample in samples:
        if not sample.is_file():
            print(f"sample not found: {sample}")
            return 2
        found = extract_blocks(sample)
        print(f"sample {sample.name}: {len(found)} path blocks, {sum(t.points for t in found)} points")
        templates += found
    if not templates:
        print("no Startpoint ... slack path blocks in the samples")
        return 2
    for t in templates:
        check_template(t)
    tolerance = max(t.tolerance for t in templates)

    import psycopg
    from psycopg import sql

    from core.db.embedded import EmbeddedPostgres
    from core.db.urls import with_database

    work_dir = Path(tempfile.mkdtemp(prefix="edabot-bench-ingest-"))
    data_dir = Path(tempfile.mkdtemp(prefix="edabot-bench-ingest-pg-"))
    server = EmbeddedPostgres(data_dir, fast_unsafe=True)
    problems: list[str] = []
    try:
        report = work_dir / "large_report_checks.ok"
        written = build_report(report, templates, int(args.mb * MB))
        size_mb = written.bytes / MB
        print(
            f"built {report.name}: {written.bytes:,} bytes ({size_mb:.1f} MB), {written.paths:,} paths, "
            f"{written.points:,} points, in {written.seconds:.1f} s"
        )

        started = time.perf_counter()
        admin_url = server.start().url()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in (SCRATCH_DB, PROFILE_DB):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            row = conn.execute("SHOW server_version").fetchone()
            version = row[0] if row else "?"
        url = with_database(admin_url, SCRATCH_DB)
        print(
            f"PostgreSQL {version} (embedded, fsync off) started in {time.perf_counter() - started:.1f} s; "
            f"{os.cpu_count()} CPUs, children pinned to CPU {args.cpu}; MB = 10^6 bytes"
        )

        base = run_child("baseline", report, args.cpu)
        base_s = min(base.out["runs"])
        base_mb_s = size_mb / base_s
        print(
            f"baseline (read line by line + UTF-8 decode, {base.out['lines']:,} lines, best of "
            f"{len(base.out['runs'])}: {', '.join(f'{s:.2f}' for s in base.out['runs'])} s): {base_s:.2f} s = "
            f"{base_mb_s:.0f} MB/s; that child's peak RSS (interpreter + the same imports) {base.maxrss_mb:.0f} MB"
        )

        if args.parse_only:
            parse = run_child("parse", report, args.cpu)
            p = parse.out
            print(
                f"parse only (open_report + drain facts, no database): {p['seconds']:.1f} s = "
                f"{size_mb / p['seconds']:.2f} MB/s, {p['rows'].get('timing_paths', 0):,} paths, "
                f"{p['rows'].get('timing_path_points', 0):,} points, CPU {p['cpu_s']:.1f} s, "
                f"peak RSS {parse.maxrss_mb:.0f} MB"
            )
            if p["rows"].get("timing_paths") != written.paths:
                problems.append(f"parse only produced {p['rows'].get('timing_paths')} paths, {written.paths} written")

        for pin_backend in (False, True):
            busy0, total0 = machine_cpu()
            load0 = os.getloadavg()[0]
            env = {URL_ENV: url, **({PIN_BACKEND_ENV: "1"} if pin_backend else {})}
            ing = run_child("ingest", report, args.cpu, env=env)
            busy1, total1 = machine_cpu()
            load1 = os.getloadavg()[0]
            r = ing.out
            mb_s = size_mb / r["seconds"]
            speed_ok = mb_s >= TARGET_MB_S
            rss_ok = ing.maxrss_mb <= TARGET_RSS_MB
            where = (
                f"ingest process and its PostgreSQL backend both pinned to CPU {args.cpu} (one core for everything)"
                if pin_backend
                else f"ingest process pinned to CPU {args.cpu}, PostgreSQL unpinned"
            )
            print(f"ingest_file, {where}:")
            print(
                f"    format {r['format']}, run table public.{r['table']}: {size_mb:.1f} MB, "
                f"{r['rows'].get('timing_paths', 0):,} paths + {r['rows'].get('timing_path_points', 0):,} points "
                f"loaded, {r['seconds']:.1f} s = {mb_s:.2f} MB/s (target >= {TARGET_MB_S:.0f}: "
                f"{'met' if speed_ok else 'MISSED'}); peak RSS {ing.maxrss_mb:.0f} MB (target <= {TARGET_RSS_MB:.0f}: "
                f"{'met' if rss_ok else 'MISSED'})"
            )
            print(
                f"    ratio to baseline: {r['seconds'] / base_s:.0f}x the time of reading + decoding "
                f"({base_mb_s:.0f} MB/s vs {mb_s:.2f} MB/s)"
            )
            backend = "unreadable" if r["backend_cpu_s"] is None else f"{r['backend_cpu_s']:.1f} s"
            moves_s = r["seconds"] - r["copy_s"]
            print(
                f"    phases: detect + parse with points copied live {r['copy_s']:.1f} s, then the other tables' "
                f"spooled rows copied + run table + commit {moves_s:.1f} s; CPU: ingest process "
                f"{r['client_user_s']:.1f} s user + {r['client_sys_s']:.1f} s sys, PostgreSQL backend {backend}"
            )
            client_cpu = r["client_user_s"] + r["client_sys_s"]
            cpu_view = f"{size_mb / client_cpu:.2f} MB per CPU-second of the ingest process"
            if r["backend_cpu_s"]:
                both = client_cpu + r["backend_cpu_s"]
                cpu_view += f", {size_mb / both:.2f} MB per CPU-second with the backend's"
            on_cpu = 100 * client_cpu / r["seconds"]
            print(
                f"    CPU view: {cpu_view}; the pinned ingest process was on its CPU {on_cpu:.0f} % "
                f"of the time; whole machine {100 * (busy1 - busy0) / max(total1 - total0, 1e-9):.0f} % busy "
                f"meanwhile (load average {load0:.1f} before, {load1:.1f} after)"
            )
            problems += verify(url, r, written, tolerance)

        if args.profile is not None:
            small = work_dir / "profile_report_checks.ok"
            w_small = build_report(small, templates, int(args.profile * MB))
            stats_file = work_dir / "ingest.prof"
            with psycopg.connect(admin_url, autocommit=True) as conn:
                # Server-side hotspots: every statement of the profiled ingest goes to the server log.
                conn.execute(
                    sql.SQL("ALTER DATABASE {} SET log_min_duration_statement = 0").format(sql.Identifier(PROFILE_DB))
                )
            prof = run_child(
                "ingest",
                small,
                args.cpu,
                env={URL_ENV: with_database(admin_url, PROFILE_DB)},
                extra=("--profile-out", str(stats_file)),
            )
            q = prof.out
            print(
                f"profiled ingest of {w_small.bytes / MB:.1f} MB ({w_small.paths:,} paths) under cProfile: "
                f"{q['seconds']:.1f} s (COPY phase {q['copy_s']:.1f} s, moves {q['seconds'] - q['copy_s']:.1f} s; "
                "cProfile slows the Python side)"
            )
            _print_profile(stats_file, args.top)
            _print_server_statements(server.pgdata / "server.log", q["backend_pid"], q["seconds"])

        if problems:
            print("PROBLEMS:\n  " + "\n  ".join(problems))
            return 1
        print("correctness: OK (every written path and point loaded, distinct, slack consistent)")
        return 0
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
