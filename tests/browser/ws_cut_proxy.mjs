// A small TCP proxy for browser tests: a page loaded through it also opens its WebSocket through
// it, and the test can then really cut that WebSocket (Playwright's setOffline does not close open
// WebSockets) and refuse new ones, while ordinary HTTP (the page, its assets, the API) still passes,
// so the page can be reloaded while "offline".
//
//   const proxy = new WsCutProxy(serverPort); const port = await proxy.listen();
//   proxy.refuseWebSockets = true; proxy.cutWebSockets();   // offline, and stays so
//   proxy.refuseWebSockets = false;                         // the client may come back
//
// A connection is a WebSocket when a request on it starts with `GET /ws` (the request line of the
// upgrade). Chromium opens WebSockets on their own connections, but a request later on a kept-alive
// HTTP connection is checked too.

import net from 'node:net';

const WS_REQUEST = /^GET \/ws[ ?]/;

export class WsCutProxy {
  constructor(targetPort, targetHost = '127.0.0.1') {
    this.targetPort = targetPort;
    this.targetHost = targetHost;
    this.refuseWebSockets = false;
    /** Counters for assertions: WebSocket connections let through, refused, cut. */
    this.stats = { wsAccepted: 0, wsRefused: 0, wsCut: 0 };
    this.conns = new Set();
    this.server = net.createServer((client) => this.accept(client));
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port));
    });
  }

  /** Cuts every open WebSocket connection (both sides, at once, without a close frame). */
  cutWebSockets() {
    let n = 0;
    for (const c of this.conns) {
      if (!c.ws) continue;
      this.kill(c);
      n += 1;
    }
    this.stats.wsCut += n;
    return n;
  }

  /** How many WebSocket connections are open through the proxy now. */
  openWebSockets() {
    let n = 0;
    for (const c of this.conns) if (c.ws) n += 1;
    return n;
  }

  close() {
    for (const c of this.conns) this.kill(c);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  kill(c) {
    this.conns.delete(c);
    for (const s of [c.client, c.upstream]) {
      if (!s || s.destroyed) continue;
      if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
      else s.destroy();
    }
  }

  accept(client) {
    const c = { client, upstream: null, ws: false, head: Buffer.alloc(0) };
    this.conns.add(c);
    client.on('error', () => this.kill(c));
    client.on('close', () => this.kill(c));
    client.on('data', (chunk) => {
      if (!c.upstream) {
        // Wait for the whole request line before deciding what this connection is.
        c.head = Buffer.concat([c.head, chunk]);
        if (!c.head.includes('\r\n') && c.head.length < 8192) return;
        const first = c.head;
        c.head = Buffer.alloc(0);
        if (!this.admit(c, first)) return;
        c.upstream = net.connect(this.targetPort, this.targetHost);
        c.upstream.on('data', (d) => {
          if (!client.destroyed) client.write(d);
        });
        c.upstream.on('error', () => this.kill(c));
        c.upstream.on('close', () => this.kill(c));
        c.upstream.write(first);
        return;
      }
      if (!c.ws && !this.admit(c, chunk)) return;
      c.upstream.write(chunk);
    });
  }

  /** Classifies a request start; false when the connection was refused (and destroyed). */
  admit(c, bytes) {
    if (c.ws) return true;
    if (!WS_REQUEST.test(bytes.subarray(0, 16).toString('latin1'))) return true;
    if (this.refuseWebSockets) {
      this.stats.wsRefused += 1;
      this.kill(c);
      return false;
    }
    c.ws = true;
    this.stats.wsAccepted += 1;
    return true;
  }
}
