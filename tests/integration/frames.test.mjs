// The server frames its own messages and writes several in one system call; Beast's frames
// (pongs, the close, a refused handshake's answer) go between them. A reader that pings while a
// write to it is half sent gets every pong and every event intact and in order, and a clean
// close; a handshake Beast refuses still gets its HTTP answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'node:events';
import {
    startServer, stopServer, killServer, createSession, metrics, metric, dropAll,
    step, withTimeout, http,
} from './harness.mjs';
import { Q1, join } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const POSTS = 400; // about 1.6 MB: far more than the two small kernel buffers hold
const PINGS = 20;
const STUCK = 64 * 1024; // queued bytes that show the write to the reader is stuck

test('pings while a write is half sent: pongs and events intact, in order', { timeout: 120_000 }, async () => {
    let srv;
    const clients = [];
    let reader;
    try {
        srv = await startServer({ args: ['--socket-send-buffer=65536'] });
        const { id } = await createSession(srv, { hashtag: '#Frames', title: 'Frames', timezone: 'UTC', questions: [Q1] });
        const poster = await join(srv, id, 'poster', 'Poster');
        clients.push(poster);
        await step('a backlog of posts', async () => {
            for (let done = 0; done < POSTS; done += 100) {
                const from = poster.messages.length;
                for (let k = done; k < done + 100; k++) poster.send({ type: 'post', cid: `f-${k}`, text: `post ${k} ` + '\u{1F4DA}'.repeat(980) });
                await poster.until(() => poster.messages.slice(from).filter((m) => m.type === 'ack').length >= 100, 'acks', 30_000);
            }
        });
        // The newest acknowledged seq, from the acks themselves: this test is about frames, and
        // the session's HTTP view may lag the log by an event on a loaded machine (issue 14).
        const head = Math.max(...poster.messages.filter((m) => m.type === 'ack').map((m) => m.seq ?? 0));
        assert.ok(head >= POSTS, `acks up to seq ${head}`);

        reader = spawn('/usr/bin/python3', [path.join(here, 'pinging_reader.py'), String(srv.port), id, 'reader', String(PINGS), String(head)],
            { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        const changed = new EventEmitter();
        reader.stdout.on('data', (d) => { out += d; changed.emit('change'); });
        reader.stderr.on('data', (d) => { err += d; });
        reader.on('exit', () => changed.emit('change'));
        const said = (line) => withTimeout(new Promise((resolve) => {
            const check = () => { if (out.split('\n').includes(line) || reader.exitCode !== null) { changed.off('change', check); resolve(); } };
            changed.on('change', check);
            check();
        }), 30_000, `the reader to say ${line}`);

        await said('joined');
        await step('the server is part-way through a write to the reader', async () => {
            let q = 0;
            for (let i = 0; i < 5000 && q < STUCK; i++) q = metric(await metrics(srv), 'hashchat_queued_bytes');
            assert.ok(q >= STUCK, `queued bytes ${q}: the write to the reader never stopped`);
        });
        await step('pings arrive while it is stuck', async () => {
            const received = metric(await metrics(srv), 'hashchat_messages_received_total');
            reader.stdin.write('ping\n');
            await said('pinged');
            // The `ping` message comes after the WebSocket pings: once it is counted, Beast has
            // read them all and queued their pongs.
            let now = received;
            for (let i = 0; i < 5000 && now <= received; i++) now = metric(await metrics(srv), 'hashchat_messages_received_total');
            assert.ok(now > received, 'the ping message was read');
            const q = metric(await metrics(srv), 'hashchat_queued_bytes');
            assert.ok(q >= STUCK, `queued bytes ${q}: still stuck when the pongs were queued`);
        });
        await step('the reader reads: every frame intact, pongs and events in order, a clean close', async () => {
            reader.stdin.write('resume\n');
            const code = await withTimeout(new Promise((resolve) => {
                if (reader.exitCode !== null) resolve(reader.exitCode);
                reader.on('exit', resolve);
            }), 60_000, 'the reader to finish');
            assert.equal(code, 0, `reader exit: ${err}`);
            const result = JSON.parse(out.trim().split('\n').pop());
            assert.deepEqual(result.bad, []);
            assert.deepEqual(result.pongs, Array.from({ length: PINGS }, (_, i) => `p${i}`));
            assert.deepEqual(result.replies, ['after-pings']);
            assert.deepEqual(result.seqs, Array.from({ length: head }, (_, i) => i + 1));
            assert.equal(result.close, 1000);
        });
        await step('the others noticed nothing', async () => {
            await poster.ping();
            assert.deepEqual(poster.messages.filter((m) => m.type === 'error'), []);
        });
    } finally {
        if (reader && reader.exitCode === null) reader.kill('SIGKILL');
        dropAll(clients);
        if (srv) await stopServer(srv).catch(async (e) => { await killServer(srv); throw e; });
    }
});

// The answer to a refused handshake is written by Beast through the same queue.
function rawUpgrade(port, version) {
    return withTimeout(new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => {
            s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: ${version}\r\n\r\n`);
        });
        let got = '';
        s.on('data', (d) => {
            got += d.toString('latin1');
            if (got.includes('\r\n\r\n')) {
                s.destroy();
                resolve(got);
            }
        });
        s.on('error', reject);
        s.on('close', () => resolve(got));
    }), 10_000, 'an answer to the upgrade');
}

test('a handshake Beast refuses is answered (426), and the server stays up', { timeout: 60_000 }, async () => {
    let srv;
    try {
        srv = await startServer();
        const refused = await rawUpgrade(srv.port, '12');
        assert.match(refused, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
        assert.match(refused, /\r\nSec-WebSocket-Version: 13\r\n/i);
        const accepted = await rawUpgrade(srv.port, '13');
        assert.match(accepted, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
        assert.equal((await http(srv, 'GET', '/healthz')).status, 200);
    } finally {
        if (srv) await stopServer(srv).catch(async (e) => { await killServer(srv); throw e; });
    }
});
