"""The Socket Mode side: WebSocket connections, envelope delivery, acks, retries, disconnects."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from . import payloads
from .context import SimContext
from .delivery import Attempt, Delivery
from .records import AckRecord

CONNECT_WAIT_S = 5.0  # how long a send waits for the app to have a live connection
MAX_CONNECTIONS = 10  # Slack's per-app limit of open Socket Mode connections


@dataclass
class _Connection:
    conn_id: int
    ws: web.WebSocketResponse
    opened_at: float
    draining: bool = False  # a disconnect frame was sent; Slack routes new envelopes elsewhere
    close_handle: asyncio.TimerHandle | None = None
    frames_in: int = 0


@dataclass
class _Pending:
    delivery: Delivery
    attempt: Attempt
    deadline: asyncio.TimerHandle | None = None


@dataclass
class SocketStats:
    connections_opened: int = 0
    hello_sent: int = 0
    rejected_handshakes: int = 0
    disconnects_sent: int = 0
    acks: list[AckRecord] = field(default_factory=list)


OnAck = Callable[[Delivery, AckRecord], None]


class SocketServer:
    def __init__(self, ctx: SimContext, on_ack: OnAck) -> None:
        self.ctx = ctx
        self._on_ack = on_ack
        self._ids = itertools.count(1)
        self._rr = itertools.count()
        self._conns: dict[int, _Connection] = {}
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()  # guards stats + the connection count read by test threads
        self.stats = SocketStats()
        self._closing = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        # Keep a reference until done: the loop only holds weak references to tasks.
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/link", self._handle)
        app.router.add_get("/link/", self._handle)
        return app

    # ---- thread-safe reads ------------------------------------------------------------

    def active_count(self) -> int:
        with self._lock:
            return sum(1 for c in self._conns.values() if not c.ws.closed and not c.draining)

    def open_count(self) -> int:
        """Open sockets, including ones told to disconnect that the app has not closed yet."""
        with self._lock:
            return sum(1 for c in self._conns.values() if not c.ws.closed)

    def acks(self) -> list[AckRecord]:
        with self._lock:
            return list(self.stats.acks)

    # ---- connection handling ----------------------------------------------------------

    def _check_ticket(self, request: web.Request) -> str | None:
        ticket = request.query.get("ticket", "")
        with self.ctx.ws.lock:
            if ticket not in self.ctx.ws.tickets:
                return "WebSocket opened with a ticket that apps.connections.open did not issue (or reused one)"
            self.ctx.ws.tickets.discard(ticket)  # tickets are single-use
        if request.query.get("app_id") not in (None, self.ctx.identity.app_id):
            return "WebSocket opened with a foreign app_id"
        with self._lock:
            full = len(self._conns) >= MAX_CONNECTIONS
        if full:
            return f"more than {MAX_CONNECTIONS} Socket Mode connections (Slack refuses: too_many_websockets)"
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        problem = self._check_ticket(request)
        if problem is not None:
            self.ctx.violation(problem)
            with self._lock:
                self.stats.rejected_handshakes += 1
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True, heartbeat=None)  # autoping answers client pings
        await ws.prepare(request)
        conn = _Connection(next(self._ids), ws, time.monotonic())
        with self._lock:
            self._conns[conn.conn_id] = conn
            self.stats.connections_opened += 1
        pinger = asyncio.ensure_future(self._ping_loop(ws))
        try:
            await ws.send_str(json.dumps(payloads.hello(self.ctx, self.active_count())))
            with self._lock:
                self.stats.hello_sent += 1
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    conn.frames_in += 1
                    self._on_text(conn, message.data)
                elif message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            pinger.cancel()
            if conn.close_handle is not None:
                conn.close_handle.cancel()
            with self._lock:
                self._conns.pop(conn.conn_id, None)
        return ws

    async def _ping_loop(self, ws: web.WebSocketResponse) -> None:
        interval = self.ctx.settings.server_ping_interval_s
        if not interval:
            return
        while not ws.closed:
            await asyncio.sleep(interval)
            try:
                await ws.ping(b"sim")
            except (ConnectionError, RuntimeError):
                return

    def _on_text(self, conn: _Connection, data: str) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            self.ctx.violation(f"Socket Mode: non-JSON text frame from the app: {data[:200]!r}")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("envelope_id"), str):
            self.ctx.violation(f"Socket Mode: unexpected frame from the app (not an ack): {data[:200]!r}")
            return
        self._on_ack_frame(frame)

    def _on_ack_frame(self, frame: dict[str, Any]) -> None:
        envelope_id = frame["envelope_id"]
        pending = self._pending.get(envelope_id)
        if pending is None:
            self.ctx.violation(f"Socket Mode: ack for unknown envelope_id {envelope_id}")
            return
        delivery, attempt = pending.delivery, pending.attempt
        if attempt.acked:
            self.ctx.violation(f"Socket Mode: envelope {envelope_id} acked twice", warning=True)
            return
        attempt.acked = True
        if pending.deadline is not None:
            pending.deadline.cancel()
        latency = time.monotonic() - attempt.sent_at
        has_payload = "payload" in frame
        payload = frame.get("payload")
        if has_payload and not isinstance(payload, dict):
            self.ctx.violation(f"Socket Mode: ack payload for {envelope_id} is not a JSON object")
            payload = None
        record = AckRecord(envelope_id, payload, latency, delivery.kind, has_payload=has_payload)
        with self._lock:
            self.stats.acks.append(record)
        if has_payload and not delivery.accepts_response_payload:
            self.ctx.violation(
                f"Socket Mode: ack for {delivery.kind} envelope {envelope_id} carries a payload, but "
                "accepts_response_payload is false (Slack ignores it)"
            )
        if latency > self.ctx.settings.ack_timeout_s:
            self.ctx.violation(
                f"Socket Mode: {delivery.kind} envelope {envelope_id} acked after {latency:.2f}s "
                f"(limit {self.ctx.settings.ack_timeout_s}s)"
            )
        if delivery.record_ack(record):
            try:
                self._on_ack(delivery, record)
            except Exception as exc:  # a simulator bug must not kill the app's connection
                self.ctx.violation(f"simulator error while applying ack {envelope_id}: {exc!r}")
            finally:
                delivery.complete()

    # ---- delivery ---------------------------------------------------------------------

    async def deliver(self, delivery: Delivery) -> None:
        await self._send_attempt(delivery, retry_attempt=0, retry_reason=None)

    async def _pick_connection(self) -> _Connection:
        deadline = time.monotonic() + CONNECT_WAIT_S
        while True:
            with self._lock:
                live = [c for c in self._conns.values() if not c.ws.closed]
            fresh = [c for c in live if not c.draining]
            candidates = fresh or live
            if candidates:
                # Slack hands each envelope to exactly one of the app's connections.
                return candidates[next(self._rr) % len(candidates)]
            if time.monotonic() >= deadline:
                raise RuntimeError(f"no Socket Mode connection within {CONNECT_WAIT_S}s; call wait_connected() first")
            await asyncio.sleep(0.02)

    async def _send_attempt(self, delivery: Delivery, *, retry_attempt: int, retry_reason: str | None) -> None:
        envelope_id = self.ctx.ids.envelope_id()
        envelope = payloads.envelope(
            envelope_id,
            delivery.kind,
            delivery.payload,
            accepts_response_payload=delivery.accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        attempt = Attempt(envelope_id, envelope, retry_attempt)
        conn = await self._pick_connection()
        attempt.connection_id = conn.conn_id
        pending = _Pending(delivery, attempt)
        self._pending[envelope_id] = pending
        delivery.add_attempt(attempt)
        attempt.sent_at = time.monotonic()
        await conn.ws.send_str(json.dumps(envelope))
        loop = asyncio.get_running_loop()
        pending.deadline = loop.call_later(self.ctx.settings.ack_timeout_s, self._on_deadline, envelope_id)

    def _on_deadline(self, envelope_id: str) -> None:
        pending = self._pending.get(envelope_id)
        if pending is None or pending.attempt.acked or self._closing:
            return
        delivery, attempt = pending.delivery, pending.attempt
        if delivery.acked:
            return
        if delivery.kind == payloads.EVENTS_API:
            if attempt.retry_attempt < self.ctx.settings.max_event_retries:
                # Slack retries unacknowledged events with retry_attempt+1, reason "timeout".
                self._spawn(self._retry(delivery, attempt.retry_attempt + 1))
            else:
                event_id = delivery.payload.get("event_id")
                self.ctx.violation(
                    f"Socket Mode: event {event_id} never acked (first attempt + {attempt.retry_attempt} retries)"
                )
            return
        self.ctx.violation(
            f"Socket Mode: {delivery.kind} envelope {envelope_id} not acked within "
            f"{self.ctx.settings.ack_timeout_s}s (the user sees an error in Slack)"
        )

    async def _retry(self, delivery: Delivery, retry_attempt: int) -> None:
        try:
            await self._send_attempt(delivery, retry_attempt=retry_attempt, retry_reason="timeout")
        except (RuntimeError, ConnectionError) as exc:
            self.ctx.violation(f"Socket Mode: could not redeliver event {delivery.payload.get('event_id')}: {exc}")

    # ---- disconnects and shutdown -------------------------------------------------------

    async def request_disconnect(self, reason: str) -> int:
        """Send a disconnect frame on every live connection; returns how many got one."""
        loop = asyncio.get_running_loop()
        with self._lock:
            targets = [c for c in self._conns.values() if not c.ws.closed and not c.draining]
        for conn in targets:
            conn.draining = True
            await conn.ws.send_str(json.dumps(payloads.disconnect(self.ctx, reason, len(targets))))
            # Slack drops the old socket shortly after; the app must have reconnected by then.
            conn.close_handle = loop.call_later(self.ctx.settings.disconnect_grace_s, self._close_later, conn)
        with self._lock:
            self.stats.disconnects_sent += len(targets)
        return len(targets)

    def _close_later(self, conn: _Connection) -> None:
        self._spawn(self._close(conn))

    async def _close(self, conn: _Connection, code: int = WSCloseCode.GOING_AWAY) -> None:
        if not conn.ws.closed:
            await conn.ws.close(code=code)

    async def shutdown(self) -> None:
        self._closing = True
        for pending in list(self._pending.values()):
            if pending.deadline is not None:
                pending.deadline.cancel()
        with self._lock:
            conns = list(self._conns.values())
        for conn in conns:
            if conn.close_handle is not None:
                conn.close_handle.cancel()
            await self._close(conn)
