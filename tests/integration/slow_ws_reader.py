"""A WebSocket reader on a small, fixed receive buffer (SO_RCVBUF: no kernel autotuning) that
reads in bursts: a phone on a poor link. Node cannot size a socket's buffers; this can, so the
server's own queue, not the kernel, takes the backlog. Usage:
    slow_ws_reader.py PORT SESSION HANDLE UNTIL_SEQ BURST
After every BURST events it prints "paused" and stops reading until a line "resume" arrives on
stdin (the test resumes it once the server has pushed back). At the end it prints one JSON line:
{"seqs": [...], "close": code or null}."""
import json
import struct
import sys

import raw_ws

port, session, handle, until = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
burst = int(sys.argv[5])

sock, buf = raw_ws.connect(port, 32 * 1024)


def send(obj, opcode=1):
    raw_ws.send_frame(sock, json.dumps(obj).encode() if opcode == 1 else obj, opcode)


send({"type": "hello", "session": session, "handle": handle, "name": handle})
seqs, close, next_pause = [], None, burst


def frames():
    global buf
    while True:
        while (bounds := raw_ws.frame_bounds(buf)) is None or len(buf) < sum(bounds):
            yield None
        h, n = bounds
        op, payload, buf = buf[0] & 0x0F, buf[h:h + n], buf[h + n:]
        yield op, payload


parser = frames()
while close is None and (not seqs or seqs[-1] < until):
    if len(seqs) >= next_pause:
        # Not reading: the small kernel buffers fill, then the server's queue, until told.
        print("paused", flush=True)
        if sys.stdin.readline().strip() != "resume":
            break
        next_pause = len(seqs) + burst
    chunk = sock.recv(65536)
    if not chunk:
        break
    buf += chunk
    for f in parser:
        if f is None:
            break
        op, payload = f
        if op == 8:
            close = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
            break
        if op == 9:
            send(payload, opcode=10)
        elif op == 1:
            m = json.loads(payload)
            for e in m.get("events", [m]):
                if e.get("type") == "event":
                    seqs.append(e["seq"])
print(json.dumps({"seqs": seqs, "close": close}))
