"""A lean pool of Socket.IO clients over WebSocket, for the fan-out benchmark.

Why not python-socketio's Client: it runs two threads per connection and starts another per
message, which on a 2-core machine makes the clients, not the server, the bottleneck. This
pool speaks the small part of Engine.IO 4 / Socket.IO 5 a board page uses (open, connect with
auth, ping/pong, events) over plain sockets and one selector, so one process serves hundreds
of connections and the time it stamps on a message is when the kernel handed it over.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import socket
import time
from multiprocessing.connection import Connection
from typing import Any

ZERO_MASK = b"\x00\x00\x00\x00"  # a legal mask key that leaves the payload as it is


def frame(text: str) -> bytes:
    """A masked client-to-server text frame (payloads here are short)."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes([0x81, 0x80 | length])
    else:
        header = bytes([0x81, 0x80 | 126]) + length.to_bytes(2, "big")
    return header + ZERO_MASK + payload


class Client:
    """One WebSocket: buffers bytes, splits frames, answers pings, records "event" receipts."""

    __slots__ = ("buffer", "closed", "connected", "fragments", "receipts", "refused", "sock")

    def __init__(self, sock: socket.socket, leftover: bytes) -> None:
        self.sock = sock
        self.buffer = bytearray(leftover)
        self.fragments = bytearray()
        self.connected = False
        self.refused = False
        self.closed = False
        self.receipts: list[tuple[str, float]] = []

    def messages(self) -> list[str]:
        """Complete text messages in the buffer (server frames are not masked)."""
        found = []
        buffer = self.buffer
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                break
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            opcode = first & 0x0F
            if opcode == 0x8:  # close
                self.closed = True
            elif opcode == 0x9:  # ping: answer with a pong carrying the same payload
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + ZERO_MASK + payload)
            elif opcode in (0x1, 0x0):
                self.fragments += payload
                if first & 0x80:  # FIN
                    found.append(self.fragments.decode())
                    self.fragments = bytearray()
        return found

    def handle(self, message: str, received_at: float) -> None:
        """Engine.IO "2" ping -> "3" pong; Socket.IO "40" connected, "44" refused, "42" event."""
        if message == "2":
            self.sock.sendall(frame("3"))
        elif message.startswith("42"):
            name, *args = json.loads(message[2:])
            if name == "event" and args and isinstance(args[0], dict):
                self.receipts.append((args[0]["task"]["title"], received_at))
        elif message.startswith("40"):
            self.connected = True
        elif message.startswith("44"):
            self.refused = True


def open_socket(host: str, port: int, cookie: str, auth: dict[str, Any]) -> Client:
    """WebSocket upgrade, Engine.IO open packet, Socket.IO connect with auth."""
    sock = socket.create_connection((host, port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nOrigin: http://{host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        + (f"Cookie: {cookie}\r\n" if cookie else "")
        + "\r\n"
    )
    sock.sendall(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the WebSocket upgrade")
        response += chunk
    head, leftover = response.split(b"\r\n\r\n", 1)
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise ConnectionError(head.decode(errors="replace"))
    client = Client(sock, leftover)
    opened: list[str] = []
    while not opened:  # the Engine.IO open packet "0{...}" comes first
        opened = client.messages()
        if not opened:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the Engine.IO open packet")
            client.buffer += chunk
    for message in opened[1:]:
        client.handle(message, time.time())
    sock.sendall(frame("40" + json.dumps(auth)))
    return client


class Pool:
    """Many clients on one selector; the parent drives it through a Pipe."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.clients: list[Client] = []

    def add(self, client: Client) -> None:
        """Serve one more connected client."""
        self.clients.append(client)
        self.selector.register(client.sock, selectors.EVENT_READ, client)

    def poll(self, timeout: float) -> list[Any]:
        """Read whatever arrived; returns other registered objects that became ready."""
        others = []
        for key, _ in self.selector.select(timeout):
            client = key.data
            if not isinstance(client, Client):
                others.append(key.fileobj)
                continue
            try:
                chunk = client.sock.recv(262144)
            except OSError:
                chunk = b""
            received_at = time.time()
            if not chunk:
                client.closed = True
                self.selector.unregister(client.sock)
                continue
            client.buffer += chunk
            for message in client.messages():
                client.handle(message, received_at)
        return others

    def status(self) -> dict[str, int]:
        """Counts the parent polls: connected, refused, closed, receipts."""
        return {
            "connected": sum(c.connected and not c.closed for c in self.clients),
            "refused": sum(c.refused for c in self.clients),
            "closed": sum(c.closed for c in self.clients),
            "receipts": sum(len(c.receipts) for c in self.clients),
        }

    def close(self) -> None:
        """Close every socket (the servers see the clients leave)."""
        for client in self.clients:
            try:
                client.sock.close()
            except OSError:
                pass
        self.selector.close()


def run_worker(
    conn: Connection, host: str, port: int, cookie: str, auth: dict[str, Any], count: int
) -> None:
    """A client process: open `count` sockets, then serve them until the parent says stop.

    Commands on conn: "status" -> {connected, refused, closed, receipts, cpu};
    "stop" -> the same plus "receipts": one [(title, time), ...] list per client.
    """
    pool = Pool()
    pool.selector.register(conn, selectors.EVENT_READ, "parent")
    started = time.process_time()
    try:
        for number in range(count):
            pool.add(open_socket(host, port, cookie, auth))
            if number % 20 == 19:
                pool.poll(0)  # keep answering pings while the rest connect
        deadline = time.monotonic() + 900  # bounded: the worker never outlives a stuck parent
        while time.monotonic() < deadline:
            for _ in pool.poll(1.0):
                command = conn.recv()
                report: dict[str, Any] = {**pool.status(), "cpu": time.process_time() - started}
                if command == "stop":
                    report["receipts"] = [client.receipts for client in pool.clients]
                    conn.send(report)
                    return
                conn.send(report)
    except Exception as exc:
        conn.send({"error": repr(exc)})
    finally:
        pool.close()
