// A seeded fault-injecting TCP proxy for the integration tests (not a test file itself).
//
// It sits between WebSocket clients and the real server and cuts connections (destroys both
// sides) after a random number of bytes in one direction. Each cut is classified by parsing
// the WebSocket frame headers of that direction's byte stream after the HTTP handshake:
//   - "handshake": inside the HTTP request / 101 response,
//   - "between":   exactly on a frame boundary (a whole number of frames has passed),
//   - "mid":       inside a frame (its header or its payload).
// Server frames are unmasked and client frames masked; the parser reads the mask bit and the
// 7/16/64-bit payload lengths of every header, so it follows both directions.
//
// The random choices (which direction a connection is cut in, after how many bytes, whether the
// cut waits for the next frame boundary) come from a seeded PRNG, so a failing run can be
// repeated with the same seed (the interleaving of connections still depends on timing).

import net from 'node:net';
import { EventEmitter } from 'node:events';
import { withTimeout, TIMEOUT_MS } from './harness.mjs';

/** mulberry32: a small seeded PRNG; returns a function giving floats in [0, 1). */
export function mulberry32(seed) {
    let a = seed >>> 0;
    return function next() {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** An integer in [lo, hi] (both inclusive) from `rng`. */
export function randInt(rng, lo, hi) {
    return lo + Math.floor(rng() * (hi - lo + 1));
}

const CRLFCRLF = [13, 10, 13, 10];

/**
 * Follows one direction of a WebSocket connection: first the HTTP head (up to CRLF CRLF), then
 * frames. `consume` moves over bytes and can stop right after a frame ends.
 */
export class FrameTracker {
    constructor() {
        this.inHttp = true;
        this.httpMatch = 0; // how much of CRLF CRLF has been matched
        this.hdr = []; // header bytes of the frame being read
        this.hdrNeed = 2; // header length once known (2 + extended length + mask)
        this.payloadLeft = 0; // payload bytes of the current frame still to come
        this.frames = 0; // whole frames seen
        this.bytes = 0; // bytes seen
    }

    /** "handshake", "between" or "mid": where the stream stands after the bytes seen so far. */
    get position() {
        if (this.inHttp) return 'handshake';
        return this.hdr.length === 0 && this.payloadLeft === 0 ? 'between' : 'mid';
    }

    /**
     * Consumes buf[from, to). With `stopAtBoundary` it stops right after the first frame that
     * ends (or right after the HTTP head). Returns the index it reached.
     */
    consume(buf, from, to, stopAtBoundary = false) {
        let i = from;
        while (i < to) {
            if (this.inHttp) {
                const b = buf[i++];
                if (b === CRLFCRLF[this.httpMatch]) {
                    this.httpMatch += 1;
                } else {
                    this.httpMatch = b === 13 ? 1 : 0;
                }
                if (this.httpMatch === 4) {
                    this.inHttp = false;
                    if (stopAtBoundary) break;
                }
            } else if (this.payloadLeft > 0) {
                const take = Math.min(this.payloadLeft, to - i);
                i += take;
                this.payloadLeft -= take;
                if (this.payloadLeft === 0) {
                    this.frames += 1;
                    if (stopAtBoundary) break;
                }
            } else {
                this.hdr.push(buf[i++]);
                if (this.hdr.length === 2) {
                    const len7 = this.hdr[1] & 0x7f;
                    const masked = (this.hdr[1] & 0x80) !== 0;
                    this.hdrNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
                }
                if (this.hdr.length >= 2 && this.hdr.length === this.hdrNeed) {
                    const h = this.hdr;
                    const len7 = h[1] & 0x7f;
                    let len = len7;
                    if (len7 === 126) len = (h[2] << 8) | h[3];
                    if (len7 === 127) {
                        len = 0;
                        for (let k = 2; k < 10; k++) len = len * 256 + h[k];
                    }
                    this.hdr = [];
                    this.hdrNeed = 2;
                    this.payloadLeft = len;
                    if (len === 0) {
                        this.frames += 1;
                        if (stopAtBoundary) break;
                    }
                }
            }
        }
        this.bytes += i - from;
        return i;
    }
}

/**
 * The proxy. Options:
 *   target():     resolves or returns the server's port (looked up for every new connection, so a
 *                 restarted server on a new port is followed),
 *   seed:         PRNG seed,
 *   s2cBytes:     [min, max] bytes after which a server->client cut happens,
 *   c2sBytes:     [min, max] likewise for client->server,
 *   c2sShare:     the share of connections cut in the client->server direction (0..1),
 *   boundaryShare: the share of cuts that wait for the next frame boundary after their byte
 *                 count (random offsets alone land almost always inside a frame).
 * `cutting` switches cutting on and off (also for connections already open). Every cut emits
 * 'cut' ({dir, position}).
 */
export class FaultProxy extends EventEmitter {
    constructor({
        target,
        seed = 1,
        s2cBytes = [1, 4000],
        c2sBytes = [1, 600],
        c2sShare = 0.25,
        boundaryShare = 0.25,
    }) {
        super();
        this.target = target;
        this.seed = seed;
        this.rng = mulberry32(seed);
        this.s2cBytes = s2cBytes;
        this.c2sBytes = c2sBytes;
        this.c2sShare = c2sShare;
        this.boundaryShare = boundaryShare;
        this.cutting = false;
        this.conns = new Set();
        this.connections = 0;
        // cuts[direction][position]
        this.cuts = {
            s2c: { handshake: 0, between: 0, mid: 0 },
            c2s: { handshake: 0, between: 0, mid: 0 },
        };
        this.server = net.createServer((client) => this.onClient(client));
        this.server.on('error', () => {});
    }

    async listen() {
        await withTimeout(
            new Promise((resolve, reject) => {
                this.server.once('error', reject);
                this.server.listen(0, '127.0.0.1', resolve);
            }),
            TIMEOUT_MS,
            'proxy listen',
        );
        this.port = this.server.address().port;
        return this.port;
    }

    /** Totals: {total, mid, between, handshake, s2c: {...}, c2s: {...}}. */
    counts() {
        const sum = (k) => this.cuts.s2c[k] + this.cuts.c2s[k];
        return {
            total: sum('handshake') + sum('between') + sum('mid'),
            mid: sum('mid'),
            between: sum('between'),
            handshake: sum('handshake'),
            s2c: { ...this.cuts.s2c },
            c2s: { ...this.cuts.c2s },
            connections: this.connections,
        };
    }

    /** Picks this connection's fate: the direction, the byte count, boundary or not. */
    plan() {
        const dir = this.rng() < this.c2sShare ? 'c2s' : 's2c';
        const [lo, hi] = dir === 's2c' ? this.s2cBytes : this.c2sBytes;
        return { dir, budget: randInt(this.rng, lo, hi), boundary: this.rng() < this.boundaryShare };
    }

    async onClient(client) {
        this.connections += 1;
        const conn = {
            client,
            upstream: undefined,
            plan: this.plan(),
            seeking: false, // the byte count has passed; waiting for a frame boundary
            cut: false,
            trackers: { s2c: new FrameTracker(), c2s: new FrameTracker() },
            pendingC2s: [],
        };
        this.conns.add(conn);
        client.on('error', () => {});
        const drop = () => {
            // after a cut the receiving side is ended by cut() once it has the bytes before the cut
            if (!conn.cut) {
                client.destroy();
                conn.upstream?.destroy();
            }
            if (client.destroyed && (!conn.upstream || conn.upstream.destroyed)) this.conns.delete(conn);
        };
        client.on('close', drop);
        client.on('data', (chunk) => {
            if (!conn.upstream || conn.upstream.connecting) {
                conn.pendingC2s.push(chunk);
                return;
            }
            this.forward(conn, 'c2s', chunk);
        });
        let port;
        try {
            port = await this.target();
        } catch {
            drop();
            return;
        }
        if (conn.cut || client.destroyed) return;
        const upstream = net.connect(port, '127.0.0.1');
        conn.upstream = upstream;
        upstream.on('error', () => {});
        upstream.on('close', drop);
        upstream.on('connect', () => {
            const pending = conn.pendingC2s;
            conn.pendingC2s = [];
            for (const chunk of pending) this.forward(conn, 'c2s', chunk);
        });
        upstream.on('data', (chunk) => this.forward(conn, 's2c', chunk));
        // a side that ends half-closes the other, like a plain TCP relay
        upstream.on('end', () => client.end());
        client.on('end', () => upstream.end());
    }

    forward(conn, dir, chunk) {
        if (conn.cut) return;
        const out = dir === 's2c' ? conn.client : conn.upstream;
        const src = dir === 's2c' ? conn.upstream : conn.client;
        const tr = conn.trackers[dir];
        const pass = () => {
            if (!out.write(chunk)) {
                src.pause();
                out.once('drain', () => src.resume());
            }
        };
        if (!this.cutting || conn.plan.dir !== dir) {
            tr.consume(chunk, 0, chunk.length);
            pass();
            return;
        }
        let at;
        if (conn.seeking) {
            at = tr.consume(chunk, 0, chunk.length, true);
            if (tr.position !== 'between') {
                pass();
                return;
            }
        } else {
            const remaining = conn.plan.budget - tr.bytes;
            if (chunk.length < remaining) {
                tr.consume(chunk, 0, chunk.length);
                pass();
                return;
            }
            at = tr.consume(chunk, 0, Math.max(remaining, 0));
            if (conn.plan.boundary && tr.position !== 'between') {
                conn.seeking = true;
                at = tr.consume(chunk, at, chunk.length, true);
                if (tr.position !== 'between') {
                    pass();
                    return;
                }
            }
        }
        this.cut(conn, dir, chunk.subarray(0, at), tr.position);
    }

    /** Delivers `head` (the bytes before the cut point), then destroys both sides. */
    cut(conn, dir, head, position) {
        conn.cut = true;
        this.cuts[dir][position] += 1;
        this.emit('cut', { dir, position });
        const out = dir === 's2c' ? conn.client : conn.upstream;
        const other = dir === 's2c' ? conn.upstream : conn.client;
        other.destroy();
        // the receiving side gets exactly the bytes before the cut point, then the connection ends
        out.end(head, () => out.destroy());
    }

    /** Stops listening and destroys every connection. */
    async close() {
        for (const conn of [...this.conns]) {
            conn.client.destroy();
            conn.upstream?.destroy();
        }
        this.conns.clear();
        await withTimeout(new Promise((resolve) => this.server.close(() => resolve())), TIMEOUT_MS, 'proxy close');
    }
}
