// nginx in front of hashchat nodes, as the tests run it: the shipped site file
// (deploy/nginx/hashchat.conf) with only its ports, upstream nodes and certificate paths changed,
// a certificate made for 127.0.0.1, an unprivileged nginx (as nobody when the tests run as root)
// in a temporary folder, logging to stderr, on loopback ports of its own.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, withTimeout } from './harness.mjs';

export const run = promisify(execFile);
export const NGINX = '/usr/sbin/nginx';

export async function freePort() {
    const s = net.createServer();
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address();
    await new Promise((resolve) => s.close(resolve));
    return port;
}

/** One HTTPS request trusting the test's certificate; resolves {status, headers, text, json}. */
export function request(url, { method = 'GET', body, headers = {}, ca } = {}) {
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
export function site(shipped, { httpPort, httpsPort, nodes, cert, key }) {
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

/**
 * Configures nginx for these node ports in a temporary folder (not started). `check()` runs
 * `nginx -t`; `start()` runs it and resolves once it accepts connections; `stop()` ends it and
 * removes the folder. `base` is its HTTPS origin, `ws` a harness endpoint ({port, wsUrl,
 * wsOptions}) for Client.connect, `ca` the certificate to trust.
 */
export async function makeNginx(nodePorts, { workerConnections = 256 } = {}) {
    const dir = await mkdtemp(path.join(tmpdir(), 'hashchat-nginx-'));
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
    const ca = await readFile(path.join(dir, 'cert.pem'));
    const httpPort = await freePort();
    const httpsPort = await freePort();
    const shipped = await readFile(path.join(REPO_ROOT, 'deploy/nginx/hashchat.conf'), 'utf8');
    await writeFile(path.join(dir, 'site.conf'), site(shipped, {
        httpPort, httpsPort, nodes: nodePorts, cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'),
    }));
    // The main file a Debian nginx would have, for an unprivileged nginx in this folder.
    await writeFile(path.join(dir, 'nginx.conf'), `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections ${workerConnections}; }
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
    const root = process.getuid() === 0;
    if (root) {
        await chmod(dir, 0o755);
        await chown(dir, 65534, 65534);
        await chown(path.join(dir, 'key.pem'), 65534, 65534);
    }
    const nginxArgs = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'];
    const exec = (args) => (root ? ['runuser', ['-u', 'nobody', '--', NGINX, ...args]] : [NGINX, args]);
    const self = {
        dir, ca, httpPort, httpsPort, proc: undefined, log: '',
        base: `https://127.0.0.1:${httpsPort}`,
        ws: { port: httpsPort, wsUrl: `wss://127.0.0.1:${httpsPort}/ws`, wsOptions: { ca } },
        async check() {
            const [cmd, args] = exec(['-t', ...nginxArgs]);
            const { stderr } = await run(cmd, args);
            return stderr;
        },
        async start() {
            const [cmd, args] = exec([...nginxArgs, '-g', 'daemon off;']);
            self.proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
            self.proc.stderr.on('data', (c) => { self.log += c; });
            // nginx says nothing once it listens: connect until it accepts (bounded; it binds
            // before its first worker starts).
            for (let tries = 0; ; tries++) {
                const up = await new Promise((resolve) => {
                    const sock = net.connect(httpsPort, '127.0.0.1', () => { sock.destroy(); resolve(true); });
                    sock.on('error', () => resolve(false));
                });
                if (up) return;
                if (tries >= 200 || self.proc.exitCode !== null) throw new Error(`nginx did not start:\n${self.log}`);
                await new Promise((resolve) => setTimeout(resolve, 25));
            }
        },
        async stop() {
            const p = self.proc;
            if (p && p.exitCode === null) {
                p.kill('SIGTERM');
                await withTimeout(new Promise((resolve) => p.once('exit', resolve)), 10_000, 'nginx to stop').catch(() => p.kill('SIGKILL'));
            }
            await rm(dir, { recursive: true, force: true });
        },
    };
    return self;
}
