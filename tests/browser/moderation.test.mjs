// Moderation in the browser: hide/unhide, pin, mute and ban from the moderator page, as a
// participant sees them; and the owner's co-moderator keys.
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, postLocator, send, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-moderation-');
const { createSession, moderatorSocket, newPage, joinAs, wsClient } = suite;

async function openModerator(page, url, handle = 'console') {
  await page.goto(suite.base + url);
  await page.waitForFunction(() => location.hash === '');
  await page.getByTestId('handle').fill(handle);
  await page.getByTestId('join').click();
  await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
}

describe('moderation in the browser', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('hide, pin, mute and ban as a participant sees them', async () => {
    const s = await createSession({ title: 'Moderated' });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    await mod.request({ type: 'control', action: 'next' }); // Q1
    const moderator = await newPage();
    const troll = await newPage();
    const dialogs = [];
    moderator.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    const other = await wsClient({ type: 'hello', session: s.id, handle: 'kind', name: 'Kind K' });
    try {
      await openModerator(moderator, s.urls.moderate);
      await joinAs(troll, s.urls.join, 'troll', 'Troll T');
      await other.request({ type: 'post', cid: 'k1', text: 'A first good answer.' });
      await other.request({ type: 'post', cid: 'k2', text: 'A great answer.' });
      await send(troll, 'Buy cheap stuff!');
      await postLocator(troll, 'Buy cheap stuff!').waitFor(WAIT);
      await postLocator(troll, 'A great answer.').waitFor(WAIT);

      // Hide: gone for the participant, greyed with "hidden" and Unhide for the moderator.
      const spam = postLocator(moderator, 'Buy cheap stuff!');
      await spam.getByTestId('hide').click();
      await postLocator(troll, 'Buy cheap stuff!').waitFor({ state: 'hidden', ...WAIT });
      await spam.getByTestId('hidden-badge').waitFor(WAIT);
      await spam.getByTestId('unhide').click();
      await postLocator(troll, 'Buy cheap stuff!').waitFor(WAIT);
      await spam.getByTestId('hide').click();
      await postLocator(troll, 'Buy cheap stuff!').waitFor({ state: 'hidden', ...WAIT });

      // Pin: marked, and first in its question on the moderator page (by question).
      const great = postLocator(moderator, 'A great answer.');
      await great.getByTestId('pin').click();
      await postLocator(troll, 'A great answer.').getByTestId('pinned-badge').waitFor(WAIT);
      await great.getByTestId('unpin').waitFor(WAIT);
      const q1 = moderator.locator('section[data-round="1"] .section-body > article');
      assert.equal(await q1.first().getAttribute('data-pinned'), 'true');
      assert.match(await q1.first().textContent(), /A great answer\./);

      // Mute: the participant reads on, the composer is off and says so.
      await spam.getByTestId('mute').click();
      await troll.getByTestId('composer-notice').filter({ hasText: 'You are muted' }).waitFor(WAIT);
      assert.equal(await troll.getByTestId('send').isDisabled(), true);
      await spam.getByTestId('unmute').click();
      await troll.getByTestId('composer-notice').waitFor({ state: 'hidden', ...WAIT });
      assert.equal(await troll.getByTestId('send').isDisabled(), false);

      // Ban: asks first; the network-address option is there, off by default.
      await spam.getByTestId('ban').click();
      const dialog = moderator.getByTestId('ban-dialog');
      await dialog.waitFor(WAIT);
      assert.match(await dialog.textContent(), /also ban their network address \(everyone on the same Wi-Fi, e\.g\. the whole pub or school, will be blocked\)/i);
      assert.equal(await dialog.getByTestId('ban-address').isChecked(), false);
      await dialog.getByTestId('ban-confirm').click();
      await troll.getByTestId('banned').filter({ hasText: 'banned' }).waitFor(WAIT);
      assert.equal(await troll.locator('[data-testid=composer]').count(), 0);
      await moderator.locator('[data-testid=mod-entry][data-kind=ban]').waitFor({ state: 'attached', ...WAIT });
      assert.deepEqual(dialogs, []);

      // Joining again under the handle: refused (banned), said once, no reconnect loop.
      const sockets = [];
      troll.on('websocket', (ws) => sockets.push(ws));
      await troll.reload();
      await troll.getByTestId('handle').fill('troll');
      await troll.getByTestId('name').fill('Troll T');
      await troll.getByTestId('join').click();
      await troll.getByTestId('banned').filter({ hasText: 'banned' }).waitFor(WAIT);
      assert.equal(sockets.length, 1);
      await sockets[0].waitForEvent('close', WAIT).catch(() => {});
      assert.equal(sockets.length, 1);
    } finally {
      other.close();
      mod.close();
      await moderator.context().close();
      await troll.context().close();
    }
  });

  test('the owner makes, lists and revokes co-moderator keys; a co-moderator may not', async () => {
    const s = await createSession({ title: 'Keys' });
    const owner = await newPage();
    const co = await newPage();
    owner.on('dialog', (d) => d.accept());
    try {
      await openModerator(owner, s.urls.moderate, 'host');
      const panel = owner.getByTestId('keys-panel');
      await panel.locator('summary').click();
      await panel.getByTestId('key-row').first().waitFor(WAIT);
      await panel.getByTestId('key-label').fill('Sam (co-host)');
      await panel.getByTestId('key-create').click();
      const link = panel.getByTestId('new-key-link');
      await link.waitFor(WAIT);
      const url = await link.getAttribute('href');
      assert.match(url, /\/moderate#key=/);
      await panel.getByTestId('key-row').filter({ hasText: 'Sam (co-host)' }).waitFor(WAIT);

      // The co-moderator's page: a moderator, but the keys are not theirs to manage (403).
      await openModerator(co, new URL(url).pathname + new URL(url).hash, 'sam');
      const coPanel = co.getByTestId('keys-panel');
      await coPanel.locator('summary').click();
      await coPanel.getByTestId('keys-error').filter({ hasText: /owner/ }).waitFor(WAIT);

      // Revoke: the co-moderator is closed (1008) and sent back to the key form.
      await panel.getByTestId('key-row').filter({ hasText: 'Sam (co-host)' }).getByTestId('key-revoke').click();
      await panel.getByTestId('key-row').filter({ hasText: 'Sam (co-host)' }).filter({ hasText: 'revoked' }).waitFor(WAIT);
      await co.getByTestId('join-form').waitFor(WAIT);
      await co.getByTestId('key').waitFor(WAIT);
    } finally {
      await owner.context().close();
      await co.context().close();
    }
  });
});
