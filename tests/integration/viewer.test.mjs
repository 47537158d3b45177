// A read-only viewer (the pub screen): `hello` with `view: true` and no handle. It receives the
// public log and live events like a member but is no member: no token, no presence count, no
// member row, no statistic, no `mod` messages, every command refused, untouched by address bans.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, createSession, getSession, http, dropAll, step, Client } from './harness.mjs';
import { Q1, Q2, join } from './common.mjs';

async function viewer(srv, id, extra = {}, label = 'screen') {
    const c = await Client.connect(srv, label);
    c.welcome = await c.expectReply({ type: 'hello', session: id, view: true, ...extra }, 'welcome');
    c.since = extra.since ?? 0;
    return c;
}

test('a viewer watches without being a member', { timeout: 60_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer();
        const created = await createSession(srv, {
            hashtag: '#ScreenTest', title: 'Viewer', mode: 'live', timezone: 'Europe/London',
            questions: [Q1, Q2], intro_minutes: 5, round_minutes: 8, wrapup_minutes: 5,
        });
        const id = created.id;
        const mod = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const ann = await join(srv, id, 'ann', 'Ann');
        clients.push(mod, ann);
        await mod.ok({ type: 'control', action: 'start' });
        const a0 = await ann.post('A0 Ann, teaching science');

        let screen;
        await step('the welcome names a viewer, with no handle and no token', async () => {
            screen = await viewer(srv, id);
            clients.push(screen);
            assert.deepEqual(screen.welcome.you, { role: 'viewer' });
            assert.equal(screen.welcome.session.online, 2, 'the moderator and Ann; not the screen');
            await screen.waitSeq(a0.seq);
            screen.assertGapFree(a0.seq);
            const s = await getSession(srv, id);
            assert.equal(s.online, 2, 'the HTTP view does not count the screen');
        });

        await step('presence counts members only', async () => {
            const from = ann.messages.length;
            const bob = await join(srv, id, 'bob', 'Bob');
            clients.push(bob);
            const p = await ann.waitMessage((m) => m.type === 'presence' && m.online === 3, 'presence 3', from);
            assert.equal(p.online, 3);
            // A second screen changes no count.
            const second = await viewer(srv, id, {}, 'screen2');
            clients.push(second);
            assert.equal(second.welcome.session.online, 3);
            await bob.closeNormally();
            await screen.waitMessage((m) => m.type === 'presence' && m.online === 2, 'presence 2 at the screen');
            assert.equal((await getSession(srv, id)).online, 2);
            await second.closeNormally();
        });

        await step('every command of a viewer is refused and changes nothing', async () => {
            const head = (await getSession(srv, id)).head;
            await screen.expectError({ type: 'post', cid: 'v1', text: 'A1 from the screen' }, 'not_allowed');
            await screen.expectError({ type: 'like', seq: a0.seq }, 'not_allowed');
            await screen.expectError({ type: 'control', action: 'next' }, 'not_allowed');
            await screen.expectError({ type: 'announce', text: 'hello room' }, 'not_allowed');
            await screen.expectError({ type: 'delete', seq: a0.seq }, 'not_allowed');
            await screen.ping();
            assert.equal((await getSession(srv, id)).head, head, 'nothing was logged');
        });

        await step('bad viewer hellos are refused', async () => {
            const c = await Client.connect(srv, 'bad');
            clients.push(c);
            await c.expectError({ type: 'hello', session: id, view: true, handle: 'x', name: 'X' }, 'bad_request');
            await c.expectError({ type: 'hello', session: id, view: true, key: created.moderator_key }, 'bad_request');
            await c.expectError({ type: 'hello', session: id, view: false }, 'bad_request');
            await c.expectError({ type: 'hello', session: id, view: 'yes' }, 'bad_request');
            await c.expectError({ type: 'hello', session: id, view: true, since: 9999 }, 'bad_since');
            await c.expectError({ type: 'hello', session: 'no-such-chat', view: true }, 'not_found');
            await c.expectError({ type: 'hello', session: id }, 'bad_request');
            await viewer(srv, id, { since: 1 }, 'bad-then-good');
        });

        await step('an address ban closes the participant, not the screen on the same address', async () => {
            const ok = await mod.ok({ type: 'moderate', action: 'ban', handle: 'ann', ban_address: true });
            const close = await ann.waitClose();
            assert.equal(close.code, 1008);
            await screen.waitEvent((e) => e.seq === ok.seq, 'the ban event at the screen');
            await screen.ping();
            assert.equal(screen.close, undefined, 'the screen stays');
            const ann2 = await mod.ok({ type: 'announce', text: 'Next question soon' });
            await screen.waitEvent((e) => e.seq === ann2.seq && e.kind === 'announce', 'the announcement');
            assert.equal(screen.messages.filter((m) => m.type === 'mod').length, 0, 'no mod messages to a viewer');
        });

        await step('a viewer resumes with since; the transcript knows no viewer', async () => {
            const head = (await getSession(srv, id)).head;
            const again = await viewer(srv, id, { since: head - 1 }, 'screen-again');
            clients.push(again);
            await again.waitSeq(head);
            again.assertGapFree(head, head - 1);
            const t = await http(srv, 'GET', `/api/sessions/${id}/transcript.json`);
            assert.equal(t.status, 200);
            const handles = JSON.stringify(t.json).match(/"author":"[^"]*"/g) ?? [];
            assert.ok(handles.every((h) => h === '"author":"ann"' || h === '"author":"host"'), handles.join(','));
            assert.equal(t.json.stats.participants, 1, 'only Ann took part');
        });
    } finally {
        dropAll(clients);
        if (srv) await stopServer(srv);
    }
});
