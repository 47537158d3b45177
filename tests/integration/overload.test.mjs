// Push-back under overload: a member that keeps reading, but slowly, is never dropped; posters
// are held back instead (acks wait, then rate_limited with retry_after_ms past the bound), and
// every post still ends up in the log exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, createSession, metrics, metric, dropAll, step,
} from './harness.mjs';
import { Q1, join, lastSeq } from './common.mjs';

const POSTERS = 4;
const POSTS_EACH = 400; // 1,600 posts of ~4 KB: ~6.4 MB towards every reader
const QUEUE_BYTES = 262144;

test('a slow reader is not dropped: posters wait, then are rate limited, and nothing is lost', { timeout: 240_000 }, async () => {
    let srv;
    const clients = [];
    let throttle;
    try {
        // A small waiting bound, so that the refusal past it happens however fast this machine is.
        srv = await startServer({ args: [`--queue-bytes=${QUEUE_BYTES}`, '--max-waiting=64'] });
        const { id } = await createSession(srv, { hashtag: '#Busy', title: 'Busy', timezone: 'UTC', questions: [Q1] });
        const slow = await join(srv, id, 'slow', 'Slow');
        const fast = await join(srv, id, 'fast', 'Fast');
        clients.push(slow, fast);
        const posters = [];
        for (let p = 0; p < POSTERS; p++) {
            const c = await join(srv, id, `poster${p}`, `Poster ${p}`);
            posters.push(c);
            clients.push(c);
        }

        // The slow reader reads in bursts: a phone on a poor link. Each pause (2 s) is shorter than
        // the server's 5 s stall limit, and long enough for the kernel's buffers and then its queue
        // on the server to fill, however fast this machine posts.
        let paused = false;
        const cycle = () => {
            paused = !paused;
            if (paused) slow.ws._socket.pause(); else slow.ws._socket.resume();
            throttle = setTimeout(cycle, paused ? 2000 : 300);
        };
        cycle();

        const text = (p, k) => `post ${p}-${k} ` + '\u{1F4DA}'.repeat(980);
        let rateLimited = 0;
        await step('every post is acknowledged, resending after retry_after_ms', async () => {
            const pending = [];
            const unexpected = [];
            posters.forEach((c, p) => {
                c.ws.on('message', (data) => {
                    const m = JSON.parse(data.toString());
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
            await Promise.all(posters.map((c) => c.until(() => ackedBy(c) === POSTS_EACH || unexpected.length > 0, `${c.label} acked`, 120_000)));
            pending.forEach(clearTimeout);
            assert.deepEqual(unexpected, [], 'only rate_limited (with retry_after_ms and cid) may refuse a post');
        });

        const m = await metrics(srv);
        assert.ok(metric(m, 'hashchat_commands_deferred_total') > 0, 'posts were held back');
        assert.ok(rateLimited > 0 && metric(m, 'hashchat_rate_limited_total') === rateLimited,
            `past the bound posts were refused with rate_limited (${rateLimited})`);
        assert.equal(metric(m, 'hashchat_connections_dropped_total'), 0, 'no reader was dropped');

        clearTimeout(throttle);
        throttle = undefined;
        slow.ws._socket.resume();
        const head = lastSeq(fast);
        await step('the slow reader gets everything, once, in order', async () => {
            await slow.until(() => lastSeq(slow) >= head, 'slow reader caught up', 120_000);
            assert.equal(slow.close, undefined, 'the slow reader was not closed');
            slow.assertGapFree(head, 0);
            fast.assertGapFree(head, 0);
            const posts = fast.events.filter((e) => e.kind === 'post');
            assert.equal(posts.length, POSTERS * POSTS_EACH, 'every post exactly once');
            assert.equal(new Set(posts.map((e) => e.text)).size, posts.length, 'no post twice');
        });
    } finally {
        if (throttle) clearTimeout(throttle);
        dropAll(clients);
        if (srv) await stopServer(srv).catch(async (e) => { await killServer(srv); throw e; });
    }
});
