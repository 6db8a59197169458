"""Running the app with uvicorn on a socket bound first, so a free port is known in advance.

``bind`` takes port 0 to mean "any free port"; ``run`` serves until interrupted;
``background`` serves in a daemon thread (tests and the load benchmark) and returns the
base URL and a function that stops the server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import FrameType

import uvicorn
from fastapi import FastAPI


def bind(host: str, port: int = 0) -> socket.socket:
    """A listening socket on ``host``:``port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http URL a socket from ``bind`` answers on."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


GRACE_SECONDS = 2
"""On Ctrl+C or SIGTERM the running analyses are stopped at once (``pool.Analyses.stop_all``);
requests still running after this many seconds are cancelled."""


class _Server(uvicorn.Server):
    """uvicorn's server, stopping the app's analyses first when told to exit."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.analyses = getattr(app.state, "analyses", None)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.analyses is not None:
            self.analyses.stop_all()
        super().handle_exit(sig, frame)


def _server(app: FastAPI, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        app, log_level=log_level, access_log=False, lifespan="on",
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    return _Server(config, app)


def run(app: FastAPI, sock: socket.socket, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` until interrupted."""
    _server(app, log_level).run(sockets=[sock])


def background(app: FastAPI, host: str = "127.0.0.1") -> tuple[str, Callable[[], None]]:
    """Serve ``app`` on a free port of ``host`` in a thread; return its URL and a stopper."""
    sock = bind(host)
    server = _server(app, "warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    return url_of(sock), stop
