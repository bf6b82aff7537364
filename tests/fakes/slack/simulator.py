"""SlackSimulator: a loopback Slack (Web API over HTTP + Socket Mode over WebSocket) for tests.

Point the product at it with `WebClient(base_url=sim.api_url)` / SLACK_API_URL and the
simulator's tokens; Socket Mode clients find the WebSocket through apps.connections.open,
as they do against real Slack. Both servers run on one asyncio loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from . import payloads, responses, views
from .context import Identity, Settings, SimContext
from .contract import Catalogue, default_specs_dir
from .delivery import Delivery
from .faults import Injection
from .http_app import build_http_app
from .ids import IdFactory
from .records import WARNING_PREFIX, AckRecord, RecordedRequest
from .socket_server import SocketServer
from .user_actions import UserActions
from .workspace import Workspace

T = TypeVar("T")
_LOOP_CALL_TIMEOUT_S = 15.0


class SlackSimulator(UserActions):
    """A fake Slack workspace bound to 127.0.0.1.

    with SlackSimulator() as sim:
        sim.add_user("U1", "alice"); sim.add_channel("C1", "general")
        app = App(client=WebClient(token=sim.bot_token, base_url=sim.api_url))
        handler = SocketModeHandler(app, sim.app_token); handler.connect(); sim.wait_connected()
        sim.send_slash_command("U1", "help").wait_ack()
        handler.close()  # before the simulator stops, or the client keeps reconnecting
        sim.assert_no_violations()
    """

    def __init__(
        self,
        *,
        specs_dir: Path | str | None = "auto",
        granted_scopes: Iterable[str] | None = None,
        settings: Settings | None = None,
        team_id: str = "T0SIM00001",
        team_domain: str = "edabot-sim",
        app_id: str = "A0SIM00001",
        bot_user_id: str = "U0SIMBOT01",
        bot_id: str = "B0SIMBOT01",
        bot_name: str = "edabot",
    ) -> None:
        ids = IdFactory()
        identity = Identity(
            team_id=team_id,
            team_domain=team_domain,
            team_name="EDA Bot Simulated Workspace",
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            bot_name=bot_name,
            app_id=app_id,
            bot_token=f"xoxb-{team_id[1:]}-{ids.secret(6)}",
            app_token=f"xapp-1-{app_id}-{ids.secret(6)}",
        )
        # "auto": ../shared/specs/slack next to the repo; None: no catalogue checks.
        resolved = default_specs_dir() if specs_dir == "auto" else Path(specs_dir) if specs_dir else None
        self._ctx = SimContext(
            identity=identity,
            ids=ids,
            ws=Workspace(team_id),
            catalogue=Catalogue(resolved),
            settings=settings or Settings(),
        )
        if granted_scopes is not None:
            self._ctx.set_scopes(granted_scopes)
        self._ctx.ws.add_user(
            bot_user_id, bot_name, is_bot=True, extra_profile={"bot_id": bot_id, "api_app_id": app_id}
        )
        self._socket = SocketServer(self._ctx, self._on_ack)
        self._deliveries: list[Delivery] = []
        self._deliveries_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: list[web.AppRunner] = []

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self) -> SlackSimulator:
        if self._loop is not None:
            return self
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="slack-simulator", daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("simulator event loop did not start")
        self._loop = loop
        try:
            self._call(self._start_servers())
        except BaseException:
            self.stop()
            raise
        return self

    async def _start_servers(self) -> None:
        http_port = await self._serve(build_http_app(self._ctx))
        ws_port = await self._serve(self._socket.build_app())
        self._ctx.urls.http_base = f"http://127.0.0.1:{http_port}"
        self._ctx.urls.ws_base = f"ws://127.0.0.1:{ws_port}"

    async def _serve(self, app: web.Application) -> int:
        # Short shutdown_timeout: a request parked in an injected delay must not hold up stop().
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return int(runner.addresses[0][1])

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None:
            return
        try:
            if loop.is_running():
                self._call(self._shutdown())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(5)
            if not loop.is_running():
                loop.close()
            self._loop = None
            self._thread = None

    async def _shutdown(self) -> None:
        await self._socket.shutdown()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()

    def __enter__(self) -> SlackSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = _LOOP_CALL_TIMEOUT_S) -> T:
        if self._loop is None:
            coro.close()
            raise RuntimeError("simulator not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # ---- identity and endpoints -----------------------------------------------------------

    @property
    def api_url(self) -> str:
        """Base URL for WebClient(base_url=...) / SLACK_API_URL (ends with a slash)."""
        return self._ctx.urls.api_url

    @property
    def http_url(self) -> str:
        return self._ctx.urls.http_base

    @property
    def ws_url(self) -> str:
        return self._ctx.urls.ws_base

    @property
    def bot_token(self) -> str:
        return self._ctx.identity.bot_token

    @property
    def app_token(self) -> str:
        return self._ctx.identity.app_token

    @property
    def team_id(self) -> str:
        return self._ctx.identity.team_id

    @property
    def bot_user_id(self) -> str:
        return self._ctx.identity.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._ctx.identity.bot_id

    @property
    def app_id(self) -> str:
        return self._ctx.identity.app_id

    @property
    def settings(self) -> Settings:
        return self._ctx.settings

    @property
    def catalogue_available(self) -> bool:
        return self._ctx.catalogue.available

    @property
    def granted_scopes(self) -> frozenset[str]:
        return self._ctx.scopes

    @granted_scopes.setter
    def granted_scopes(self, scopes: Iterable[str]) -> None:
        self._ctx.set_scopes(scopes)

    def grant_scopes_from_manifest(self, manifest_path: Path) -> frozenset[str]:
        """Use exactly the bot scopes an app manifest requests (oauth_config.scopes.bot)."""
        manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
        scopes = manifest.get("oauth_config", {}).get("scopes", {}).get("bot", [])
        self._ctx.set_scopes(scopes)
        return self.granted_scopes

    # ---- observations -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._ctx.requests.snapshot()

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [r.args for r in self._ctx.requests.snapshot() if r.method == method]

    @property
    def violations(self) -> list[str]:
        return self._ctx.violations.snapshot()

    def clear_violations(self) -> None:
        self._ctx.violations.clear()

    def assert_no_violations(self, *, include_warnings: bool = True) -> None:
        found = [v for v in self.violations if include_warnings or not v.startswith(WARNING_PREFIX)]
        if found:
            listing = "\n  - ".join(found)
            raise AssertionError(f"{len(found)} Slack contract violation(s):\n  - {listing}")

    @property
    def undocumented_errors(self) -> list[str]:
        """Error codes the simulator answered that the catalogue does not list (simulator bugs)."""
        return list(self._ctx.undocumented_errors)

    @property
    def acks(self) -> list[AckRecord]:
        return self._socket.acks()

    @property
    def deliveries(self) -> list[Delivery]:
        with self._deliveries_lock:
            return list(self._deliveries)

    @property
    def connections_opened(self) -> int:
        return self._socket.stats.connections_opened

    @property
    def connection_count(self) -> int:
        """Live Socket Mode connections that still receive envelopes."""
        return self._socket.active_count()

    @property
    def open_sockets(self) -> int:
        """Open WebSockets, including ones sent a disconnect that the app has not closed yet."""
        return self._socket.open_count()

    # ---- workspace set-up and inspection ----------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        return self._ctx.ws.add_channel(
            channel_id,
            name,
            is_private=is_private,
            is_member=is_member,
            is_archived=is_archived,
            members=set(members) if members is not None else None,
        )

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages in a conversation, oldest first, including thread replies and metadata."""
        return copy.deepcopy(self._ctx.ws.channel_messages(channel))

    def ephemerals_for(self, user_id: str) -> list[dict[str, Any]]:
        with self._ctx.ws.lock:
            return copy.deepcopy([e for e in self._ctx.ws.ephemerals if e.get("user") == user_id])

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        with self._ctx.ws.lock:
            return copy.deepcopy(self._ctx.ws.views)

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The user's modal stack, root first."""
        with self._ctx.ws.lock:
            return copy.deepcopy([self._ctx.ws.views[v] for v in self._ctx.ws.modal_stacks.get(user_id, [])])

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        with self._ctx.ws.lock:
            return {u: copy.deepcopy(self._ctx.ws.views[v]) for u, v in self._ctx.ws.home_views.items()}

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        """Every JSON body POSTed to each response_url, by URL."""
        with self._ctx.ws.lock:
            return {r.url: copy.deepcopy(r.posts) for r in self._ctx.ws.responses.values() if r.posts}

    def response_messages(self, target: Delivery | dict[str, Any] | str) -> list[dict[str, Any]]:
        """What the user currently sees for a response_url (replace_original replaces in place)."""
        url = self._response_url_of(target)
        record = responses.find(self._ctx, url)
        if record is None:
            raise KeyError(f"unknown response_url {url}")
        with self._ctx.ws.lock:
            return copy.deepcopy(record.current)

    @staticmethod
    def _response_url_of(target: Delivery | dict[str, Any] | str) -> str:
        if isinstance(target, str):
            return target
        payload = target.payload if isinstance(target, Delivery) else target.get("payload", target)
        url = payload.get("response_url") if isinstance(payload, dict) else None
        if not url:
            raise ValueError("this payload carries no response_url")
        return str(url)

    def file_info(self, file_id: str) -> dict[str, Any]:
        with self._ctx.ws.lock:
            return copy.deepcopy(self._ctx.ws.files[file_id].meta)

    def file_content(self, file_id: str) -> bytes | None:
        with self._ctx.ws.lock:
            return self._ctx.ws.files[file_id].content

    # ---- fault injection ----------------------------------------------------------------------

    def inject(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
        times: int | None = 1,
        body: Any = None,
        drop_after_accept: bool = False,
    ) -> Injection:
        """Make the next `times` calls of `method` fail or stall (None = until cleared).

        `method` is an API method name, or faults.UPLOAD_URL / RESPONSE_URL / FILE_DOWNLOAD.
        `drop_after_accept`: do what the call asks (store the message, complete the upload), then close
        the connection without answering.
        """
        injection = Injection(method, error, status, retry_after, delay, times, body, drop_after_accept)
        return self._ctx.faults.add(injection)

    def clear_injections(self, method: str | None = None) -> None:
        self._ctx.faults.clear(method)

    # ---- Socket Mode ----------------------------------------------------------------------

    def wait_connected(self, timeout: float = 10.0, count: int = 1) -> None:
        self.wait_for(lambda: self._socket.active_count() >= count, timeout, f"{count} Socket Mode connection(s)")

    def request_disconnect(self, reason: str = "refresh_requested") -> int:
        """Send a `disconnect` frame on every live connection (the app must reconnect)."""
        return self._call(self._socket.request_disconnect(reason))

    def _deliver(self, delivery: Delivery) -> Delivery:
        with self._deliveries_lock:
            self._deliveries.append(delivery)
        self._call(self._socket.deliver(delivery))
        return delivery

    def _on_ack(self, delivery: Delivery, record: AckRecord) -> None:
        """Apply what an ack asks Slack to do (runs on the simulator loop)."""
        with self._ctx.ws.lock:
            if delivery.payload.get("type") == "view_submission":
                user_id, view_id = delivery.context["user_id"], delivery.context["view_id"]
                delivery.view_errors = views.apply_submission_ack(self._ctx, user_id, view_id, record.payload)
            elif delivery.kind == payloads.SLASH_COMMANDS and record.payload:
                responses.apply_command_ack(
                    self._ctx, delivery.context["user_id"], delivery.context.get("channel_id"), record.payload
                )

    # ---- waiting ----------------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        """Poll `predicate` until truthy; returns its value. Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.02)

    def wait_for_call(
        self, method: str, predicate: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The args of the first recorded `method` call matching `predicate`."""

        def find() -> dict[str, Any] | None:
            return next((a for a in self.calls(method) if predicate is None or predicate(a)), None)

        return self.wait_for(find, timeout, f"a {method} call")  # type: ignore[no-any-return]
