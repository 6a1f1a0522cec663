"""Shared by the benchmark scenarios: databases, server processes, memory readings."""

import atexit
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# One file per scenario process, so that two benchmarks on one machine never share a database.
SQLITE_PATH = Path(tempfile.gettempdir()) / f"liveblog-bench-{os.getpid()}.sqlite3"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/liveblog_bench"
)
# The product as `make serve` runs it, and the bare-Django baseline (bench/bare.py).
PRODUCT_APP = "liveblog.asgi:application"
BARE_APP = "bench.bare_asgi:application"


def database_url(kind: str) -> str:
    return f"sqlite:///{SQLITE_PATH}" if kind == "sqlite" else POSTGRES_URL


def remove_sqlite() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def server_env(url: str, **extra) -> dict:
    """The project's settings as in production: DEBUG off, one log line per request switched
    off, plain HTTP on loopback."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "DJANGO_SETTINGS_MODULE": "liveblog.settings",
    }
    env.update(extra)
    return env


def fresh_database(kind: str) -> str:
    """An empty, migrated database for one scenario."""
    url = database_url(kind)
    if kind == "sqlite":
        remove_sqlite()
        atexit.register(remove_sqlite)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env(url),
        check=True,
    )
    return url


def setup_django(url: str) -> None:
    os.environ.update(server_env(url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One uvicorn process on a free port. The product and the bare baseline are served by the
    same command with the same flags; uvicorn picks its event loop and HTTP parser itself
    (uvloop and httptools when installed), the same for both."""

    def __init__(self, url: str, *, app: str = PRODUCT_APP, **env):
        self.port = free_port()
        self.app = app
        self.env = server_env(url, **env)
        if app == BARE_APP:
            self.env["DJANGO_SETTINGS_MODULE"] = "bench.bare"
        self.process = None

    def start(self) -> "Server":
        command = [
            PYTHON, "-m", "uvicorn", self.app,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--no-access-log", "--log-level", "warning",
            "--backlog", "4096", "--timeout-graceful-shutdown", "1",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited with {self.process.returncode}")
            if self.listening():
                return self
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def listening(self) -> bool:
        """Whether this process listens on the port. Answering a connection is not proof: the
        free port may have been taken meanwhile by another program on the machine."""
        wanted = f":{self.port:04X}"
        with open("/proc/net/tcp") as table:
            inodes = {
                f"socket:[{fields[9]}]"
                for fields in (line.split() for line in table)
                if fields[1].endswith(wanted) and fields[3] == "0A"  # LISTEN
            }
        fds = Path(f"/proc/{self.process.pid}/fd")
        try:
            return any(os.readlink(fd) in inodes for fd in fds.iterdir())
        except OSError:  # an fd closed while we looked
            return False

    def rss_mb(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/task"))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def machine() -> dict:
    mem_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
