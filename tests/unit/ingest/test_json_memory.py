"""JSON reports stay within their memory budget: a 4 MB document of a million empty objects either
parses or is refused with an error naming the limit, and the process grows by at most 10x the file's
size (and never by 200 MB); real reports are nowhere near the limit.

Peak memory is measured in a child process: its peak RSS (VmHWM, reset just before parsing) against
its RSS then, so it counts everything the parse allocates, C buffers included (tracemalloc's peak
where the kernel does not allow the reset).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.formats.reports import parse_bytes
from core.ingest.grammar.json_input import (
    JSON_MEMORY_CEILING,
    JSON_MEMORY_FACTOR,
    json_memory_budget,
    json_shape,
    pairs_hook,
    reject_constant,
)
from tests.conftest import REPO, shared_path

from .samples import all_samples

MILLION_EMPTY = ", ".join(["{}"] * 1_000_000)  # 4 MB
LIMIT_WORDS = "JSON that decodes within"

_CHILD = """
import json, sys, tracemalloc
from core.ingest.errors import ReportParseError
from core.ingest.format_ids import ReportFormat
from core.ingest.formats.reports import open_report


def status_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


path, fmt = sys.argv[1], sys.argv[2]
try:
    # The peak RSS a child starts with is its parent's (fork): reset it to the current RSS.
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    method = "rss"
except OSError:
    method = "tracemalloc"
    tracemalloc.start()
before = status_bytes("VmRSS")
outcome = "parsed"
try:
    with open_report(path, fmt=None if fmt == "detect" else ReportFormat(fmt)) as parsed:
        for _ in parsed.facts:
            pass
except ReportParseError as exc:
    outcome = str(exc)
