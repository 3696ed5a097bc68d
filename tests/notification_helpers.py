"""For the notification and mail tests: the outbox, a message's parts, a tiny SMTP server, the
record's size (tests/factories.py makes the proposals)."""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from council.extensions import db
from council.models.record import RecordEvent


def record_size() -> int:
    return db.session.scalar(select(func.count()).select_from(RecordEvent)) or 0


def read_outbox(folder) -> list[email.message.EmailMessage]:
    messages = []
    for path in sorted(Path(folder).glob("*.eml")):
        messages.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
    return messages


def parts(message) -> tuple[str, str]:
    """The plain-text and HTML bodies of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@dataclass
class SMTPServer:
    """A minimal SMTP server on a local port: enough for smtplib to deliver to it."""

    port: int = 0
    received: list[bytes] = field(default_factory=list)
    server: socketserver.ThreadingTCPServer | None = None

    def start(self) -> SMTPServer:
        store = self.received

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 test ESMTP\r\n")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.strip().split(b" ")[0].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk)
                        store.append(b"".join(data))
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
