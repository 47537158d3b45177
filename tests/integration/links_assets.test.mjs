// Join links and QR codes built from --public-url (else the request's Host), and the web client's
// precompressed files served by Accept-Encoding (br, gzip, identity; Vary: Accept-Encoding).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { startServer, stopServer, createSession, http, step, TIMEOUT_MS } from './harness.mjs';
import { Q1 } from './common.mjs';

/** A raw GET (no automatic decompression): {status, headers, body: Buffer}. */
function rawGet(srv, urlPath, headers = {}) {
    return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: srv.port, path: urlPath, headers, timeout: TIMEOUT_MS }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end();
    });
}

const SPEC = { hashtag: '#PubPD', title: 'Links', mode: 'live', timezone: 'America/Toronto', questions: [Q1] };

/** The dark modules of the SVG's path, as "x,y" strings, and the SVG's side in modules. */
function modules(svg) {
    const side = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
    const dark = new Set();
    for (const m of svg.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
        for (let i = 0; i < Number(m[3]); i++) dark.add(`${Number(m[1]) + i},${m[2]}`);
    }
    return { side, dark };
}

test('join links and QR codes follow --public-url, else the Host', { timeout: 60_000 }, async () => {
    let srv;
    let pub;
    try {
        srv = await startServer();
        const created = await createSession(srv, SPEC);
        const id = created.id;
        await step('without --public-url: the Host the request came to', async () => {
            const here = `http://127.0.0.1:${srv.port}`;
            assert.deepEqual(created.links, {
                join: `${here}/s/${id}`, screen: `${here}/s/${id}/screen`, archive: `${here}/archive/${id}`, qr: `/api/sessions/${id}/qr.svg`,
            });
            const links = await rawGet(srv, `/api/sessions/${id}/links`, { host: 'laptop.local:8080' });
            assert.equal(links.status, 200);
            assert.deepEqual(JSON.parse(links.body.toString()), {
                join: `http://laptop.local:8080/s/${id}`,
                screen: `http://laptop.local:8080/s/${id}/screen`,
                archive: `http://laptop.local:8080/archive/${id}`,
                qr: `/api/sessions/${id}/qr.svg`,
            });
            const qr = await http(srv, 'GET', `/api/sessions/${id}/qr.svg`);
            assert.equal(qr.status, 200);
            assert.equal(qr.headers.get('content-type'), 'image/svg+xml');
            assert.equal(qr.headers.get('x-content-type-options'), 'nosniff');
            assert.match(qr.text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
            assert.match(qr.text, new RegExp(`<title>QR code: join #PubPD at http://127\\.0\\.0\\.1:${srv.port}/s/${id}</title>`));
            assert.match(qr.text, /fill="#fff"/);
            assert.match(qr.text, /<path fill="#000"/);
            const { side, dark } = modules(qr.text);
            assert.ok(side >= 21 + 8, `side ${side}`);
            for (const [x, y] of [[0, 0], [3, 3], [side - 1, side - 1], [side - 4, 2]]) {
                assert.ok(!dark.has(`${x},${y}`), `quiet zone module ${x},${y} is light`);
            }
            assert.ok(dark.has('4,4') && dark.has('10,4') && dark.has(`${side - 5},4`), 'finder corners are dark');
            const missing = await http(srv, 'GET', '/api/sessions/no-such/qr.svg');
            assert.equal(missing.status, 404);
            assert.equal(missing.json.error, 'not_found');
            const post = await http(srv, 'POST', `/api/sessions/${id}/qr.svg`, {});
            assert.equal(post.status, 405);
        });
        await stopServer(srv);
        srv = undefined;

        pub = await startServer({ args: ['--public-url', 'https://chat.school.example/hashchat/'] });
        await step('with --public-url: every link and code uses it, whatever the Host', async () => {
            const c = await createSession(pub, { ...SPEC, start: '2026-11-26T19:00:00' });
            assert.equal(c.links.join, `https://chat.school.example/hashchat/s/${c.id}`);
            assert.equal(c.links.archive, `https://chat.school.example/hashchat/archive/${c.id}`);
            const links = await rawGet(pub, `/api/sessions/${c.id}/links`, { host: 'localhost:8080' });
            assert.equal(JSON.parse(links.body.toString()).join, `https://chat.school.example/hashchat/s/${c.id}`);
            const qr = await http(pub, 'GET', `/api/sessions/${c.id}/qr.svg`);
            assert.match(qr.text, new RegExp(`join #PubPD at https://chat\\.school\\.example/hashchat/s/${c.id}<`));
            const ics = await http(pub, 'GET', `/api/sessions/${c.id}/calendar.ics`);
            assert.match(ics.text.replace(/\r\n /g, ''), new RegExp(`https://chat\\.school\\.example/hashchat/s/${c.id}`));
        });
    } finally {
        if (srv) await stopServer(srv);
        if (pub) await stopServer(pub);
    }
});

test('--public-url must be an http(s) URL', { timeout: 30_000 }, async () => {
    for (const bad of ['chat.school.example', 'ftp://x.example', 'https://', 'https://x.example/?a=1', 'https://u:p@x.example', 'https://x.example/#f', 'javascript:alert(1)']) {
        await assert.rejects(startServer({ args: [`--public-url=${bad}`] }), /exited before listening/, bad);
    }
});

test('precompressed assets by Accept-Encoding', { timeout: 30_000 }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'hashchat-web-'));
    let srv;
    try {
        const html = '<!doctype html><title>t</title>' + 'x'.repeat(2000);
        const js = 'export const a = 1;\n'.repeat(200);
        await mkdir(path.join(root, 'assets'));
        await writeFile(path.join(root, 'index.html'), html);
        await writeFile(path.join(root, 'index.html.br'), brotliCompressSync(html));
        await writeFile(path.join(root, 'index.html.gz'), gzipSync(html));
        await writeFile(path.join(root, 'assets', 'app-1a2b.js'), js);
        await writeFile(path.join(root, 'assets', 'app-1a2b.js.gz'), gzipSync(js)); // no .br
        await writeFile(path.join(root, 'manifest.webmanifest'), '{"name":"hashchat"}');
        await writeFile(path.join(root, 'sw.js'), 'const VERSION = "v1";\n');
        srv = await startServer({ args: ['--web-root', root] });

        const cases = [
            ['/s/abc', 'gzip, deflate, br', 'br', html],
            ['/', 'br;q=0.5, gzip;q=0.8', 'gzip', html],
            ['/', 'br;q=0, gzip;q=0', undefined, html],
            ['/', '*', 'br', html],
            ['/', 'identity', undefined, html],
            ['/', undefined, undefined, html],
            ['/assets/app-1a2b.js', 'br, gzip', 'gzip', js], // only the copies that exist
            ['/assets/app-1a2b.js', 'br', undefined, js],
        ];
        for (const [p, accept, want, plain] of cases) {
            const res = await rawGet(srv, p, accept === undefined ? {} : { 'accept-encoding': accept });
            const what = `${p} with Accept-Encoding ${accept}`;
            assert.equal(res.status, 200, what);
            assert.equal(res.headers['content-encoding'], want, what);
            assert.equal(res.headers.vary, 'Accept-Encoding', what);
            const body = want === 'br' ? brotliDecompressSync(res.body) : want === 'gzip' ? gunzipSync(res.body) : res.body;
            assert.equal(body.toString(), plain, what);
            assert.equal(Number(res.headers['content-length']), res.body.length, what);
        }
        const js1 = await rawGet(srv, '/assets/app-1a2b.js', { 'accept-encoding': 'gzip' });
        assert.equal(js1.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.match(js1.headers['content-type'], /^text\/javascript/);
        const page = await rawGet(srv, '/', { 'accept-encoding': 'br' });
        assert.equal(page.headers['cache-control'], 'no-cache');
        const manifest = await rawGet(srv, '/manifest.webmanifest');
        assert.equal(manifest.headers['content-type'], 'application/manifest+json');
        // The service worker's script is revalidated at every update check (a new deploy is seen at
        // the next load), never kept for a year like the hashed assets it lists.
        const sw = await rawGet(srv, '/sw.js');
        assert.equal(sw.headers['cache-control'], 'no-cache');
        assert.match(sw.headers['content-type'], /^text\/javascript/);
        const gzOnly = await rawGet(srv, '/index.html.gz');
        assert.equal(gzOnly.headers['content-encoding'], undefined, 'a .gz file asked for by name is just a file');
    } finally {
        if (srv) await stopServer(srv);
        await rm(root, { recursive: true, force: true });
    }
});
