"""A client for ClamAV's scanning daemon, clamd: PING and INSTREAM over a unix or TCP socket.

The protocol (clamd(8)): a command ending in NUL (``zINSTREAM\\0``), then the data as chunks,
each preceded by its length in 4 bytes (network order), a zero-length chunk to end, and one
reply ending in NUL: ``stream: OK``, ``stream: <signature> FOUND`` or ``<reason> ERROR``. When
the stream grows past its ``StreamMaxLength`` clamd answers ``INSTREAM size limit exceeded``
and closes the connection. Nothing here decides what a caller does with an answer; anything but
OK or FOUND raises, so a caller that treats only ``Verdict`` as an answer fails closed.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import time
from dataclasses import dataclass

Address = str | tuple[str, int]
CHUNK = 64 * 1024
SIZE_LIMIT_REPLY = "INSTREAM size limit exceeded"


class ClamdError(Exception):
    """clamd could not be reached, timed out, or gave no verdict: the data was not checked."""


class StreamTooLong(ClamdError):
    """clamd refused data longer than its StreamMaxLength: the data was not checked."""


@dataclass(frozen=True)
class Verdict:
    """clamd's answer about some data: the name of what it found, empty when nothing."""

    signature: str = ""

    @property
    def clean(self) -> bool:
        return not self.signature


def parse_address(value: str) -> Address:
    """The socket of ``unix:///path/clamd.ctl`` or ``tcp://host:port``; ValueError otherwise."""
    scheme, sep, rest = value.partition("://")
    if sep and scheme == "unix" and rest.startswith("/"):
        return rest
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    if not (sep and scheme == "tcp" and host and port.isdigit() and 0 < int(port) < 65536):
        raise ValueError("expected unix:///path/to/clamd.ctl or tcp://host:port")
    return host, int(port)


def is_remote(address: Address) -> bool:
    """Whether the address leaves this machine (a TCP host other than loopback)."""
    if isinstance(address, str):
        return False
    host = address[0]
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name other than localhost may resolve anywhere


def ping(address: Address, timeout: float) -> None:
    """Return when clamd answers PONG; ClamdError otherwise."""
    if _exchange(address, b"zPING\0", [], timeout) != "PONG":
        raise ClamdError("clamd did not answer PONG")


def scan(address: Address, data: bytes, timeout: float, chunk: int = CHUNK) -> Verdict:
    """clamd's verdict on the bytes (sent with INSTREAM); ClamdError when there is none."""
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    reply = _exchange(address, b"zINSTREAM\0", chunks, timeout)
    if reply == "stream: OK":
        return Verdict()
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return Verdict(reply.removeprefix("stream: ").removesuffix(" FOUND").strip())
    if reply.startswith(SIZE_LIMIT_REPLY):
        raise StreamTooLong(f"clamd refused {len(data)} bytes: over its StreamMaxLength")
    raise ClamdError(f"clamd answered {reply[:120]!r}")


def _exchange(address: Address, command: bytes, chunks: list[bytes], timeout: float) -> str:
    """Send a command (and its chunks, if any), return the reply without its NUL."""
    deadline = time.monotonic() + timeout
    try:
        if isinstance(address, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            _until(sock, deadline)
            sock.connect(address)
        else:
            sock = socket.create_connection(address, timeout=timeout)
        with sock:
            try:
                _send(sock, command, chunks, deadline)
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stops reading past StreamMaxLength; its reply says so
            return _reply(sock, deadline)
    except ClamdError:
        raise
    except TimeoutError:
        raise ClamdError(f"clamd did not answer within {timeout:g} seconds") from None
    except OSError as exc:
        raise ClamdError(f"clamd cannot be reached ({exc.__class__.__name__})") from None


def _send(sock: socket.socket, command: bytes, chunks: list[bytes], deadline: float) -> None:
    _until(sock, deadline)
    sock.sendall(command)
    if command != b"zINSTREAM\0":
        return
    for piece in chunks:
        _until(sock, deadline)
        sock.sendall(struct.pack("!L", len(piece)) + piece)
    _until(sock, deadline)
    sock.sendall(struct.pack("!L", 0))


def _reply(sock: socket.socket, deadline: float) -> str:
    received = b""
    while not received.endswith(b"\0"):
        _until(sock, deadline)
        try:
            part = sock.recv(4096)
        except ConnectionResetError:
            part = b""
        if not part:
            break
        received += part
        if len(received) > 4096:
            raise ClamdError("clamd's reply is too long")
    if not received:
        raise ClamdError("clamd closed the connection without an answer")
    return received.rstrip(b"\0").decode("utf-8", "replace").strip()


def _until(sock: socket.socket, deadline: float) -> None:
    """Give the next socket operation what is left of the overall time."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)
