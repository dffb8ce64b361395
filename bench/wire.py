"""One request over a plain socket, to count exactly the bytes a response takes on the wire."""

from __future__ import annotations

import gzip
import socket
from dataclasses import dataclass

# What Chromium sends: the portal and whitenoise pick their encoding from it.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"


@dataclass(frozen=True)
class Answer:
    status: int
    # Lower-case names; the last of repeated headers.
    headers: dict[str, str]
    # The status line and headers, with their blank line.
    head_bytes: int
    # The body as sent (compressed when Content-Encoding says so).
    body_bytes: int
    # The body, decoded from gzip.
    body: bytes

    @property
    def wire_bytes(self) -> int:
        return self.head_bytes + self.body_bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> Answer:
    """GET `path` from 127.0.0.1:`port` over HTTP/1.1, as a browser asks for it."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Accept-Encoding: {ACCEPT_ENCODING}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, separator, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    if parsed.get("transfer-encoding", "").lower() == "chunked":
        raise ValueError(f"{path}: chunked answers are not counted here")
    # Only gzip is decoded (the portal's only encoding); a static file in another is counted
    # as sent and left as it is.
    encoding = parsed.get("content-encoding", "")
    return Answer(
        status=int(status_line.split()[1]),
        headers=parsed,
        head_bytes=len(head) + len(separator),
        body_bytes=len(body),
        body=gzip.decompress(body) if encoding == "gzip" else body,
    )
