"""Helpers for live-delivery tests: real uvicorn server processes on the test database, an
event-stream reader, and an in-process ASGI client that can hang up like a browser does.

Everything here works on the committed test database, so tests using it need
`pytest.mark.django_db(transaction=True)`.
"""

import asyncio
import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


# --- server-sent events -------------------------------------------------------------------


@dataclass
class SseEvent:
    id: str | None = None
    event: str = "message"
    data: str = ""
    comment: str | None = None
    retry: int | None = None


def parse_frames(text: str) -> tuple[list[SseEvent], str]:
    """Whole frames from `text`, and the incomplete rest."""
    frames = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    while "\n\n" in text:
        block, text = text.split("\n\n", 1)
        event, data = SseEvent(), []
        for line in block.split("\n"):
            if line.startswith(":"):
                event.comment = line[1:].strip()
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name == "id":
                event.id = value
            elif name == "event":
                event.event = value
            elif name == "retry":
                event.retry = int(value)
        event.data = "\n".join(data)
        frames.append(event)
    return frames, text


# --- real server processes -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test process uses."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"


class Server:
    """`uvicorn liveblog.asgi:application` in a child process, on the test database."""

    def __init__(self, *, workers: int = 1, port: int | None = None, env: dict | None = None):
        self.workers = workers
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "DEBUG": "1",  # static files straight from the source tree, as `make run` serves them
            "SECRET_KEY": "live-tests-secret-key",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "LIVE_HEARTBEAT_SECONDS": "1",
            "LIVE_POLL_SECONDS": "1",
            **(env or {}),
        }
        self.env.pop("SQLITE_TEST_NAME", None)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        command = [
            sys.executable, "-m", "uvicorn", "liveblog.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers), "--no-access-log", "--log-level", "warning",
            # Open event streams never finish by themselves: give them a second, then cut them.
            "--timeout-graceful-shutdown", "1",
        ]  # fmt: skip
        # Its own process group, so that kill() takes the workers down with it.
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("uvicorn did not start within 20 s")

    def kill(self) -> None:
        """Drop every connection at once, the way a crash or a network failure does."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class StreamReader:
    """Reads one event stream over HTTP on a background thread; events arrive on a queue."""

    def __init__(self, url: str, headers: dict | None = None):
        self.url = url
        self.headers = headers or {}
        self.events: queue.Queue[SseEvent] = queue.Queue()
        self.status: int | None = None
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "StreamReader":
        self._thread.start()
        if not self.connected.wait(10):
            raise RuntimeError(f"no response from {self.url}")
        return self

    def _run(self) -> None:
        with httpx.Client(timeout=httpx.Timeout(5, read=None)) as client:
            with client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                self.connected.set()
                rest = ""
                for chunk in response.iter_text():
                    if self._stop.is_set():
                        return
                    frames, rest = parse_frames(rest + chunk)
                    for frame in frames:
                        self.events.put(frame)

    def next_event(self, timeout: float = 5, *, skip_comments: bool = True) -> SseEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no event from {self.url} within {timeout} s")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if skip_comments and event.id is None and event.retry is None and not event.data:
                continue
            if event.retry is not None and event.id is None and not event.data:
                continue
            return event

    def close(self) -> None:
        self._stop.set()


# --- in process, over ASGI -------------------------------------------------------------------


@dataclass
class AsgiStream:
    """One request to the ASGI application, driven like a browser: it can hang up at any time."""

    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    finished: bool = False
    _disconnect: asyncio.Event | None = None
    _task: asyncio.Task | None = None
    _arrived: asyncio.Event | None = None
    _read: int = 0

    def frames(self) -> list[SseEvent]:
        frames, _ = parse_frames(self.body.decode())
        return frames


class AsgiClient:
    """Runs the project's ASGI application on an event loop in a background thread, so the test
    itself stays synchronous and writes through the ORM as usual."""

    def __init__(self):
        from liveblog.asgi import application

        self.application = application
        self.loop = asyncio.new_event_loop()
        self.streams: list[AsgiStream] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coroutine, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def hub(self):

        return self.call(_current_hub())

    def connections(self) -> int:
        hub = self.hub()
        return hub.connections if hub else 0

    def open(self, path: str, headers: dict | None = None) -> AsgiStream:
        return self.call(self._open(path, headers or {}))

    async def _open(self, path: str, headers: dict) -> AsgiStream:
        stream = AsgiStream(_disconnect=asyncio.Event(), _arrived=asyncio.Event())
        raw_path, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": raw_path,
            "raw_path": raw_path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"testserver")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        sent_request = False

        async def receive():
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await stream._disconnect.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                stream.status = message["status"]
                stream.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                stream.body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    stream.finished = True
            stream._arrived.set()

        async def run():
            try:
                await self.application(scope, receive, send)
            finally:
                stream.finished = True
                stream._arrived.set()

        stream._task = asyncio.ensure_future(run())
        self.streams.append(stream)
        while stream.status is None and not stream._task.done():
            stream._arrived.clear()
            await stream._arrived.wait()
        if stream._task.done() and stream._task.exception():
            raise stream._task.exception()
        return stream

    def wait_for(self, stream: AsgiStream, predicate, timeout: float = 10):
        """Wait until `predicate(frames)` holds for what the stream has received; returns frames."""
        return self.call(self._wait_for(stream, predicate, timeout), timeout + 5)

    async def _wait_for(self, stream, predicate, timeout):
        async with asyncio.timeout(timeout):
            while True:
                frames = stream.frames()
                if predicate(frames):
                    return frames
                if stream.finished:
                    raise AssertionError(f"stream ended without that; got {frames!r}")
                stream._arrived.clear()
                await stream._arrived.wait()

    def disconnect(self, stream: AsgiStream) -> None:
        async def hang_up():
            stream._disconnect.set()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(stream._task, 5)

        self.call(hang_up())

    def wait_until_finished(self, stream: AsgiStream, timeout: float = 5) -> None:
        async def finished():
            await asyncio.wait_for(asyncio.shield(stream._task), timeout)

        self.call(finished(), timeout + 5)

    def close(self) -> None:
        from incidents.live.audience import stop_reporting
        from incidents.live.hub import current_hub

        async def shutdown():
            for stream in self.streams:
                stream._disconnect.set()
            tasks = [stream._task for stream in self.streams]
            if tasks:
                await asyncio.wait(tasks, timeout=5)
            hub = current_hub()
            if hub is not None and hub.loop is self.loop:
                await hub.stop()
            await stop_reporting()

        self.call(shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


async def _current_hub():
    from incidents.live.hub import current_hub

    hub = current_hub()
    return hub if hub is not None and hub.loop is asyncio.get_running_loop() else None


class Counter:
    """Counts the calls of `owner.name` (a function of a module, or a method of a class) for
    the rest of the test."""

    def __init__(self, monkeypatch, owner, name):
        self.calls = 0
        original = getattr(owner, name)

        def counting(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)
