import os
import signal
import subprocess
import sys

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from incidents.demo import change_password_command, ensure_demo_editor, load_demo_stories


class DemoServer(uvicorn.Server):
    """uvicorn, which says where to sign in once it answers, as the last lines of its log."""

    def __init__(self, config, *, announce):
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets=None):
        await super().startup(sockets)
        if self.started:
            self.announce()


class Command(BaseCommand):
    help = (
        "`make run`: load the demo (safe to rerun), serve it with uvicorn beside one task worker "
        "(db_worker, or RQ's with TASKS_BACKEND=rq), and print where to sign in, and as whom, "
        "once the server answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker", action="store_true", help="serve without the task worker"
        )

    def handle(self, *args, host, port, no_worker=False, **options):
        editor, password = ensure_demo_editor()
        for story in load_demo_stories(editor):
            self.stdout.write(f"Loaded the demo story {story.get_absolute_url()}")
        connections.close_all()  # the server's threads open their own
        address = f"[{host}]" if ":" in host else host
        config = uvicorn.Config(
            "liveblog.asgi:application", host=host, port=port, timeout_graceful_shutdown=3
        )
        server = DemoServer(
            config,
            announce=lambda: self.announce(f"http://{address}:{port}", editor.username, password),
        )
        worker = None if no_worker else self.start_worker()
        try:
            server.run()
        finally:
            if worker is not None:
                self.stop_worker(worker)

    def start_worker(self) -> subprocess.Popen:
        """One task worker beside the server, for the backend the settings chose: `db_worker`
        (the queue lives in the database) or, with TASKS_BACKEND=rq, RQ's worker on every queue,
        with its scheduler for tasks that run later (retries): webhooks and
        push notifications."""
        # Quiet, so the server's last lines stay where to sign in; a task that fails says so on
        # the desk's webhooks page, and a crash still shows its traceback.
        if settings.TASKS_BACKEND == "rq":
            name = "rqworker"
            arguments = [*settings.TASK_QUEUES, "--with-scheduler"]
        else:
            name = "db_worker"
            arguments = ["--queue-name", "*", "--no-reload"]
        command = [sys.executable, "-m", "django", name, *arguments, "--verbosity", "0"]
        self.stdout.write(f"Started the task worker (manage.py {name}) beside the server")
        # In a process group of its own: Ctrl+C reaches the server, which then stops the worker
        # with one signal (RQ's worker takes a second one as "drop the task in hand").
        return subprocess.Popen(command, start_new_session=True)  # noqa: S603 - our own command

    def stop_worker(self, worker: subprocess.Popen) -> None:
        worker.terminate()  # it finishes the task in hand, then stops
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # RQ's job and scheduler processes too
            worker.wait()

    def announce(self, root: str, username: str, password: str | None) -> None:
        lines = [
            "",
            f"The Live Desk is running at {root}/",
            f"Sign in at {root}/accounts/login/",
            f"  user:     {username}",
        ]
        reset = change_password_command(username)
        if password:
            lines += [f"  password: {password}", f"  (shown this once; to change it: {reset})"]
        else:
            lines += [
                "  password: the one shown when `make run` first created this account;",
                f"  to set a new one: {reset}",
            ]
        lines.append("Stop the server with Ctrl+C.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        self.stdout.flush()
