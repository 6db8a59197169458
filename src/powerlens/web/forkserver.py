"""A small fork server: one process that loaded and warmed the library forks every worker.

The first analysis in a fresh Python process costs about a second (imports, lexicons,
models); forking from a process that paid it once makes each worker start in milliseconds
with a clean copy of nothing but the library. The server process starts this one
(``python -c ...``, the same interpreter and ``sys.path``) and talks to it over a private
socket pair, so nothing is written to disk: each request carries one end of a fresh socket
pair (``socket.send_fds``); the fork server forks, the child runs ``worker.serve`` on it, and
the reply is the child's pid, which the server uses to kill a worker it gives up on.

Why not ``multiprocessing``'s fork server: its children re-import the parent's ``__main__``
module (the CLI, or a test runner) before they start, which costs time and breaks scripts
without a ``__main__`` guard.

Lifetimes: the fork server exits when the server's end of the control socket closes (the
server stopped or died); it ignores Ctrl+C (the terminal sends it to the whole group) and
lets the system reap its children. A worker exits when the server's end of its own socket
closes (``worker``). Needs ``os.fork`` (Linux, macOS).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

PID = struct.Struct("!q")


class ForkServer:
    """The server's handle on its fork server, started on first use and again if it died."""

    def __init__(self) -> None:
        self._control: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _start(self) -> socket.socket:
        ours, theirs = socket.socketpair()
        code = (
            "import json, sys; sys.path[:] = json.loads(sys.argv[2]); "
            "from powerlens.web.forkserver import main; main(int(sys.argv[1]))"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-c", code, str(theirs.fileno()), json.dumps(sys.path)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._control = ours
        return ours

    def launch(self) -> tuple[Connection, int]:
        """A new worker process: the server's end of its socket, and its pid (blocks)."""
        ours, theirs = socket.socketpair()
        with self._lock:
            for attempt in (1, 2):
                control = self._control
                if control is None or self._process is None or self._process.poll() is not None:
                    control = self._start()
                try:
                    socket.send_fds(control, [b"F"], [theirs.fileno()])
                    reply = _read(control, PID.size)
                    break
                except OSError:
                    self.stop()
                    if attempt == 2:
                        raise
        theirs.close()
        return Connection(ours.detach()), PID.unpack(reply)[0]

    def stop(self) -> None:
        """Close the control socket; the fork server then exits."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError("the fork server closed its socket")
        data += chunk
    return data


def warm() -> None:
    """Import every reader and analyse two turns, so all is loaded before any fork."""
    from powerlens.measures.tactics.model import MODELS
    from powerlens.model import Conversation, Utterance
    from powerlens.readers import readers
    from powerlens.web import worker

    readers()
    turns = (("A", "Could you tell me what you think we should do?"), ("B", "No, I won't."))
    conversation = Conversation(
        id="warm-up",
        utterances=tuple(
            Utterance(id=str(i), speaker=s, text=t, line=i + 1) for i, (s, t) in enumerate(turns)
        ),
    )
    for model in MODELS:  # each tactic model a form may choose
        worker.analyse(conversation, None, True, None, model)


def main(fd: int) -> None:
    """The fork server's loop: warm the library, then fork a worker per request until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    from powerlens.web import worker

    warm()
    # what is loaded now is shared with every worker; keep the collector from touching it, so
    # a worker does not copy those pages (about a fifth of a short analysis's time)
    gc.collect()
    gc.freeze()
    control = socket.socket(fileno=fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            break
        if not message:
            break
        if not fds:
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 0
            try:
                worker.serve(Connection(fds[0]))
            except BaseException:
                code = 1
            os._exit(code)
        os.close(fds[0])
        try:
            control.sendall(PID.pack(pid))
        except OSError:
            break
