"""A WebSocket reader that pings while the server is part-way through a write to it. It joins on a
small fixed receive buffer (SO_RCVBUF) and does not read, so the server's write to it stops half
sent; told "ping" on stdin it sends PINGS WebSocket pings and then a `ping` message; told
"resume" it reads everything, checking each frame strictly, closes with 1000 and waits for the
server's close frame. Usage:
    pinging_reader.py PORT SESSION HANDLE PINGS UNTIL_SEQ
Prints "joined", then "pinged", then one JSON line:
{"seqs": [...], "pongs": [...], "replies": [...], "bad": [...], "close": code or null}."""
import json
import struct
import sys

import raw_ws

port, session, handle = int(sys.argv[1]), sys.argv[2], sys.argv[3]
pings, until = int(sys.argv[4]), int(sys.argv[5])

sock, buf = raw_ws.connect(port, 32 * 1024)


def send(data, opcode):
    raw_ws.send_frame(sock, data, opcode)


send(json.dumps({"type": "hello", "session": session, "handle": handle, "name": handle, "since": 0}).encode(), 1)
print("joined", flush=True)
if sys.stdin.readline().strip() != "ping":
    sys.exit(2)
for i in range(pings):
    send(f"p{i}".encode(), 9)
send(json.dumps({"type": "ping", "rid": "after-pings"}).encode(), 1)
print("pinged", flush=True)
if sys.stdin.readline().strip() != "resume":
    sys.exit(2)

seqs, pongs, replies, bad, close = [], [], [], [], None
closing = False


def read_more():
    global buf
    chunk = sock.recv(65536)
    if not chunk:
        raise EOFError
    buf += chunk


def next_frame():
    """One whole frame: (byte0, opcode, payload); every rule a server frame must keep."""
    global buf
    while (bounds := raw_ws.frame_bounds(buf)) is None:
        read_more()
    h, n = bounds
    b0, b1 = buf[0], buf[1]
    if b1 & 0x80:
        bad.append("a masked frame from the server")
    if b0 & 0x70:
        bad.append(f"reserved bits set: {b0:#x}")
    if not b0 & 0x80:
        bad.append(f"a fragment: {b0:#x}")
    if n > 64 * 1024 * 1024:
        bad.append(f"a length of {n}")
        raise EOFError
    while len(buf) < h + n:
        read_more()
    payload, buf = buf[h:h + n], buf[h + n:]
    return b0, b0 & 0x0F, payload


try:
    while close is None:
        if not closing and len(pongs) >= pings and replies and seqs and seqs[-1] >= until:
            send(struct.pack(">H", 1000) + b"bye", 8)
            closing = True
        b0, op, payload = next_frame()
        if op == 8:
            close = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
        elif op == 10:
            pongs.append(payload.decode())
        elif op == 9:
            send(payload, 10)
        elif op == 1:
            try:
                m = json.loads(payload)
            except ValueError:
                bad.append("not JSON: " + payload[:80].decode(errors="replace"))
                continue
            if m.get("type") == "pong":
                replies.append(m.get("rid"))
            for e in m.get("events", [m]):
                if e.get("type") == "event":
                    seqs.append(e["seq"])
        else:
            bad.append(f"opcode {op}")
except EOFError:
    pass
print(json.dumps({"seqs": seqs, "pongs": pongs, "replies": replies, "bad": bad, "close": close}))
