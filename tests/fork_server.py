"""The fork-server harness shared by the kill -9 tests (tests/ingest, tests/liaison).

Child side (:func:`say`, :func:`serve`): a process that imports the package once, then forks a
worker per ``run`` line on stdin, reports how it ended on ``reap``, and stops on ``quit``; every
line either process writes is one JSON object, written with one ``os.write`` (atomic on a pipe).
Parent side (:class:`ForkServer`): starts such a child and reads its lines from a queue.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from typing import IO, Any


def say(event: dict[str, Any]) -> None:
    os.write(1, json.dumps(event, separators=(",", ":")).encode() + b"\n")


def serve(name: str, work: Callable[[], None]) -> int:
    """The child's command loop: ``run`` forks a worker doing ``work``, ``reap`` waits for it
    (it stays a zombie until then, so the parent can SIGKILL its pid without hitting a recycled
    one) and says how it ended, ``quit`` (or end of input) stops."""
    worker: int | None = None
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            if worker is not None:
                raise SystemExit(f"{name}: 'run' before the previous worker was reaped")
            worker = os.fork()
            if worker == 0:
                code = 0
                try:
                    work()
                except BaseException:
                    say({"event": "error", "error": traceback.format_exc()})
                    code = 1
                os._exit(code)
        elif command == "reap":
            if worker is None:
                raise SystemExit(f"{name}: 'reap' without a worker")
            _, status = os.waitpid(worker, 0)
            say(
                {
                    "event": "exit",
                    "pid": worker,
                    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                }
            )
            worker = None
        elif command == "quit":
            break
    if worker is not None:
        os.waitpid(worker, 0)
    return 0


class ForkServer:
    """A running child script; ``what`` names its work in failure messages, ``timeout`` is how
    long to wait for any one line before failing."""

    def __init__(self, argv: list[str], *, what: str, timeout: float) -> None:
        self.what = what
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [sys.executable, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            if line.endswith("\n"):
                self.events.put(json.loads(line))
        self.events.put(None)

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def next_event(self, timeout: float | None = None) -> dict[str, Any]:
        timeout = self.timeout if timeout is None else timeout
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no word from the child for {timeout} s") from None
        assert event is not None, f"child ended unexpectedly (exit {self.proc.wait()})"
        assert event["event"] != "error", f"{self.what} failed in the child:\n{event['error']}"
        return event

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.send("quit")
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
