"""The first ten minutes: from a fresh checkout, `make run` and the README's commands work as
written, the log ends with where to sign in, and the site links to its sign-in page."""

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from liveblog.localenv import read_local_env, write_local_env
from tests.conftest import make_story
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
# What tests/testenv.py and a CI run set, which a newcomer's shell does not have.
NOT_IN_A_FRESH_SHELL = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "LOCAL_ENV_FILE",
    "ALLOWED_HOSTS",
    "SQLITE_TEST_NAME",
    "STATIC_MANIFEST",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "REDIS_URL",
    "TASKS_BACKEND",
    "TASKS_REDIS_URL",
    "RQ_KEY_PREFIX",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
}


# --- the local settings file ------------------------------------------------------------------


def test_the_local_file_fills_in_what_the_environment_leaves_unset(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("# made by make run\n\nFIRST10_A=from-file\nFIRST10_B='quoted value'\n")
    monkeypatch.setenv("FIRST10_B", "from-environment")
    monkeypatch.delenv("FIRST10_A", raising=False)

    found = read_local_env(env_file)

    assert found == {"FIRST10_A": "from-file", "FIRST10_B": "quoted value"}
    assert os.environ["FIRST10_A"] == "from-file"
    assert os.environ["FIRST10_B"] == "from-environment"
    monkeypatch.delenv("FIRST10_A")


def test_no_local_file_changes_nothing(tmp_path):
    before = dict(os.environ)

    assert read_local_env(tmp_path / "missing.env") == {}
    assert read_local_env("") == {}
    assert dict(os.environ) == before


def test_a_malformed_local_file_names_its_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nthis is not a setting\n")

    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2: expected NAME=value"):
        read_local_env(env_file)


def test_the_written_file_is_for_development_and_private(tmp_path):
    env_file = tmp_path / ".env"

    assert write_local_env(env_file) is True
    first = env_file.read_text()
    assert write_local_env(env_file) is False  # never overwritten: its key stays

    assert env_file.read_text() == first
    assert "DEBUG=1\n" in first
    assert re.search(r"^SECRET_KEY=[\w-]{50,}$", first, re.MULTILINE)
    assert env_file.stat().st_mode & 0o777 == 0o600


# --- a fresh checkout -----------------------------------------------------------------------


@pytest.fixture
def checkout(tmp_path):
    """A copy of this checkout as `git clone` leaves it (no .env, no database), sharing this
    virtualenv as its .venv."""
    if sys.prefix == sys.base_prefix:
        pytest.fail("run the tests from the project's virtualenv (make test)")
    copy = tmp_path / "checkout"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".env", "db.sqlite3*", "__pycache__", ".*_cache", ".hypothesis",
            ".schemathesis", "staticfiles", "exports", "bench",
        ),
    )  # fmt: skip
    (copy / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    return copy


def shell_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in NOT_IN_A_FRESH_SHELL}


def run(checkout: Path, command: str, *, stdin: str = "") -> subprocess.CompletedProcess:
    """`command` typed in the checkout, in a newcomer's shell (no terminal: prompts read stdin)."""
    return subprocess.run(
        command.split(),
        cwd=checkout,
        env=shell_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )


