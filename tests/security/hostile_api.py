"""A small HTTP server that answers like a broken or hostile Dynamic API would: what the
emulator, which only ever answers well-formed documents, never sends. Real HTTP on a
loopback port, so the real client, transport and retries meet it.

    with hostile_api({"/api/v0/environments/<id>": Answer(200, body)}) as server:
        ... server.base_url ...   # http://127.0.0.1:<port>/api/v0
        server.requests           # [(method, path)] as they arrived
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    chunked: bool = False  # sent in chunks, with no Content-Length
    declared_length: int | None = None  # a Content-Length header that may lie


@dataclass
class HostileServer:
    base_url: str
    requests: list[tuple[str, str]]


def nested(depth: int) -> bytes:
    """An environment answer whose settings nest `depth` arrays deep."""
    return (b'{"id": "e", "settings": {"security": {}, "deep": ' + b"[" * depth + b"]" * depth
            + b"}}")


@contextmanager
def hostile_api(answers: Mapping[str, Answer]) -> Iterator[HostileServer]:
    """Serve `answers` by path (any method); every other path answers 404."""
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen.append((self.command, self.path))
            answer = answers.get(self.path.split("?")[0], Answer(404, b'{"error": "no"}'))
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                step = 64 * 1024
                try:
                    for start in range(0, len(answer.body), step):
                        piece = answer.body[start:start + step]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped reading, as it should
                return
            declared = answer.declared_length
            self.send_header("Content-Length",
                             str(len(answer.body) if declared is None else declared))
            self.end_headers()
            try:
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                return

        do_GET = do_PUT = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that stops reading a bomb is the point, not a failure

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="hostile-api",
                              daemon=True)
    thread.start()
    try:
        yield HostileServer(f"http://127.0.0.1:{server.server_address[1]}/api/v0", seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
