// Archives: a scripted chat (introductions, answers, replies, a reply to a reply, an answer to an
// earlier question, edits, likes, a hidden post, a deleted post, an announcement, hostile text)
// comes out of every export complete, in order and escaped; the HTML transcript and the Atom feed
// are read by Python's own parsers; search follows edits, hides and deletes, refuses bad queries
// with 400 and never fails with 500; everything holds after a restart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer, createSession, http, advance, advanceTo, step } from './harness.mjs';
import { join } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The document as Python's html / xml parsers see it. */
function pyRead(mode, text) {
    const r = spawnSync('/usr/bin/python3', [path.join(here, 'archive_read.py'), mode], { input: text, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `archive_read.py ${mode} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
}

/** A CSV document as Python's csv module reads it (utf-8-sig: the byte order mark is expected). */
function pyCsv(bytes) {
    const code = 'import csv,io,json,sys; data=sys.stdin.buffer.read(); assert data.startswith(b"\\xef\\xbb\\xbf"); json.dump(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))), sys.stdout)';
    const r = spawnSync('/usr/bin/python3', ['-c', code], { input: bytes, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `csv read failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
}

const SCRIPT = '<script>window.pwned=1</script>';
const FORMULA = '=HYPERLINK("http://evil.example/x","click me")';
const MARKDOWN = '*bold* _under_ [link](javascript:alert(1)) # not a heading | a | b | `code` \\ <b>raw</b> &amp;';
const RTL = 'مرحبا بالجميع — שלום 👋🏽 émigré';

/** Text of every post in a transcript JSON tree, by seq. */
function bySeq(doc) {
    const out = new Map();
    const walk = (p) => {
        assert.ok(!out.has(p.seq), `post ${p.seq} appears once`);
        out.set(p.seq, p);
        p.replies.forEach(walk);
    };
    doc.roll_call.forEach(walk);
    doc.questions.forEach((q) => q.answers.forEach(walk));
    doc.other_posts.forEach(walk);
    return out;
}

/** A JSON post tree reduced to what the HTML must show: id, text, replies. */
function shape(p) {
    return { id: `p${p.seq}`, text: p.text, replies: p.replies.map(shape) };
}

test('a scripted chat comes out of every export complete, escaped and in order', { timeout: 180_000 }, async () => {
    let srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
    const clients = [];
    try {
        const created = await createSession(srv, {
            hashtag: '#ArchTest', title: `Lessons ${SCRIPT}`, description: `Bring ideas ${SCRIPT}`, timezone: 'Europe/London',
            start: '2026-11-26T19:00', intro_minutes: 5, round_minutes: 8, wrapup_minutes: 5,
            questions: ['How do you start a lesson?', `Homework ${SCRIPT}?`, 'What next?'],
        });
        const id = created.id;
        const host = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const alice = await join(srv, id, 'alice', 'Alice');
        const bob = await join(srv, id, 'bob', RTL);
        const carol = await join(srv, id, 'carol', '-Carol');
        const mallory = await join(srv, id, 'mallory', `<img src=x onerror=alert(1)>`);
        const erin = await join(srv, id, 'erin', 'Erin');
        clients.push(host, alice, bob, carol, mallory, erin);

        const s = {};
        await step('the chat runs', async () => {
            await advanceTo(srv, '2026-11-26T19:00:00Z');
            s.introA = (await alice.post('A0 Alice, Year 6 in Leeds')).seq;
            s.introB = (await bob.post(`A0 ${RTL}`)).seq;
            s.introM = (await mallory.post(`A0 ${SCRIPT}`)).seq;
            await advance(srv, 5 * 60); // Q1
            s.a1 = (await alice.post('A1 I start with a hook question https://example.org/hooks?a=1&b=2.')).seq;
            s.reply = (await bob.post('Love this, stealing it', { reply_to: s.a1 })).seq;
            s.replyToReply = (await carol.post(FORMULA, { reply_to: s.reply })).seq;
            s.c1 = (await carol.post(`A1 ${MARKDOWN}`)).seq;
            s.spam = (await mallory.post('A1 buy zanzibarpills now')).seq;
            s.replyToSpam = (await bob.post('Is this spam?', { reply_to: s.spam })).seq;
            await host.ok({ type: 'moderate', action: 'hide', seq: s.spam });
            s.typo = (await erin.post('A1 teh quokka method')).seq;
            await erin.ok({ type: 'edit', seq: s.typo, text: 'A1 the wombat method\nsecond line' });
            s.gone = (await erin.post('A1 regrettable narwhal')).seq;
            await erin.ok({ type: 'delete', seq: s.gone });
            await bob.ok({ type: 'like', seq: s.a1 });
            await carol.ok({ type: 'like', seq: s.a1 });
            await alice.ok({ type: 'like', seq: s.c1 });
            await host.ok({ type: 'announce', text: 'Q2 in two minutes' });
            // While the chat runs its transcript is there too, without the questions to come.
            const live = (await http(srv, 'GET', `/api/sessions/${id}/transcript.json`)).json;
            assert.equal(live.session.state, 'live');
            assert.equal(live.session.ended_at, null);
            assert.deepEqual(live.questions.map((q) => q.number), [1], 'Q2 and Q3 are not revealed early');
            assert.ok(!(await http(srv, 'GET', `/api/sessions/${id}/transcript.md`)).text.includes('Homework'));
            await advance(srv, 8 * 60); // Q2
            s.a2 = (await alice.post('A2 Homework should be optional')).seq;
            s.late = (await bob.post('A1 late answer: cold calling')).seq; // to Q1, during Q2
            await advanceTo(srv, '2026-11-26T19:40:00Z'); // Q3, wrap-up, closed
        });

        const base = `http://127.0.0.1:${srv.port}`;
        let json;
        await step('transcript.json is complete and grouped by question', async () => {
            const res = await http(srv, 'GET', `/api/sessions/${id}/transcript.json`);
            assert.equal(res.status, 200, res.text);
            json = res.json;
            assert.equal(json.format, 'hashchat-transcript');
            assert.equal(json.version, 1);
            assert.equal(json.session.state, 'ended');
            assert.equal(json.session.title, `Lessons ${SCRIPT}`);
            assert.deepEqual(json.questions.map((q) => [q.number, q.text]), [
                [1, 'How do you start a lesson?'], [2, `Homework ${SCRIPT}?`], [3, 'What next?']]);
            assert.deepEqual(json.roll_call.map((p) => p.seq), [s.introA, s.introB, s.introM]);
            const q1 = json.questions[0];
            // Top-level answers in order; the reply to the hidden post stands alone, marked.
            assert.deepEqual(q1.answers.map((p) => p.seq), [s.a1, s.c1, s.replyToSpam, s.typo, s.late]);
            const a1 = q1.answers[0];
            assert.equal(a1.likes, 2);
            assert.deepEqual(a1.links, ['https://example.org/hooks?a=1&b=2']);
            assert.equal(a1.permalink, `${base}/archive/${id}#p${s.a1}`);
            assert.deepEqual(a1.replies.map((p) => p.seq), [s.reply]);
            assert.deepEqual(a1.replies[0].replies.map((p) => [p.seq, p.text]), [[s.replyToReply, FORMULA]]);
            const spamReply = q1.answers[2];
            assert.equal(spamReply.reply_to, s.spam);
            assert.equal(spamReply.reply_to_removed, true);
            const typo = q1.answers[3];
            assert.equal(typo.text, 'A1 the wombat method\nsecond line');
            assert.equal(typo.edited, true);
            assert.equal(q1.answers[1].text, `A1 ${MARKDOWN}`);
            assert.deepEqual(json.questions[1].answers.map((p) => p.seq), [s.a2]);
            assert.deepEqual(json.questions[2].answers, []);
            const posts = bySeq(json);
            assert.ok(!posts.has(s.spam), 'the hidden post is left out');
            assert.ok(!posts.has(s.gone), 'the deleted post is left out');
            assert.equal(posts.size, 11);
            assert.deepEqual(json.announcements.map((a) => a.text), ['Q2 in two minutes']);
            const st = json.stats;
            assert.equal(st.participants, 5);
            assert.equal(st.posts, 11);
            assert.equal(st.replies, 2);
            assert.equal(st.introductions, 3);
            assert.equal(st.likes, 3);
            assert.equal(st.answers, 6);
            assert.deepEqual(st.top_contributors.slice(0, 2).map((c) => [c.handle, c.posts, c.likes]), [['bob', 4, 0], ['alice', 3, 2]]);
            assert.deepEqual(st.most_liked.map((m) => [m.seq, m.likes]), [[s.a1, 2], [s.c1, 1]]);
            assert.equal(st.first_timers, null, 'not in a series');
            assert.deepEqual(q1.links, [
                { url: 'https://example.org/hooks?a=1&b=2', seq: s.a1, author: 'alice' },
                { url: 'http://evil.example/x', seq: s.replyToReply, author: 'carol' }]);
            assert.equal(st.activity.bucket_seconds, 60);
            assert.equal(st.activity.posts.reduce((a, b) => a + b, 0), 11);
            assert.equal(st.activity.start, '2026-11-26T19:00:00.000Z');
        });

        await step('transcript.html: each question a heading followed by its answers, replies nested, nothing runs', async () => {
            const res = await http(srv, 'GET', `/api/sessions/${id}/transcript.html`);
            assert.equal(res.status, 200);
            assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
            assert.match(res.headers.get('content-security-policy'), /default-src 'none'/);
            assert.ok(!res.text.includes(SCRIPT), 'the script tag is escaped');
            const doc = pyRead('html', res.text);
            assert.deepEqual(doc.problems, [], 'well-formed');
            assert.deepEqual(doc.active, [], 'no scripts, handlers or javascript: links');
            assert.equal(doc.title, `#ArchTest: Lessons ${SCRIPT} — transcript`);
            const questions = doc.sections.filter((x) => /^q\d+$/.test(x.id));
            assert.deepEqual(questions.map((q) => q.heading), json.questions.map((q) => `Q${q.number}. ${q.text}`));
            for (const [i, q] of questions.entries()) {
                assert.ok(q.heading_before_answers, `Q${i + 1}: heading, then answers`);
                assert.deepEqual(q.answers, json.questions[i].answers.map(shape), `Q${i + 1}: the answers and their replies`);
            }
            const roll = doc.sections.find((x) => x.id === 'roll-call');
            assert.deepEqual(roll.answers, json.roll_call.map(shape));
            const ids = new Set(doc.ids);
            for (const seq of bySeq(json).keys()) assert.ok(ids.has(`p${seq}`), `permalink anchor p${seq}`);
            assert.ok(!ids.has(`p${s.spam}`) && !ids.has(`p${s.gone}`));
            assert.ok(res.text.includes('<svg'), 'the activity chart is inline');
        });

        await step('transcript.md: every user string is escaped and comes back intact', async () => {
            const res = await http(srv, 'GET', `/api/sessions/${id}/transcript.md`);
            assert.equal(res.status, 200);
            assert.match(res.headers.get('content-type'), /^text\/markdown/);
            const md = res.text;
            // Rendered as CommonMark (Debian's cmark, raw HTML let through): nothing a participant
            // wrote became markup, and the text reads back as typed.
            const html = execFileSync('cmark', ['--unsafe'], { input: md }).toString();
            assert.ok(!/<script|<b>|href="javascript|<code>|<em>bold|<em>under|<h[1-6]>[^<]*not a heading/.test(html), `no live markup:\n${html}`);
            const text = html.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
            for (const t of [`A1 ${MARKDOWN}`, FORMULA, `A0 ${RTL}`, `A0 ${SCRIPT}`, 'Lessons', `Homework ${SCRIPT}?`]) {
                assert.ok(text.includes(t), `intact: ${t}`);
            }
            // Only what Markdown needs is escaped: the document reads cleanly as text.
            assert.match(md, /^## Q1\. How do you start a lesson\?$/m);
            assert.match(md, /^- \*\*Alice\*\* @alice · \[19:05\]\(http:\/\/127\.0\.0\.1:\d+\/archive\/[^#]+#p\d+\) · 2 likes: A1 I start/m);
            assert.match(md, /^  - \*\*/m, 'a reply is a nested list item');
            assert.match(md, /^    - \*\*-Carol\*\*/m, 'a reply to a reply is nested deeper');
            assert.ok(!md.includes('zanzibarpills') && !md.includes('narwhal'));
        });

        await step('transcript.csv: one row per post, formulas neutralised, text intact', async () => {
            const res = await http(srv, 'GET', `/api/sessions/${id}/transcript.csv`);
            assert.equal(res.status, 200);
            assert.match(res.headers.get('content-disposition'), /attachment; filename="hashchat-.+\.csv"/);
            // The raw bytes: fetch's text() would drop the byte order mark.
            const raw = Buffer.from(await (await fetch(`${srv.base}/api/sessions/${id}/transcript.csv`)).arrayBuffer());
            const rows = pyCsv(raw);
            const posts = bySeq(json);
            assert.deepEqual(rows.map((r) => Number(r.seq)), [...posts.keys()].sort((a, b) => a - b));
            for (const r of rows) {
                const p = posts.get(Number(r.seq));
                const want = /^[=+\-@\t\r]/.test(p.text) ? `'${p.text}` : p.text;
                assert.equal(r.text, want, `row ${r.seq}`);
                assert.equal(r.permalink, p.permalink);
                assert.equal(Number(r.likes), p.likes);
            }
            const formula = rows.find((r) => Number(r.seq) === s.replyToReply);
            assert.equal(formula.text, `'${FORMULA}`);
            assert.equal(formula.kind, 'reply');
            assert.equal(formula.name, "'-Carol", 'a name that starts a formula is neutralised too');
            assert.equal(rows.find((r) => Number(r.seq) === s.late).question, '1');
            assert.equal(rows.find((r) => Number(r.seq) === s.introB).kind, 'introduction');
            assert.equal(rows.find((r) => Number(r.seq) === s.a1).local_time, '2026-11-26 19:05');
        });

        await step('activity.svg is an image with a bar per busy minute', async () => {
            const res = await http(srv, 'GET', `/api/sessions/${id}/activity.svg`);
            assert.equal(res.status, 200);
            assert.match(res.headers.get('content-type'), /^image\/svg\+xml/);
            const svg = pyRead('svg', res.text);
            assert.equal(svg.root, '{http://www.w3.org/2000/svg}svg');
            assert.equal(svg.bars, json.stats.activity.posts.filter((n) => n > 0).length);
        });

        let other;
        await step('the Atom feed lists ended chats, per hashtag too', async () => {
            other = await createSession(srv, { hashtag: '#OtherTag', title: 'Not ended', start: '2026-11-26T20:00', questions: ['Q?'] });
            const res = await http(srv, 'GET', '/feed.atom');
            assert.equal(res.status, 200);
            assert.match(res.headers.get('content-type'), /^application\/atom\+xml/);
            const feed = pyRead('atom', res.text);
            assert.deepEqual(feed.problems, []);
            assert.equal(feed.entries.length, 1, 'only the ended chat');
            const e = feed.entries[0];
            assert.equal(e.title, `#ArchTest: Lessons ${SCRIPT}`);
            assert.match(e.id, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
            assert.equal(e.updated, '2026-11-26T19:34:00Z');
            assert.equal(e.published, '2026-11-26T19:00:00Z');
            assert.ok(e.links.some((l) => l.rel === 'alternate' && l.href === `${base}/archive/${id}`));
            assert.ok(e.summary.includes(`Bring ideas ${SCRIPT}`) && e.summary.includes('5 participants, 11 posts.'));
            assert.deepEqual(e.categories, ['#ArchTest']);
            const same = pyRead('atom', (await http(srv, 'GET', '/feed.atom')).text);
            assert.equal(same.entries[0].id, e.id, 'entry ids are stable');
            const tagged = pyRead('atom', (await http(srv, 'GET', '/feed.atom?hashtag=archtest')).text);
            assert.deepEqual(tagged.problems, []);
            assert.equal(tagged.entries.length, 1);
            assert.notEqual(tagged.id, feed.id);
            assert.ok(tagged.links.some((l) => l.rel === 'self' && l.href.endsWith('/feed.atom?hashtag=archtest')));
            const none = pyRead('atom', (await http(srv, 'GET', '/feed.atom?hashtag=othertag')).text);
            assert.deepEqual(none.problems, []);
            assert.equal(none.entries.length, 0);
        });

        await step('the archive list filters by hashtag and state', async () => {
            let res = await http(srv, 'GET', '/api/archive');
            assert.equal(res.status, 200);
            assert.deepEqual(res.json.sessions.map((x) => x.id).sort(), [id, other.id].sort());
            assert.deepEqual(res.json.hashtags, [{ hashtag: '#archtest', sessions: 1 }, { hashtag: '#othertag', sessions: 1 }]);
            res = await http(srv, 'GET', '/api/archive?hashtag=%23ArchTest&state=ended');
            assert.equal(res.json.total, 1);
            const row = res.json.sessions[0];
            assert.equal(row.id, id);
            assert.equal(row.posts, 11);
            assert.equal(row.participants, 5);
            assert.equal(row.ended_at, '2026-11-26T19:34:00.000Z');
            res = await http(srv, 'GET', '/api/archive?from=2026-11-27');
            assert.equal(res.json.total, 0);
            for (const q of ['state=done', 'from=yesterday', 'limit=-1', 'limit=100000', 'hashtag=%zz']) {
                res = await http(srv, 'GET', `/api/archive?${q}`);
                assert.equal(res.status, 400, q);
                assert.equal(res.json.error, 'bad_request', q);
            }
        });

        const search = async (q, extra = '') => {
            const res = await http(srv, 'GET', `/api/search?q=${encodeURIComponent(q)}${extra}`);
            assert.notEqual(res.status, 500, `search ${JSON.stringify(q)}`);
            return res;
        };
        await step('search finds posts, ranks, highlights, and follows edits, hides and deletes', async () => {
            let res = await search('hook');
            assert.equal(res.status, 200, res.text);
            assert.equal(res.json.matched, 1);
            const hit = res.json.results[0];
            assert.equal(hit.seq, s.a1);
            assert.equal(hit.permalink, `/archive/${id}#p${s.a1}`);
            assert.equal(hit.session.hashtag, '#ArchTest');
            assert.deepEqual(hit.snippet.filter((x) => x.match).map((x) => x.text), ['hook']);
            assert.equal(hit.snippet.map((x) => x.text).join(''), 'A1 I start with a hook question https://example.org/hooks?a=1&b=2.');
            assert.deepEqual((await search('wombat')).json.results.map((r) => r.seq), [s.typo], 'the edit is searchable');
            assert.equal((await search('quokka')).json.matched, 0, 'the text before the edit is gone');
            assert.equal((await search('zanzibarpills')).json.matched, 0, 'the hidden post is not found');
            assert.equal((await search('narwhal')).json.matched, 0, 'the deleted post is not found');
            assert.deepEqual((await search('"hook question"')).json.results.map((r) => r.seq), [s.a1], 'phrase');
            assert.deepEqual((await search('wom*')).json.results.map((r) => r.seq), [s.typo], 'prefix');
            assert.deepEqual((await search('HOMEWORK')).json.results.map((r) => r.seq), [s.a2], 'case-insensitive');
            assert.deepEqual((await search('emigre')).json.results.map((r) => r.seq), [s.introB], 'diacritics folded');
            assert.deepEqual((await search('hook OR wombat')).json.results.map((r) => r.seq).sort(), [s.a1, s.typo].sort());
            assert.deepEqual((await search('A1 -hook -wombat -cold')).json.results.map((r) => r.seq).sort(), [s.c1].sort());
            assert.equal((await search('hook', '&hashtag=othertag')).json.matched, 0, 'hashtag filter');
            assert.equal((await search('hook', '&hashtag=%23archtest')).json.matched, 1);
            // Unhiding puts the post back in the index.
            await host.ok({ type: 'moderate', action: 'unhide', seq: s.spam });
            assert.deepEqual((await search('zanzibarpills')).json.results.map((r) => r.seq), [s.spam]);
            await host.ok({ type: 'moderate', action: 'hide', seq: s.spam });
            assert.equal((await search('zanzibarpills')).json.matched, 0);
        });

        await step('any query gets results or a clear 400, never a 500', async () => {
            const hostile = ['"unbalanced', 'AND OR NOT', '*', '(', ')', 'NEAR(a b', 'text:hook', 'hook^', '"" ""', "'; DROP TABLE posts; --",
                '-', '--hook', 'OR', 'hook OR', '{text}: x', '\u202e\u0635', '🙂', 'a'.repeat(299), '* * *', 'x*'.repeat(20), '%', '"hook" AND "question"'];
            for (const q of hostile) {
                const res = await search(q);
                assert.ok([200, 400].includes(res.status), `${JSON.stringify(q)}: ${res.status}`);
                if (res.status === 400) {
                    assert.equal(res.json.error, 'bad_request');
                    assert.ok(res.json.message.length > 10, 'a sentence');
                } else {
                    assert.ok(Array.isArray(res.json.results));
                }
            }
            for (const q of ['', '   ', '!!!', '-hook', 'a'.repeat(301), 'w '.repeat(17)]) {
                const res = await search(q);
                assert.equal(res.status, 400, JSON.stringify(q));
                assert.equal(res.json.error, 'bad_request');
            }
            assert.equal((await http(srv, 'GET', '/api/search')).status, 400);
            assert.equal((await http(srv, 'GET', '/api/search?q=%ZZ')).status, 400);
            assert.equal((await http(srv, 'GET', '/api/search?q=%C3%28')).status, 400, 'invalid UTF-8');
            assert.equal((await http(srv, 'GET', '/api/search?q=hook&limit=abc')).status, 400);
            assert.equal((await http(srv, 'POST', '/api/search?q=hook', {})).status, 405);
        });

        await step('an unchanged transcript answers 304 to its ETag', async () => {
            const res = await http(srv, 'GET', `/api/sessions/${id}/transcript.json`);
            const etag = res.headers.get('etag');
            assert.ok(etag);
            const again = await http(srv, 'GET', `/api/sessions/${id}/transcript.json`, undefined, { 'if-none-match': etag });
            assert.equal(again.status, 304);
            assert.equal((await http(srv, 'GET', '/api/sessions/nope/transcript.json')).status, 404);
            assert.equal((await http(srv, 'GET', `/api/sessions/${other.id}/activity.svg`)).status, 404, 'not begun');
        });

        await step('after a restart the transcript and the search index are the same', async () => {
            const before = (await http(srv, 'GET', `/api/sessions/${id}/transcript.json`)).json;
            for (const c of clients) c.terminate();
            clients.length = 0;
            const dataDir = srv.dataDir;
            await stopServer(srv);
            srv = await startServer({ dataDir, clock: '2026-11-26T21:00:00Z' });
            const after = (await http(srv, 'GET', `/api/sessions/${id}/transcript.json`)).json;
            delete before.generated_at;
            delete after.generated_at;
            const port = (d) => JSON.parse(JSON.stringify(d).replaceAll(/127\.0\.0\.1:\d+/g, 'HOST'));
            assert.deepEqual(port(after), port(before));
            assert.deepEqual((await search('wombat')).json.results.map((r) => r.seq), [s.typo]);
            assert.equal((await search('zanzibarpills')).json.matched, 0);
        });
    } finally {
        for (const c of clients) c.terminate();
        await stopServer(srv);
    }
});

test('a series counts first-timers against its earlier sessions', { timeout: 120_000 }, async () => {
    const srv = await startServer({ clock: '2026-11-20T12:00:00Z' });
    const clients = [];
    try {
        const res = await http(srv, 'POST', '/api/series', {
            hashtag: '#seriestest', title: 'Weekly', timezone: 'UTC', weekday: 'thursday', time: '19:00',
            first_date: '2026-11-26', count: 2, intro_minutes: 5, round_minutes: 8, wrapup_minutes: 5,
        });
        assert.equal(res.status, 201, res.text);
        const [first, second] = res.json.sessions.map((x) => x.id);
        const talk = async (sessionId, handles) => {
            for (const h of handles) {
                const c = await join(srv, sessionId, h, h.toUpperCase());
                clients.push(c);
                await c.post(`A0 hello from ${h}`);
            }
        };
        await advanceTo(srv, '2026-11-26T19:00:00Z');
        await talk(first, ['ann', 'ben']);
        await advanceTo(srv, '2026-12-03T19:00:00Z');
        await talk(second, ['Ben', 'cat']);
        const one = (await http(srv, 'GET', `/api/sessions/${first}/transcript.json`)).json;
        const two = (await http(srv, 'GET', `/api/sessions/${second}/transcript.json`)).json;
        assert.deepEqual(one.stats.first_timers, ['ann', 'ben'], 'everyone is new in the first session');
        assert.deepEqual(two.stats.first_timers, ['cat'], 'Ben came before (handles ignore case)');
        assert.equal(two.session.series, one.session.series);
        const listed = await http(srv, 'GET', `/api/archive?series=${one.session.series}`);
        assert.equal(listed.json.total, 2);
        assert.deepEqual(listed.json.series.map((x) => x.title), ['Weekly']);
    } finally {
        for (const c of clients) c.terminate();
        await stopServer(srv);
    }
});
