// The shipped deployment files as a district would use them: deploy/nginx/hashchat.conf, with
// only its ports, upstream nodes and certificate paths changed, passes `nginx -t` and serves
// hashchat over TLS (HTTP redirected, WebSocket upgraded, X-Forwarded-For appended, so a client
// cannot choose the address the server counts); deploy/hashchat.service passes
// `systemd-analyze verify` and `systemd-analyze security` under an exposure threshold.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, chmod, chown } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
    REPO_ROOT, HASHCHAT_BIN, startServer, stopServer, killServer, removeDataDir, createSession, step, withTimeout,
    Client,
} from './harness.mjs';
import { Q1 } from './common.mjs';

const run = promisify(execFile);
const NGINX = '/usr/sbin/nginx';

async function freePort() {
    const s = net.createServer();
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address();
    await new Promise((resolve) => s.close(resolve));
    return port;
}

/** One HTTPS request trusting the test's certificate; resolves {status, headers, text, json}. */
function request(url, { method = 'GET', body, headers = {}, ca } = {}) {
    return withTimeout(new Promise((resolve, reject) => {
        const req = https.request(url, { method, ca, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => { text += c; });
            res.on('end', () => {
                let json;
                try { json = JSON.parse(text); } catch { /* not JSON */ }
                resolve({ status: res.statusCode, headers: res.headers, text, json });
            });
        });
        req.on('error', reject);
        if (body !== undefined) req.write(JSON.stringify(body));
        req.end();
    }), 10_000, `${method} ${url}`);
}

/** The shipped site file with only its ports, upstream nodes and certificate paths changed. */
function site(shipped, { httpPort, httpsPort, nodes, cert, key }) {
    let out = shipped
        .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
        .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`)
        .replace(/ssl_certificate +\S+;/, `ssl_certificate ${cert};`)
        .replace(/ssl_certificate_key +\S+;/, `ssl_certificate_key ${key};`);
    const servers = /( *server 127\.0\.0\.1:\d+ [^\n]*\n)+/;
    assert.match(out, servers, 'the shipped upstream lists its nodes');
    out = out.replace(servers, nodes.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;\n`).join(''));
    return out;
}

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

        await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
            '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
        const ca = await readFile(path.join(dir, 'cert.pem'));
        // One node with the limits on: one new session per address per hour, the address from
        // X-Forwarded-For (--trust-proxy).
        srv = await startServer({ clock: '2026-11-26T18:55:00Z', limits: true, store: 'sqlite', args: ['--trust-proxy', '--max-sessions-per-hour=1'] });
        const httpPort = await freePort();
        const httpsPort = await freePort();
        const shipped = await readFile(path.join(REPO_ROOT, 'deploy/nginx/hashchat.conf'), 'utf8');
        await writeFile(path.join(dir, 'site.conf'), site(shipped, {
            httpPort, httpsPort, nodes: [srv.port], cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'),
        }));
        // The main file a Debian nginx would have, for an unprivileged nginx in this folder.
        await writeFile(path.join(dir, 'nginx.conf'), `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/site.conf;
}
`);
        // Not as root: as nobody, when the tests run as root (scripts/test does).
        const asUser = process.getuid() === 0 ? ['runuser', ['-u', 'nobody', '--']] : [null, []];
        if (process.getuid() === 0) {
            await chmod(dir, 0o755);
            await chown(dir, 65534, 65534);
            await chown(path.join(dir, 'key.pem'), 65534, 65534);
        }
        const nginxArgs = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'];
        const exec = (args) => asUser[0] ? [asUser[0], [...asUser[1], NGINX, ...args]] : [NGINX, args];

        await step('nginx -t accepts the shipped site', async () => {
            const [cmd, args] = exec(['-t', ...nginxArgs]);
            const { stderr } = await run(cmd, args);
            assert.match(stderr, /test is successful/);
        });

        const [cmd, args] = exec([...nginxArgs, '-g', 'daemon off;']);
        nginx = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let nginxLog = '';
        nginx.stderr.on('data', (c) => { nginxLog += c; });
        const base = `https://127.0.0.1:${httpsPort}`;
        await step('nginx is up', async () => {
            // nginx says nothing once it listens: connect until it accepts (bounded; it binds
            // before its first worker starts).
            for (let tries = 0; ; tries++) {
                const up = await new Promise((resolve) => {
                    const sock = net.connect(httpsPort, '127.0.0.1', () => { sock.destroy(); resolve(true); });
                    sock.on('error', () => resolve(false));
                });
                if (up) break;
                if (tries >= 200 || nginx.exitCode !== null) throw new Error(`nginx did not start:\n${nginxLog}`);
                await new Promise((resolve) => setTimeout(resolve, 25));
            }
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
            const proxied = { port: httpsPort, wsUrl: `wss://127.0.0.1:${httpsPort}/ws`, wsOptions: { ca } };
            const ann = await Client.connect(proxied, 'ann-via-nginx');
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
        if (nginx && nginx.exitCode === null) {
            nginx.kill('SIGTERM');
            await withTimeout(new Promise((resolve) => nginx.once('exit', resolve)), 10_000, 'nginx to stop').catch(() => nginx.kill('SIGKILL'));
        }
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
        await rm(dir, { recursive: true, force: true });
    }
});
