"""A real SMTP server for the integration tests: aiosmtpd on a loopback port, keeping every
message it accepts, and able to go down, come back on the same port, answer with errors, or
answer slowly."""

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO; lower this to debug a conversation.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class ReceivedEmail:
    """One message as the server accepted it: the SMTP envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        """The text/plain body ("" when there is none)."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        """The text/html body ("" when there is none)."""
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    def __str__(self) -> str:
        return f"from <{self.mail_from}> to {', '.join(self.rcpt_tos)}: {self.subject!r}"


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    """aiosmtpd's hooks, run in the server's thread; the sink decides what each one answers."""

    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.sink._refusal_for(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.reply_delay:
            # The whole message is in; the sender waits for the reply. A sender that dies
            # meanwhile never learns that its message was accepted, as with a real server.
            await asyncio.sleep(self.sink.reply_delay)
        return self.sink._receive(envelope)


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps what it receives.

    `url` is what EMAIL_URL needs. `stop()` then `start()` brings it back on the same port, so
    that a test can make a sender meet a refused connection and then a working server again.
    `refuse()` makes it answer like a server that does not know an address. `reply_delay`
    (seconds) makes it take that long to accept each message once its data is in: a sender
    killed meanwhile leaves an accepted message behind."""

    HOST = "127.0.0.1"

    def __init__(self, port: int | None = None):
        self.port = port or free_loopback_port()
        self._controller: Controller | None = None
        self._received: list[ReceivedEmail] = []
        self._changed = threading.Condition()
        self._refusals: dict[str, str] = {}
        self.reply_delay: float = 0.0

    @property
    def url(self) -> str:
        return f"smtp://{self.HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        # A Controller closes its event loop when it stops: each start needs a new one.
        controller = Controller(
            _Handler(self),
            hostname=self.HOST,
            port=self.port,
            # Skips socket.getfqdn(), which can wait for DNS on some machines.
            server_hostname="smtp-sink.test",
            ready_timeout=10,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Closes the port: from now on, connections are refused."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    # --- What it received ----------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedEmail]:
        with self._changed:
            return list(self._received)

    def clear(self) -> None:
        with self._changed:
            self._received.clear()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[ReceivedEmail]:
        """Waits until at least `count` messages arrived, and returns them all."""
        if not self._wait(lambda: len(self._received) >= count, timeout):
            raise AssertionError(
                f"expected {count} message(s) within {timeout:g}s on {self.url}, "
                f"received {len(self.messages)}:{self._listing()}"
            )
        return self.messages

    def assert_nothing_more(self, *, within: float) -> None:
        """Fails as soon as one more message arrives, or returns once `within` seconds went by
        without any. A bounded wait is the only proof of an absence: keep it short, and prove
        that the sender was alive by something that does arrive afterwards."""
        already = len(self.messages)
        if self._wait(lambda: len(self._received) > already, within):
            raise AssertionError(
                f"expected no more than {already} message(s) on {self.url}, "
                f"received {len(self.messages)}:{self._listing()}"
            )

    def _wait(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def _listing(self) -> str:
        return "".join(f"\n  - {message}" for message in self.messages) or " nothing"

    # --- Faults --------------------------------------------------------------------------------

    def refuse(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        """Refuses this recipient at RCPT TO, as a server refuses an address it does not know."""
        with self._changed:
            self._refusals[address.lower()] = reply

    def _refusal_for(self, address: str) -> str | None:
        with self._changed:
            return self._refusals.get(address.lower())

    def _receive(self, envelope) -> str:
        with self._changed:
            raw = bytes(envelope.original_content or b"")
            self._received.append(
                ReceivedEmail(
                    mail_from=envelope.mail_from,
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    raw=raw,
                    message=BytesParser(policy=policy.default).parsebytes(raw),
                )
            )
            self._changed.notify_all()
        return "250 2.0.0 Message accepted for delivery"
