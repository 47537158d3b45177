// PostgreSQL goes away under a running server (its connections cut, new ones refused: the
// database's ALLOW_CONNECTIONS turned off) and comes back. Meanwhile the server stays up: a post
// is refused with store_unavailable and nothing is acknowledged, every member is told and closed
// with 1013 (try again later), a join and an HTTP write are refused the same way, and reads of
// what it holds still answer. When PostgreSQL is back the same clients resume, send again what was
// not acknowledged and get it acknowledged once; nothing acknowledged before is lost.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
    PG_URL, pgUrlOf, createDatabase, dropDatabase, startServer, killServer, removeDataDir, createSession,
    advanceTo, addMinutes, step, metrics, metric, Client, http,
} from './harness.mjs';
import { eveningSpec, expectPostEvent, join } from './common.mjs';

const T = (m) => addMinutes('2026-11-26T19:00:00.000Z', m);

/** The database cannot be reached (on), or can again (off). */
function outage(database, on) {
    const sql = [`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${on ? 'false' : 'true'}`];
    if (on) sql.push(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`);
    for (const s of sql) execFileSync('psql', [PG_URL, '-v', 'ON_ERROR_STOP=1', '-qAtc', s], { stdio: 'pipe' });
}

test('a server that loses PostgreSQL refuses writes with store_unavailable, closes with 1013, and goes on when it is back', { skip: !PG_URL && 'needs HASHCHAT_TEST_PG', timeout: 120_000 }, async () => {
    const database = `hc_outage_${process.pid}`;
    dropDatabase(database);
    createDatabase(database);
    let srv;
    const clients = [];
    try {
        srv = await startServer({ args: [`--database=${pgUrlOf(database)}`] });
        const created = await createSession(srv, eveningSpec('#Outage', 'Outage test'));
        const id = created.id;
        const ann = await join(srv, id, 'ann', 'Ann');
        const bob = await join(srv, id, 'bob', 'Bob');
        clients.push(ann, bob);
        await advanceTo(srv, T(5));
        await ann.waitEvent((e) => e.kind === 'phase' && e.round === 1, 'Q1');
        const before = await ann.post('A1: before the outage', { cid: 'ann-before' });

        await step('PostgreSQL goes: a post is refused, nothing is acknowledged, every member is told and closed with 1013', async () => {
            outage(database, true);
            ann.send({ type: 'post', cid: 'ann-during', text: 'A1: sent during the outage' });
            for (const c of [ann, bob]) {
                const told = await c.waitMessage((m) => m.type === 'error' && m.code === 'store_unavailable', `${c.label}: told`);
                assert.ok(told.message, 'the error says why');
                const close = await c.waitClose();
                assert.equal(close.code, 1013, `${c.label} is closed with 1013 (try again later)`);
            }
            assert.ok(!ann.messages.some((m) => m.type === 'ack' && m.cid === 'ann-during'), 'nothing was acknowledged');
        });

        await step('while it is gone: a join, a PATCH and a new chat are refused with store_unavailable; reads still answer', async () => {
            const c = await Client.connect(srv, 'cat');
            clients.push(c);
            const refused = await c.request({ type: 'hello', session: id, handle: 'cat', name: 'Cat' });
            assert.equal(refused.code, 'store_unavailable', `the join: ${JSON.stringify(refused)}`);
            assert.equal((await c.waitClose()).code, 1013);
            const patched = await http(srv, 'PATCH', `/api/sessions/${id}`, { title: 'Renamed' }, { authorization: `Bearer ${created.moderator_key}` });
            assert.equal(patched.status, 503, `PATCH: ${patched.status} ${patched.text}`);
            assert.equal(patched.json.error, 'store_unavailable');
            const made = await http(srv, 'POST', '/api/sessions', { ...eveningSpec('#Another', 'Another'), start: '2026-12-03T19:00:00' });
            assert.equal(made.status, 503, `a new chat: ${made.status} ${made.text}`);
            assert.equal(made.json.error, 'store_unavailable');
            const view = await http(srv, 'GET', `/api/sessions/${id}`);
            assert.equal(view.status, 200, 'what the server holds can still be read');
            assert.equal((await http(srv, 'GET', '/healthz')).status, 200, 'the server is up');
            assert.ok(metric(await metrics(srv), 'hashchat_store_unavailable_total') >= 1, 'counted in /metrics');
        });

        await step('PostgreSQL is back: the members resume, send again what was not acknowledged, and it is written once', async () => {
            outage(database, false);
            const annBack = await Client.connect(srv, 'ann-back');
            const bobBack = await Client.connect(srv, 'bob-back');
            clients.push(annBack, bobBack);
            await annBack.hello(id, 'ann', 'Ann', { token: ann.token, since: before.seq });
            await bobBack.hello(id, 'bob', 'Bob', { token: bob.token, since: before.seq });
            const again = await annBack.post('A1: sent during the outage', { cid: 'ann-during' });
            const twice = await annBack.post('A1: sent during the outage', { cid: 'ann-during' });
            assert.equal(twice.seq, again.seq, 'acknowledged once, with one seq');
            await expectPostEvent(bobBack, again.seq, { author: 'ann', text: 'A1: sent during the outage', round: 1 });
            const view = await http(srv, 'GET', `/api/sessions/${id}`);
            const head = view.json.head;
            await bobBack.waitSeq(head);
            bobBack.assertGapFree(head, before.seq);
            const transcript = await http(srv, 'GET', `/api/sessions/${id}/transcript.json`);
            assert.equal(transcript.status, 200, transcript.text);
            const texts = transcript.json.questions[0].answers.map((p) => p.text);
            assert.deepEqual(texts, ['A1: before the outage', 'A1: sent during the outage'], 'each post once, none lost');
            const patched = await http(srv, 'PATCH', `/api/sessions/${id}`, { title: 'Renamed' }, { authorization: `Bearer ${created.moderator_key}` });
            assert.equal(patched.status, 200, `PATCH after: ${patched.status} ${patched.text}`);
        });
    } catch (err) {
        if (srv) console.error(srv.log().slice(-4000));
        throw err;
    } finally {
        for (const c of clients) c.terminate();
        try {
            outage(database, false);
        } catch {
            // the database may be gone already
        }
        if (srv) {
            await killServer(srv);
            await removeDataDir(srv.dataDir);
        }
        dropDatabase(database);
    }
});
