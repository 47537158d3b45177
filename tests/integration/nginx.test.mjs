// The shipped deployment files as a district would use them: deploy/nginx/hashchat.conf, with
// only its ports, upstream nodes and certificate paths changed, passes `nginx -t` and serves
// hashchat over TLS (HTTP redirected, WebSocket upgraded, X-Forwarded-For appended, so a client
// cannot choose the address the server counts); deploy/hashchat.service passes
// `systemd-analyze verify` and `systemd-analyze security` under an exposure threshold.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
    REPO_ROOT, HASHCHAT_BIN, startServer, stopServer, killServer, removeDataDir, step, Client,
} from './harness.mjs';
import { makeNginx, request, run } from './nginx_common.mjs';
import { Q1 } from './common.mjs';

test('the shipped nginx site and systemd unit', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hashchat-nginx-'));
    let srv;
    let nginx;
    const clients = [];
    try {
        await step('systemd-analyze: the unit verifies, and its exposure is at most 2.0', async () => {
            const unit = (await readFile(path.join(REPO_ROOT, 'deploy/hashchat.service'), 'utf8'))
                .replaceAll('/usr/local/bin/hashchat', HASHCHAT_BIN); // verify wants the binary to exist
            const file = path.join(dir, 'hashchat.service');
            await writeFile(file, unit);
            await run('systemd-analyze', ['verify', file]);
            const sec = await run('systemd-analyze', ['security', '--offline=yes', '--threshold=20', file]);
            assert.match(sec.stdout, /Overall exposure level for hashchat\.service: (0|1)\.\d/);
        });

        // One node with the limits on: one new session per address per hour, the address from
        // X-Forwarded-For (--trust-proxy).
        srv = await startServer({ clock: '2026-11-26T18:55:00Z', limits: true, store: 'sqlite', args: ['--trust-proxy', '--max-sessions-per-hour=1'] });
        nginx = await makeNginx([srv.port]);
        const { ca, base, httpPort } = nginx;

        await step('nginx -t accepts the shipped site', async () => {
            assert.match(await nginx.check(), /test is successful/);
        });

        await step('nginx is up', async () => {
            await nginx.start();
            const res = await request(`${base}/healthz`, { ca });
            assert.equal(res.status, 200, res.text);
        });

        await step('plain HTTP is sent to HTTPS', async () => {
            const res = await new Promise((resolve, reject) => {
                const req = http.request(`http://127.0.0.1:${httpPort}/archive`, (r) => { r.resume(); resolve(r); });
                req.on('error', reject);
                req.end();
            });
            assert.equal(res.statusCode, 301);
            assert.match(res.headers.location, /^https:\/\/127\.0\.0\.1(:\d+)?\/archive$/);
        });

        let id;
        await step('the address counted is the one nginx saw, whatever the client claims', async () => {
            const spec = { hashtag: '#Proxied', title: 'Through nginx', mode: 'live', timezone: 'UTC', start: '2026-11-26T19:00:00', questions: [Q1] };
            const first = await request(`${base}/api/sessions`, { method: 'POST', body: spec, ca, headers: { 'x-forwarded-for': '198.51.100.1' } });
            assert.equal(first.status, 201, first.text);
            id = first.json.id;
            // Another claimed address: nginx appends the real one, which the node counts.
            const second = await request(`${base}/api/sessions`, { method: 'POST', body: spec, ca, headers: { 'x-forwarded-for': '198.51.100.2' } });
            assert.equal(second.status, 429, second.text);
            assert.equal(second.json.error, 'rate_limited');
        });

        await step('a WebSocket through nginx: join, post, acknowledged; the node sees it', async () => {
            const ann = await Client.connect(nginx.ws, 'ann-via-nginx');
            clients.push(ann);
            await ann.hello(id, 'ann', 'Ann');
            const direct = await Client.connect(srv, 'bob-direct');
            clients.push(direct);
            await direct.hello(id, 'bob', 'Bob');
            const ack = await ann.post('hello through the proxy', { cid: 'via-1' });
            await direct.waitEvent((e) => e.seq === ack.seq && e.text === 'hello through the proxy', 'the proxied post');
            const view = await request(`${base}/api/sessions/${id}`, { ca });
            assert.equal(view.status, 200);
            assert.equal(view.json.head, ack.seq);
        });
        await stopServer(srv);
    } finally {
        for (const c of clients) c.terminate();
        await nginx?.stop();
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
        await rm(dir, { recursive: true, force: true });
    }
});
