"""POST /api/v1/users/{id}/reports: a report file (multipart field `file`) loaded into the user's databases.

The caller is authorised before a byte of the upload is read, and the file part is streamed straight to a
private temporary file (never held in memory) under the name it was sent with, so that a parse error names
the user's file and line. Loading is all or nothing (core.ingest), so a bad report leaves no table behind.
"""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from fastapi import APIRouter, Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from bot.api.auth import CurrentActor, ServicesDep
from bot.api.errors import ApiError, declare
from bot.api.routes_users import UserId
from bot.api.schemas import ReportIngested, ReportTable
from core.db.provisioning import database_names
from core.errors import InvalidInput
from core.ingest.format_ids import ReportKind
from core.usecases import reports

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

router = APIRouter(prefix="/api/v1/users/{id}/reports", tags=["reports"])

FIELDS = ("file", "kind", "table")
MAX_FIELD_BYTES = 1024
FLUSH_BYTES = 1 << 20
KINDS = [k.value for k in ReportKind]

REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "additionalProperties": False,
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "the report file"},
                    "kind": {
                        "type": "string",
                        "enum": KINDS,
                        "description": "which database to load it into; detected from the content when omitted",
                    },
                    "table": {
                        "type": "string",
                        "pattern": "^[a-z_][a-z0-9_]{0,62}$",
                        "description": "name of the table to create; generated from the run when omitted",
                    },
                },
            }
        }
    },
}

log = logging.getLogger(__name__)


def safe_filename(raw: str) -> str:
    """The base name the client sent, made safe to create in our own directory (no path, no control chars)."""
    name = re.split(r"[/\\]", raw)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        return "report"
    return name[:200]


@dataclass
class ReceivedReport:
    path: Path
    filename: str
    kind: str | None
    table: str | None


@dataclass
class _FormReader:
    """python-multipart callbacks: the `file` part goes to disk in `directory`, the small text fields to memory."""

    directory: Path
    fields: dict[str, str] = field(default_factory=dict)
    file_path: Path | None = None
    filename: str = ""
    ended: bool = False
    _out: BinaryIO | None = None
    _pending: list[bytes] = field(default_factory=list)
    _pending_bytes: int = 0
    _header_name: bytes = b""
    _header_value: bytes = b""
    _disposition: bytes = b""
    _part: str = ""
    _data: bytearray = field(default_factory=bytearray)

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }

    def _on_part_begin(self) -> None:
        self._disposition = b""
        self._part = ""
        self._data = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise ApiError(400, "A multipart part has no name in its Content-Disposition header.")
        name = _decode(options[b"name"])
        if name not in FIELDS:
            raise InvalidInput(f"Unknown form field `{name[:40]}`: the fields are `file`, `kind` and `table`.")
        if name in self.fields or (name == "file" and self.file_path is not None):
            raise InvalidInput(f"The form field `{name}` is given twice; send one report per request.")
        self._part = name
        if name == "file":
            self.filename = safe_filename(_decode(options.get(b"filename", b"")))
            self.file_path = self.directory / self.filename
            self._out = self.file_path.open("xb")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file":
            self._pending.append(data[start:end])
            self._pending_bytes += end - start
            return
        if len(self._data) + (end - start) > MAX_FIELD_BYTES:
            raise InvalidInput(f"The form field `{self._part}` is too long (at most {MAX_FIELD_BYTES} bytes).")
        self._data += data[start:end]

    def _on_part_end(self) -> None:
        if self._part != "file":
            self.fields[self._part] = _decode(bytes(self._data)).strip()

    def _on_end(self) -> None:
        self.ended = True

    def needs_flush(self) -> bool:
        return self._pending_bytes >= FLUSH_BYTES

    def flush(self) -> None:
        """Write what was parsed so far (blocking: run it in a thread)."""
        if self._out is not None and self._pending:
            self._out.writelines(self._pending)
        self._pending.clear()
        self._pending_bytes = 0

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def receive_report(request: Request, directory: Path) -> ReceivedReport:
    """Stream the multipart body; the `file` part lands in `directory`. Refusals are 400/415/422."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data":
        raise ApiError(
            415,
            "Send the report as multipart/form-data with the file in the field `file` (e.g. curl -F file=@timing.rpt).",
        )
    if b"boundary" not in options:
        raise ApiError(400, "The multipart/form-data Content-Type has no boundary.")
    reader = _FormReader(directory)
    parser = MultipartParser(options[b"boundary"], reader.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if reader.needs_flush():
                await run_in_threadpool(reader.flush)
        parser.finalize()
        await run_in_threadpool(reader.flush)
    except FormParserError as exc:
        raise ApiError(400, f"The upload is not valid multipart/form-data ({exc}).") from None
    except ClientDisconnect:
        raise ApiError(400, "The upload was interrupted before it was complete.") from None
    finally:
        reader.close()
    if not reader.ended:
        raise ApiError(400, "The upload ended before the closing multipart boundary; send it again.")
    if reader.file_path is None:
        raise InvalidInput(
            "No report: send the file in the multipart form field `file` (e.g. curl -F file=@timing.rpt)."
        )
    kind = reader.fields.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"`kind` must be one of {', '.join(KINDS)}, not `{kind[:20]}`.")
    return ReceivedReport(reader.file_path, reader.filename, kind, reader.fields.get("table") or None)


@router.post(
    "",
    status_code=201,
    response_model=ReportIngested,
    responses=declare(400, 401, 403, 404, 413, 415, 422),
    openapi_extra={"requestBody": REQUEST_BODY},
    summary="Upload a report",
    description="Loads an EDA report (format detected from its content) into the user's timing, QoR or DRC "
    "database and returns the table created; its dashboard follows with the next scan. A bad report is refused "
    "with 422 naming the file and line, and nothing is loaded.",
)
async def upload_report(
    username: UserId, actor: CurrentActor, services: ServicesDep, request: Request
) -> ReportIngested:
    await run_in_threadpool(lambda: reports.authorize_upload(ctx=services.core, actor=actor, username=username))
    with tempfile.TemporaryDirectory(prefix="edabot-upload-") as tmp:
        report = await receive_report(request, Path(tmp))
        result = await run_in_threadpool(
            lambda: reports.ingest(
                ctx=services.core,
                actor=actor,
                username=username,
                path=report.path,
                kind=report.kind,
                table=report.table,
            )
        )
    database = database_names(username)[result.kind.value]
    if services.pipeline is not None:
        # As for a DM: the dashboard and message follow at once instead of at the next scheduled scan.
        def rescan() -> None:
            reports.rescan(ctx=services.core, ports=services.pipeline, actor=actor, username=username)

        services.work.submit(
            "scanning after an upload",
            rescan,
            lambda message, ref: log.warning("scan after upload failed: %s (ref %s)", message, ref),
        )
    return ReportIngested(file=report.filename, tables=[ReportTable.of(result, database)])