growth = status_bytes("VmHWM") - before if method == "rss" else tracemalloc.get_traced_memory()[1]
print(json.dumps({"growth": growth, "outcome": outcome, "method": method}))
"""

DOCUMENTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "bare list as METRICS2.1": ("orfs_metrics", lambda objs: f"[{objs}]"),
    "METRICS2.1 with a list value": ("detect", lambda objs: f'{{"run__flow__design": "gcd", "extra": [{objs}]}}'),
    "rules with a list value": (
        "orfs_rules",
        lambda objs: f'{{"cts__timing__setup__ws": {{"value": 1, "compare": "<="}}, "x": [{objs}]}}',
    ),
    "one OpenSTA path with a million points": (
        "detect",
        lambda objs: (
            '{"checks": [{"path_type": "max", "startpoint": "a", "endpoint": "b", '
            f'"data_arrival_time": 1e-9, "source_path": [{objs}]}}]}}'
        ),
    ),
    "OpenSTA paths that are empty objects": ("opensta_json", lambda objs: f'{{"checks": [{objs}]}}'),
}


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the RSS from /proc")
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_a_million_empty_objects_stay_within_the_memory_budget(name: str, tmp_path: Path) -> None:
    fmt, build = DOCUMENTS[name]
    path = tmp_path / "huge.json"
    path.write_text(build(MILLION_EMPTY), encoding="utf-8")
    size = path.stat().st_size
    assert size >= 4_000_000
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), fmt], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    growth, outcome = result["growth"], result["outcome"]
    assert growth <= JSON_MEMORY_FACTOR * size, f"grew {growth / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
    assert growth <= 200_000_000
    assert outcome == "parsed" or outcome.startswith("huge.json"), outcome
    if name != "OpenSTA paths that are empty objects":  # that one stops at the first path, which is empty
        assert LIMIT_WORDS in outcome, outcome


def test_the_memory_error_says_which_limit_was_hit() -> None:
    doc = f'{{"run__flow__design": "gcd", "extra": [{MILLION_EMPTY}]}}'.encode()
    with pytest.raises(ReportParseError) as caught:
        parse_bytes(doc, source_name="metadata.json").collect()
    message = str(caught.value)
    assert message.startswith("metadata.json: expected JSON that decodes within 40.0 MB"), message
    assert "10x the file's size" in message and "at most 200.0 MB" in message, message
    assert "found 1000001 objects" in message, message
    assert not caught.value.internal


def test_a_huge_opensta_path_names_its_line() -> None:
    doc = '{"checks": [\n{"path_type": "max", "source_path": [\n' + MILLION_EMPTY + "]}]}"
    with pytest.raises(ReportParseError, match=r"^paths\.json, line 2: expected JSON that decodes within"):
        parse_bytes(doc.encode(), source_name="paths.json", fmt=ReportFormat.OPENSTA_JSON).collect()


def test_the_budget_is_ten_times_the_size_between_the_floor_and_the_ceiling() -> None:
    assert json_memory_budget(4_000_000) == 40_000_000
    assert json_memory_budget(1_000) == json_memory_budget(0) > 0
    assert json_memory_budget(1 << 30) == JSON_MEMORY_CEILING == 200_000_000


# Documents made of one kind of item only, so each cost in the model is checked on its own.
_ITEMS = {
    "empty objects": "[" + ",".join(["{}"] * 20_000) + "]",
    "empty arrays": "[" + ",".join(["[]"] * 20_000) + "]",
    "nested arrays": "[" + ",".join(["[[]]"] * 20_000) + "]",
    "floats": "[" + ",".join(["0.5"] * 20_000) + "]",
    "big ints": "[" + ",".join(["70000"] * 20_000) + "]",
    "short strings": "[" + ",".join(['"ab"'] * 20_000) + "]",
    "wide strings": "[" + ",".join(['"\U0001f600"'] * 20_000) + "]",
    "distinct keys": "{" + ",".join(f'"k{i}":0' for i in range(20_000)) + "}",
    "repeated keys": "{" + ",".join('"a":0' for _ in range(20_000)) + "}",
    "one-pair objects": "[" + ",".join(['{"a":0.5}'] * 20_000) + "]",
    "escaped strings": "[" + ",".join(['"a\\"b\\\\"'] * 20_000) + "]",
}


@pytest.mark.parametrize("name", list(_ITEMS))
def test_the_estimate_bounds_what_decoding_takes(name: str) -> None:
    text = _ITEMS[name]
    raw = text.encode()
    width = 4 if not text.isascii() else 1
    estimate = json_shape(raw).decoded_bytes(sys.getsizeof(text), width)
    tracemalloc.start()
    try:
        value = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=reject_constant)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert value
    assert peak + sys.getsizeof(text) <= estimate, f"{peak} bytes decoded, estimated {estimate}"


JSON_SAMPLES = [s for s in all_samples() if s.endswith(".json") or s.endswith("json1.ok")]


@pytest.mark.samples
@pytest.mark.parametrize("relative", JSON_SAMPLES)
def test_real_json_reports_are_far_below_the_limit_even_minified(relative: str) -> None:
    raw = shared_path("eda-samples", relative).read_bytes()
    start = raw.find(b"{")
    value, end = json.JSONDecoder().raw_decode(raw[start:].decode())
    minified = json.dumps(value, separators=(",", ":")).encode()
    for doc in (raw[start : start + end], minified):
        estimate = json_shape(doc).decoded_bytes(sys.getsizeof(doc.decode()), 1)
        assert estimate <= JSON_MEMORY_FACTOR * max(len(doc), 64 << 10), relative


def _long_paths(count: int, points: int, indent: int | None) -> bytes:
    """OpenSTA -format json paths through ``points`` cells each, shaped like the real report's points."""
    chain = [
        {
            "instance": f"u{i}",
            "cell": "sky130_fd_sc_hd__buf_1",
            "verilog_src": "",
            "pin": f"u{i}/X",
            "net": f"n{i}",
            "arrival": 1e-11 * i,
            "slew": 3e-11,
            "capacitance": 2e-15,
        }
        for i in range(points)
    ]
    path = {"path_group": "clk", "path_type": "max", "startpoint": "u0/X", "endpoint": f"u{points - 1}/X"}
    path |= {"data_arrival_time": 1e-11 * points, "required_time": 1e-9, "slack": 1e-9, "source_path": chain}
    separators = (",", ":") if indent is None else None
    return json.dumps({"checks": [path] * count}, indent=indent, separators=separators).encode()


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "minified"])
def test_real_shaped_paths_of_a_thousand_points_are_not_refused(indent: int | None) -> None:
    # Each path is past the size (128 KiB) from which a value is measured before it is decoded.
    doc = _long_paths(8, 1000, indent)
    assert len(doc) > 8 * (128 << 10)
    facts = parse_bytes(doc, source_name="paths.json").collect()
    assert [len(p.points) for p in facts.timing_paths] == [1000] * 8
