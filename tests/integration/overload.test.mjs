// Push-back under overload: a member that keeps reading, but slowly, is never dropped; posters
// are held back instead (acks wait, then rate_limited with retry_after_ms past the bound), and
// every post still ends up in the log exactly once.

import { test } from 'node:test';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, createSession, metrics, metric, dropAll, step, withTimeout,
} from './harness.mjs';
import { Q1, join, lastSeq } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const POSTERS = 4;
const POSTS_EACH = 400; // 1,600 posts of ~4 KB: ~6.4 MB towards every reader, far more than the small socket buffers hold
const QUEUE_BYTES = 262144;

test('a slow reader is not dropped: posters wait, then are rate limited, and nothing is lost', { timeout: 240_000 }, async () => {
    let srv;
    const clients = [];
    let reader;
    try {
        // A small waiting bound, so that the refusal past it happens however fast this machine is.
        // Small kernel buffers on both ends (here and in the reader), so that the backlog lands in
        // the server's own queue, where push-back measures it.
        srv = await startServer({ args: [`--queue-bytes=${QUEUE_BYTES}`, '--max-waiting=16', '--socket-send-buffer=65536'] });
        const { id } = await createSession(srv, { hashtag: '#Busy', title: 'Busy', timezone: 'UTC', questions: [Q1] });
        const total = POSTERS * POSTS_EACH;
        // The slow reader: a phone on a poor link that reads in bursts of 100 events, on a small
        // fixed receive buffer so that the backlog lands in the server's queue rather than in the
        // kernel's. After each burst it stops reading until the server has pushed back (below).
        reader = spawn('/usr/bin/python3', [path.join(here, 'slow_ws_reader.py'), String(srv.port), id, 'slow', String(total), '100'],
            { stdio: ['pipe', 'pipe', 'pipe'] });
        let readerOut = '';
        let readerErr = '';
        let pauses = 0;
        // Every change the pump below waits on (reader output, reader exit, an ack) is signalled.
        const changed = new EventEmitter();
        changed.setMaxListeners(0);
        const when = (cond, what, ms) => withTimeout(new Promise((resolve) => {
            const check = () => { if (cond()) { changed.off('change', check); resolve(); } };
            changed.on('change', check);
            check();
        }), ms, what);
        reader.stdin.on('error', () => {}); // it may have finished before a last "resume"
        reader.on('exit', () => changed.emit('change'));
        reader.stdout.on('data', (d) => {
            readerOut += d;
            pauses = readerOut.split('\n').filter((l) => l === 'paused').length;
            changed.emit('change');
        });
        const resume = () => { if (reader.exitCode === null) reader.stdin.write('resume\n'); };
        reader.stderr.on('data', (d) => { readerErr += d; });
        const readerDone = new Promise((resolve) => reader.on('exit', (code) => resolve(code)));
        const fast = await join(srv, id, 'fast', 'Fast');
        clients.push(fast);
        // Either the welcome already counts the slow reader, or a presence message follows it.
        await fast.until(() => fast.messages.some((m) => (m.type === 'presence' && m.online >= 2) ||
            (m.type === 'welcome' && m.session?.online >= 2)), 'the slow reader joined');
        const posters = [];
        for (let p = 0; p < POSTERS; p++) {
            const c = await join(srv, id, `poster${p}`, `Poster ${p}`);
            posters.push(c);
            clients.push(c);
        }

        const text = (p, k) => `post ${p}-${k} ` + '\u{1F4DA}'.repeat(980);
        let rateLimited = 0;
        await step('every post is acknowledged, resending after retry_after_ms', async () => {
            const pending = [];
            const unexpected = [];
            posters.forEach((c, p) => {
                c.ws.on('message', (data) => {
                    const m = JSON.parse(data.toString());
                    if (m.type === 'ack') changed.emit('change');
                    if (m.type === 'error') {
                        if (m.code !== 'rate_limited' || !(m.retry_after_ms > 0) || !m.cid) {
                            unexpected.push(m);
                            return;
                        }
                        rateLimited++;
                        const k = Number(m.cid.split('-')[2]);
                        pending.push(setTimeout(() => c.send({ type: 'post', cid: m.cid, text: text(p, k) }), m.retry_after_ms));
                    }
                });
                for (let k = 0; k < POSTS_EACH; k++) c.send({ type: 'post', cid: `o-${p}-${k}`, text: text(p, k) });
            });
            // Counted from the client's own record, which its waits are woken by.
            const ackedBy = (c) => new Set(c.messages.filter((m) => m.type === 'ack').map((m) => m.cid)).size;
            const allAcked = () => posters.every((c) => ackedBy(c) === POSTS_EACH);
            // Each time the reader pauses, it is resumed once the server has held posters back
            // (the first time: once it has also refused some with rate_limited) or all is acked.
            // It never pauses for long, so the server never takes it for a reader that stopped.
            const pump = (async () => {
                let resumed = 0;
                let deferred = 0;
                while (!allAcked() && unexpected.length === 0 && reader.exitCode === null) {
                    await when(() => pauses > resumed || allAcked() || reader.exitCode !== null, 'the reader to pause', 60_000);
                    if (pauses <= resumed) break;
                    for (let i = 0; i < 2000; i++) {
                        const m = await metrics(srv);
                        const pushedBack = metric(m, 'hashchat_commands_deferred_total') > deferred &&
                            (resumed > 0 || metric(m, 'hashchat_rate_limited_total') > 0);
                        if (pushedBack || allAcked()) {
                            deferred = metric(m, 'hashchat_commands_deferred_total');
                            break;
                        }
                    }
                    resumed += 1;
                    resume();
                }
            })();
            await Promise.all(posters.map((c) => c.until(() => ackedBy(c) === POSTS_EACH || unexpected.length > 0, `${c.label} acked`, 180_000)));
            changed.emit('change');
            await withTimeout(pump, 60_000, 'the reader pump to stop');
            resume();
            pending.forEach(clearTimeout);
            assert.deepEqual(unexpected, [], 'only rate_limited (with retry_after_ms and cid) may refuse a post');
        });

        const m = await metrics(srv);
        assert.ok(metric(m, 'hashchat_commands_deferred_total') > 0, 'posts were held back');
        assert.ok(rateLimited > 0 && metric(m, 'hashchat_rate_limited_total') === rateLimited,
            `past the bound posts were refused with rate_limited (${rateLimited})`);
        assert.equal(metric(m, 'hashchat_connections_dropped_total'), 0, 'no reader was dropped');

        await step('the slow reader gets everything, once, in order, and is never closed', async () => {
            const code = await withTimeout(readerDone, 120_000, 'the slow reader to finish');
            assert.equal(code, 0, readerErr);
            const out = JSON.parse(readerOut.trim().split('\n').at(-1));
            assert.equal(out.close, null, 'the slow reader was not closed');
            assert.deepEqual(out.seqs, Array.from({ length: total }, (_, i) => i + 1));
            fast.assertGapFree(total, 0);
            const posts = fast.events.filter((e) => e.kind === 'post');
            assert.equal(posts.length, total, 'every post exactly once');
            assert.equal(new Set(posts.map((e) => e.text)).size, posts.length, 'no post twice');
        });
    } finally {
        if (reader && reader.exitCode === null) reader.kill('SIGKILL');
        dropAll(clients);
        if (srv) await stopServer(srv).catch(async (e) => { await killServer(srv); throw e; });
    }
});