class MakeRun:
    """`make run` in the background, its output collected line by line."""

    def __init__(self, checkout: Path, port: int):
        self.process = subprocess.Popen(
            # -o: the shared virtualenv is installed already; never reinstall it from the copy.
            ["make", "-o", ".venv/.installed", "run", f"PORT={port}"],
            cwd=checkout,
            env=shell_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 90) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if text in line:
                return self.seen
        raise AssertionError(f"make run never printed {text!r}:\n" + "\n".join(self.seen))

    def rest(self, settle: float = 1.0) -> list[str]:
        """Everything printed after a moment's quiet."""
        time.sleep(settle)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # Ctrl+C, as in a terminal
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def worker_processes(checkout: Path) -> list[str]:
    """The task workers running from this checkout (by their working directory)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            if b"db_worker" in command and (proc / "cwd").resolve() == checkout.resolve():
                found.append(proc.name)
        except OSError:
            continue
    return found


def banner(lines: list[str]) -> str:
    """The lines make run ended with, from "The Live Desk is running"; nothing came after."""
    start = max(i for i, line in enumerate(lines) if line.startswith("The Live Desk is running"))
    assert lines[-1] == "Stop the server with Ctrl+C.", lines[start:]
    return "\n".join(lines[start:])


def sign_in(root: str, username: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=root, timeout=10) as client:
        form = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        )


def test_without_the_local_file_production_rules_hold(checkout):
    result = run(checkout, ".venv/bin/python manage.py check")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "liveblog: cannot start: SECRET_KEY must be set when DEBUG is off"
    )


def test_make_run_ends_with_where_to_sign_in_and_the_readme_commands_work(checkout):
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    server = MakeRun(checkout, port)
    try:
        server.wait_for("Stop the server with Ctrl+C.")
        # The last lines: the full sign-in address, the user and the password, once it answers.
        tail = banner(server.rest())
        assert f"Sign in at {root}/accounts/login/" in tail
        assert "  user:     editor" in tail
        password = re.search(r"^  password: (\S+)$", tail, re.MULTILINE).group(1)
        assert "change it: .venv/bin/python manage.py changepassword editor" in tail
        assert sign_in(root, "editor", password).headers["Location"] == "/newsroom/"
        front = httpx.get(f"{root}/", timeout=10)
        assert front.status_code == 200
        assert 'href="/accounts/login/">Newsroom sign-in</a>' in front.text
        assert "Started the task worker (manage.py db_worker) beside the server" in server.seen
        assert worker_processes(checkout), "no db_worker runs beside the server"
    finally:
        server.stop()
    assert not worker_processes(checkout), "the task worker outlived the server"
    assert (checkout / ".env").is_file()

    # The README's commands, typed as it shows them, with nothing exported.
    changed = run(
        checkout,
        ".venv/bin/python manage.py changepassword editor",
        stdin="a-new-long-passphrase\na-new-long-passphrase\n",
    )
    assert changed.returncode == 0, changed.stderr
    assert "Password changed successfully for user 'editor'" in changed.stdout
    token = run(checkout, ".venv/bin/python manage.py issue_token editor")
    assert token.returncode == 0, token.stderr
    assert re.fullmatch(r"\S{30,}\n", token.stdout)
    exported = run(
        checkout,
        ".venv/bin/python manage.py export_story cloudpay-outage-checkout-down -o story.html",
    )
    assert exported.returncode == 0, exported.stderr
    assert "CloudPay" in (checkout / "story.html").read_text()

    # A restart prints no password (it is not kept) but says how to set a new one.
    port = free_port()
    server = MakeRun(checkout, port)
    try:
        server.wait_for("Stop the server with Ctrl+C.")
        tail = banner(server.rest())
        assert f"Sign in at http://127.0.0.1:{port}/accounts/login/" in tail
        assert "to set a new one: .venv/bin/python manage.py changepassword editor" in tail
        assert not re.search(r"^  password: \S+$", tail, re.MULTILINE)
        signed_in = sign_in(f"http://127.0.0.1:{port}", "editor", "a-new-long-passphrase")
        assert signed_in.headers["Location"] == "/newsroom/"
    finally:
        server.stop()


# --- the site links to its sign-in page, and has an icon -----------------------------------


@pytest.mark.django_db
def test_every_reader_gets_the_same_sign_in_link(client):
    story = make_story(headline="Bridge Closed After Crash")
    for url in ["/", story.get_absolute_url()]:
        first, second = client.get(url), client.get(url)

        assert first.status_code == 200
        assert 'href="/accounts/login/">Newsroom sign-in</a>' in first.content.decode()
        assert first.content == second.content
        assert "public" in first["Cache-Control"]
        assert not first.cookies


@pytest.mark.django_db
def test_a_signed_in_journalist_gets_a_link_to_the_desk(client, editor):
    client.force_login(editor)

    response = client.get("/")

    assert response.status_code == 200
    assert 'href="/newsroom/">Newsroom desk</a>' in response.content.decode()
    assert "Newsroom sign-in" not in response.content.decode()


@pytest.mark.django_db
def test_the_site_has_an_icon(client):
    icon = client.get("/favicon.ico")
    page = client.get("/")

    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/vnd.microsoft.icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.content == (ROOT / "static" / "favicon.ico").read_bytes()
    assert not icon.cookies
    assert '<link rel="icon" href="/static/favicon.ico"' in page.content.decode()
    assert client.get("/static/favicon.ico").status_code == 200


def test_local_files_stay_out_of_git():
    ignored = subprocess.run(
        ["git", "check-ignore", ".env", ".schemathesis/", "db.sqlite3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    assert ignored.stdout.split() == [".env", ".schemathesis/", "db.sqlite3"]


def test_the_readme_shows_manage_py_commands_as_they_run_from_the_checkout():
    from django.core.management import get_commands

    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"([^\s`]*python) manage\.py (\w+)", readme)

    assert {"changepassword", "issue_token", "export_story", "load_demo"} <= {c for _, c in shown}
    assert {python for python, _ in shown} == {".venv/bin/python"}
    # RQ's worker command comes with django-rq, an app only when TASKS_BACKEND=rq.
    assert {command for _, command in shown} <= set(get_commands()) | rq_commands()


def rq_commands() -> set[str]:
    import django_rq

    commands = Path(django_rq.__file__).parent / "management" / "commands"
    return {path.stem for path in commands.glob("*.py") if not path.stem.startswith("_")}
