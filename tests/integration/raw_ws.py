"""A bare WebSocket client's two pieces, for the test readers that need what Node cannot do (size a
socket's buffers, send pings at a chosen moment)."""
import base64
import os
import socket
import struct


def connect(port, rcvbuf):
    """Opens /ws on a socket with a small fixed receive buffer (SO_RCVBUF: no kernel autotuning).
    Returns the socket and whatever followed the handshake's response."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(1)  # byte by byte: nothing after the response is taken from the socket
    return sock, buf.split(b"\r\n\r\n", 1)[1]


def send_frame(sock, data, opcode):
    """One masked client frame (a payload under 64 KiB)."""
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x80 | opcode]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def frame_bounds(buf):
    """A server frame's header length and payload length at the start of `buf`, or None while
    its header is incomplete."""
    if len(buf) < 2:
        return None
    n = buf[1] & 0x7F
    h = 2 if n < 126 else (4 if n == 126 else 10)
    if len(buf) < h:
        return None
    if n == 126:
        n = struct.unpack(">H", buf[2:4])[0]
    elif n == 127:
        n = struct.unpack(">Q", buf[2:10])[0]
    return h, n
