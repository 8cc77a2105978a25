"""A Sentry ingest endpoint on a loopback port, for the tests: it accepts what a Sentry SDK
sends (envelopes, gzip-compressed or not) and keeps every event, with the body as received
once decompressed, so that a test can search it for what must never leave the platform."""

import gzip
import json
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class ReceivedEvent:
    event: dict
    body: bytes  # the whole envelope, decompressed

    @property
    def tags(self) -> dict:
        tags = self.event.get("tags") or {}
        return dict(tags)  # a dict, or a list of [key, value] pairs

    @property
    def exception_types(self) -> list[str]:
        return [value["type"] for value in (self.event.get("exception") or {}).get("values", [])]


def envelope_items(body: bytes) -> list[tuple[dict, bytes]]:
    """(item header, payload) of each item of a Sentry envelope (its first line is its header)."""
    _header, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        header = json.loads(line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


class SentryIngest:
    """`dsn` is what SENTRY_DSN needs (project 1, any key)."""

    def __init__(self):
        self._events: list[ReceivedEvent] = []
        self._changed = threading.Condition()
        ingest = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                ingest._receive(self.path, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://public-key@127.0.0.1:{self.port}/1"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _receive(self, path: str, body: bytes) -> None:
        events = []
        if path.endswith("/envelope/"):
            events = [
                json.loads(payload)
                for header, payload in envelope_items(body)
                if header.get("type") == "event"
            ]
        elif path.endswith("/store/"):
            events = [json.loads(body)]
        with self._changed:
            self._events.extend(ReceivedEvent(event=event, body=body) for event in events)
            self._changed.notify_all()

    @property
    def events(self) -> list[ReceivedEvent]:
        with self._changed:
            return list(self._events)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[ReceivedEvent]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._events) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} Sentry event(s) within {timeout:g}s, "
                        f"received {len(self._events)}"
                    )
                self._changed.wait(remaining)
            return list(self._events)
