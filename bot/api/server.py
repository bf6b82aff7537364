"""Serve an ASGI app with uvicorn on a background thread, so `edabot run` (and tests) can start and stop it.

The socket is bound by `start()` in the caller's thread, so a port already in use fails there with a clear
error, and port 0 gives a free port, readable from `.port`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from core.errors import Unavailable

log = logging.getLogger(__name__)


class ApiServerError(Unavailable):
    """The REST API cannot listen (address taken, bad HOST) or did not start."""


class ApiServer:
    def __init__(
        self,
        app: ASGIApp,
        host: str,
        port: int,
        *,
        access_log: bool = True,
        graceful_shutdown_s: int = 10,
    ) -> None:
        self.host = host
        self.requested_port = port
        self._config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,  # keep the process's own logging set-up
            access_log=access_log,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=graceful_shutdown_s,
        )
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise ApiServerError("the API server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _bind(self) -> socket.socket:
        try:
            family, kind, proto, _name, address = socket.getaddrinfo(
                self.host, self.requested_port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            raise ApiServerError(f"cannot listen on HOST={self.host!r}: {exc}") from None
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        except OSError as exc:
            sock.close()
            raise ApiServerError(
                f"cannot listen on {self.host}:{self.requested_port} ({exc.strerror}); set HOST/PORT to a free address"
            ) from None
        sock.set_inheritable(True)
        return sock

    def start(self, timeout_s: float = 10.0) -> ApiServer:
        """Bind, start serving on a daemon thread, and return once requests are accepted."""
        if self._thread is not None:
            raise ApiServerError("the API server is already started")
        self._socket = self._bind()
        self.port = int(self._socket.getsockname()[1])
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="edabot-api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive():
                raise ApiServerError(f"the API server on {self.url} stopped while starting; see the log")
            if time.monotonic() > deadline:
                self.stop()
                raise ApiServerError(f"the API server on {self.url} did not start within {timeout_s:.0f}s")
            time.sleep(0.01)
        log.info("REST API listening on %s", self.url)
        return self

    def stop(self, timeout_s: float = 15.0) -> None:
        """Finish in-flight requests (within uvicorn's graceful timeout), then stop. Safe to call twice."""
        thread = self._thread
        if thread is None:
            return
        self._server.should_exit = True
        thread.join(timeout_s)
        if thread.is_alive():
            self._server.force_exit = True
            thread.join(5)
        if self._socket is not None:
            self._socket.close()
        self._thread = None
        log.info("REST API stopped")

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
