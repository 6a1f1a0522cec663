"""A real SMTP server on 127.0.0.1 for the email tests: aiosmtpd's Controller, in a thread of its
own, keeping every message that arrived, parsed. It can also misbehave on cue: refuse a
recipient (550), hang up in the middle of a message, or take its time over each recipient (to
kill a worker mid-batch)."""

import asyncio
import email
import email.policy
import logging
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Inbox:
    """What the server received, and how it is to answer the next messages."""

    messages: list[EmailMessage] = field(default_factory=list)
    # For each next message, in turn: "refuse" (550 for its recipient) or "hang up" (the
    # connection is closed when the message's text has arrived, before any answer).
    faults: list[str] = field(default_factory=list)
    rcpt_delay: float = 0.0  # seconds spent on each recipient before accepting it
    receiving: int = 0  # recipients being waited on right now
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.faults.clear()
        self.rcpt_delay = 0.0

    # aiosmtpd's hooks ------------------------------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_delay:
            self.receiving += 1
            try:
                await asyncio.sleep(self.rcpt_delay)
            finally:
                self.receiving -= 1
        with self.lock:
            fault = self.faults[0] if self.faults else None
            if fault == "refuse":
                self.faults.pop(0)
                return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            fault = self.faults[0] if self.faults else None
            if fault == "hang up":
                self.faults.pop(0)
                server.transport.close()
                return "421 closing"  # never reaches the client: the line is down
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)
        return "250 Message accepted"


@contextmanager
def smtp_server():
    """An SMTP server on a free port of 127.0.0.1: yields (port, inbox)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def mailer(port: int, timeout: float = 2) -> dict:
    """The MAILERS setting that sends through the server on `port`."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
        }
    }


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()
