"""A real SMTP server on loopback (aiosmtpd) for the e-mail tests: Django's SMTP backend talks
to it over TCP, and the tests read what arrived, parsed as a mail client would."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed MIME message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    peer: tuple  # the client's address and port: one per SMTP session

    @property
    def subject(self) -> str:
        # Python's e-mail package folds a long encoded subject onto a continuation line
        # ("Subject: \n =?utf-8?q?...?="); unfolded, it starts with a space, which mail
        # clients drop as well.
        return str(self.message["Subject"]).strip()

    @property
    def language(self) -> str:
        return str(self.message["Content-Language"])

    def part(self, subtype: str) -> str:
        """The text of the text/plain or text/html part, decoded."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_type() == f"text/{subtype}", subtype
        return body.get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.refused: set[str] = set()  # recipients the server answers 550 to

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content or envelope.content,
                email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                ),
                tuple(session.peer),
            )
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    @property
    def sessions(self) -> int:
        """How many SMTP sessions (connections) the messages came in."""
        return len({m.peer for m in self.messages})

    def clear(self) -> None:
        self.messages.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """Start an SMTP server on a free 127.0.0.1 port and point Django's SMTP backend at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.CARAVANA_SITE_URL = "https://shop.example.com"
    try:
        yield inbox
    finally:
        controller.stop()
