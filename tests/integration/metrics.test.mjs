// /metrics shows an operator the load: deliveries, queued bytes, events per write and per commit,
// and the delivery latency histogram, each consistent with what the clients saw.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, createSession, http, advanceTo, metrics, metric, parseMetrics } from './harness.mjs';
import { join } from './common.mjs';

/** The buckets of one histogram, in order: [[le, cumulative count], ...]. */
function buckets(text, name) {
    const out = [];
    for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))) {
        out.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
    }
    return out;
}

test('metrics count deliveries, write and commit batches, and delivery latency', { timeout: 60_000 }, async () => {
    const srv = await startServer({ clock: '2026-11-26T18:59:00Z' });
    const clients = [];
    try {
        const { id } = await createSession(srv, { hashtag: '#m', title: 'M', start: '2026-11-26T19:00', questions: ['Q?'] });
        for (const h of ['a', 'b', 'c']) clients.push(await join(srv, id, h, h.toUpperCase()));
        await advanceTo(srv, '2026-11-26T19:05:00Z'); // Q1
        const before = await metrics(srv);
        const posts = 12;
        let head = 0;
        for (let i = 0; i < posts; i++) head = (await clients[i % 3].post(`A1 answer ${i}`)).seq;
        for (const c of clients) await c.waitSeq(head);

        // Every write the clients saw has completed: the latency histogram has counted each
        // member's copy of each post (three members, twelve posts).
        const deadline = Date.now() + 10_000;
        let text;
        let m;
        for (;;) {
            // One scrape for both the text and the values, so they agree.
            text = (await http(srv, 'GET', '/metrics')).text;
            m = parseMetrics(text);
            const latency = metric(m, 'hashchat_delivery_seconds_count') - (before.get('hashchat_delivery_seconds_count') ?? 0);
            if (latency >= posts * 3) break;
            assert.ok(Date.now() < deadline, `delivery latency counted ${latency} of ${posts * 3}`);
        }
        assert.ok(metric(m, 'hashchat_deliveries_total') - before.get('hashchat_deliveries_total') >= posts * 3);
        assert.equal(metric(m, 'hashchat_queued_bytes'), 0, 'nothing left queued');
        const busy = metric(m, 'hashchat_cpu_busy_permille');
        assert.ok(Number.isInteger(busy) && busy >= 0 && busy <= 1000, `CPU busy ${busy} in thousandths`);
        for (const name of ['hashchat_write_batch_events', 'hashchat_commit_batch_events', 'hashchat_delivery_seconds']) {
            const b = buckets(text, name);
            assert.ok(b.length >= 10, `${name} has its buckets`);
            for (let i = 1; i < b.length; i++) {
                assert.ok(b[i][0] > b[i - 1][0] && b[i][1] >= b[i - 1][1], `${name}: cumulative and ascending`);
            }
            assert.equal(b.at(-1)[0], Infinity);
            assert.equal(b.at(-1)[1], metric(m, `${name}_count`), `${name}: +Inf equals the count`);
        }
        // Every appended event went through exactly one commit batch.
        assert.equal(metric(m, 'hashchat_commit_batch_events_sum'), metric(m, 'hashchat_events_appended_total'));
        assert.ok(metric(m, 'hashchat_write_batch_events_sum') >= posts * 3);
        // On loopback, a post reaches every member well within a second.
        const d = buckets(text, 'hashchat_delivery_seconds');
        const underOne = d.find(([le]) => le === 1)[1];
        assert.equal(underOne, d.at(-1)[1]);
    } finally {
        for (const c of clients) c.terminate();
        await stopServer(srv);
    }
});
