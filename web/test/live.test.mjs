// The lock banner, live updates over the event stream, the 412 flow, resuming after the
// server restarts, and reading again when it restarts without the events the page saw.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kAdminToken, startApp, text, waitInPage, waitInTest } from './harness.mjs';

const kLiveBudgetMs = 1000;

async function openDoc(page, name) {
  await page.waitForSelector(`li.file[data-file="${name}"] a`);
  await page.click(`li.file[data-file="${name}"] a`);
  await page.waitForSelector('.editor-ready');
}

async function typeAtEnd(page, words) {
  await page.click('pierce/.cm-content');
  await page.keyboard.down('Control');
  await page.keyboard.press('End');
  await page.keyboard.up('Control');
  await page.keyboard.type(words);
}

describe('locks and live updates', () => {
  let app;
  before(async () => { app = await startApp(); });
  after(async () => { await app?.close(); });

  it('shows a lock taken through the API within a second, with holder, reason and countdown, and its release', async () => {
    const project = await app.server.project('live-lock');
    const page = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await page.waitForSelector('.lock-banner.unlocked .live-status.live');

    const grant = await app.server.ok('POST', `/api/projects/${project.id}/lock`,
      { body: { lockedBy: 'Dana', reason: 'rewriting the rules', ttlSeconds: 600 } });
    const shown = await waitInPage(page, () => document.querySelector('.lock-banner.locked'));
    assert.ok(shown < kLiveBudgetMs, `lock shown after ${shown} ms`);
    assert.equal(await text(page, '.lock-holder-name'), 'Dana');
    assert.equal(await text(page, '.lock-reason'), 'rewriting the rules');
    const first = await text(page, '.lock-countdown');
    assert.match(first, /^(9|10)m \d\ds$/);
    await waitInPage(page, (was) => document.querySelector('.lock-countdown').textContent !== was, first, 2500);
    assert.ok(await page.$('.lock-force'), 'an admin who does not hold the lock may force it');
    assert.equal(await page.$('.lock-holder'), null, 'but not extend or release it');

    await app.server.ok('DELETE', `/api/projects/${project.id}/lock`, { headers: { 'X-Lock-Token': grant.token } });
    const gone = await waitInPage(page, () => document.querySelector('.lock-banner.unlocked'));
    assert.ok(gone < kLiveBudgetMs, `release shown after ${gone} ms`);
    await page.browserContext().close();
  });

  it('acquires, extends and releases from the page, which alone keeps the token', async () => {
    const project = await app.server.project('page-lock');
    await app.server.putDoc(project.id, 'a.md', 'text');
    const key = await app.server.key(project.id, 'write');
    const holder = await app.page(key);
    const other = await app.page(key);
    await holder.waitForSelector('.lock-acquire');
    await holder.$eval('input[name="lockedBy"]', (el) => { el.value = ''; });
    await holder.type('input[name="lockedBy"]', 'Sam');
    await holder.type('input[name="reason"]', 'release notes');
    await holder.click('.lock-acquire button');
    await holder.waitForSelector('.lock-banner.mine');
    const lock = await app.server.ok('GET', `/api/projects/${project.id}/lock`);
    assert.equal(lock.lockedBy, 'Sam');
    assert.equal(lock.reason, 'release notes');

    // The other page sees the holder, cannot edit, and is told why.
    await other.waitForSelector('.lock-banner.locked:not(.mine)');
    await openDoc(other, 'a.md');
    assert.match(await text(other, '.editor-status'), /locked by Sam \(release notes\)/);
    assert.equal(await other.$eval('pierce/.cm-content', (el) => el.getAttribute('contenteditable')), 'false');

    // The holder edits under the lock (its saves carry the token).
    await openDoc(holder, 'a.md');
    await typeAtEnd(holder, ' more');
    await holder.click('button.save');
    await waitInPage(holder, () => document.querySelector('.editor-status').textContent === 'Version 2');

    const before = (await app.server.ok('GET', `/api/projects/${project.id}/lock`)).expiresAt;
    await holder.$eval('#extend-minutes', (el) => { el.value = '90'; });
    await holder.click('.lock-holder button[type="submit"]');
    await waitInPage(holder, () => /^1h /.test(document.querySelector('.lock-countdown').textContent));
    assert.ok((await app.server.ok('GET', `/api/projects/${project.id}/lock`)).expiresAt > before);

    await holder.click('.lock-holder .release');
    await holder.waitForSelector('.lock-banner.unlocked');
    await other.waitForSelector('.lock-banner.unlocked');
    assert.equal(await app.server.ok('GET', `/api/projects/${project.id}/lock`), null);
    // Unlocked, the other page may edit again, and knows the holder's save is newer.
    await waitInPage(other, () => !document.querySelector('.remote-banner').hidden);
    assert.equal(await other.$eval('pierce/.cm-content', (el) => el.getAttribute('contenteditable')), 'true');
    await holder.browserContext().close();
    await other.browserContext().close();
  });

  it('lets an admin force a release with a required reason', async () => {
    const project = await app.server.project('force');
    const key = await app.server.key(project.id, 'write');
    const holder = await app.page(key);
    await holder.waitForSelector('.lock-acquire');
    await holder.click('.lock-acquire button');
    await holder.waitForSelector('.lock-banner.mine');

    const admin = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await admin.waitForSelector('.lock-force');
    await admin.click('.lock-force button');
    assert.ok(await app.server.ok('GET', `/api/projects/${project.id}/lock`), 'no release without a reason');
    await admin.type('input[name="force-reason"]', 'holder is on leave');
    await admin.click('.lock-force button');
    await admin.waitForSelector('.lock-banner.unlocked');
    await holder.waitForSelector('.lock-banner.unlocked');
    assert.equal(await app.server.ok('GET', `/api/projects/${project.id}/lock`), null);
    await holder.browserContext().close();
    await admin.browserContext().close();
  });

  it('on 412 shows the newer text as a diff and lets the lead keep theirs, take the other, or merge', async () => {
    const project = await app.server.project('conflict');
    await app.server.putDoc(project.id, 'doc.md', 'line one\n');
    const a = await app.page(kAdminToken, `/#/projects/${project.id}`);
    const b = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await openDoc(a, 'doc.md');
    await openDoc(b, 'doc.md');

    await typeAtEnd(a, 'from A');
    await a.click('button.save');
    await waitInPage(a, () => document.querySelector('.editor-status').textContent === 'Version 2');

    // B saved on an old version: nothing is written, the diff is shown.
    await typeAtEnd(b, 'from B');
    await b.keyboard.down('Control');
    await b.keyboard.press('s');
    await b.keyboard.up('Control');
    await b.waitForSelector('.conflict .diff-line.added');
    assert.equal((await app.server.ok('GET', `/api/projects/${project.id}/docs/doc.md`)).content, 'line one\nfrom A');
    const diff = await b.$$eval('.conflict .diff-line', (rows) => rows.map((r) => r.textContent));
    assert.ok(diff.includes('- from A'), diff.join('|'));
    assert.ok(diff.includes('+ from B'), diff.join('|'));

    // Take theirs: the editor holds A's text, nothing was written.
    await b.click('.take-theirs');
    await waitInPage(b, () => !document.querySelector('.conflict'));
    assert.equal(await b.$eval('pierce/.cm-content', (el) => el.innerText.trim()), 'line one\nfrom A');

    // Keep mine: B's text is written on top of A's version.
    await typeAtEnd(a, ' again');
    await a.click('button.save');
    await waitInPage(a, () => document.querySelector('.editor-status').textContent === 'Version 3');
    await typeAtEnd(b, ' B wins');
    await b.click('button.save');
    await b.waitForSelector('.keep-mine');
    await b.click('.keep-mine');
    await waitInPage(b, () => document.querySelector('.editor-status').textContent === 'Version 4');
    assert.equal((await app.server.ok('GET', `/api/projects/${project.id}/docs/doc.md`)).content, 'line one\nfrom A B wins');

    // Merge by hand: their text in view, the next save goes on top of their version.
    await waitInPage(a, () => !document.querySelector('.remote-banner').hidden);
    await a.click('.load-remote');
    await typeAtEnd(a, ' A2');
    await a.click('button.save');
    await waitInPage(a, () => document.querySelector('.editor-status').textContent === 'Version 5');
    await typeAtEnd(b, ' B2');
    await b.click('button.save');
    await b.waitForSelector('.merge-by-hand');
    await b.click('.merge-by-hand');
    await b.waitForSelector('.theirs-text:not([hidden])');
    assert.equal(await text(b, '.theirs-text'), 'line one\nfrom A B wins A2');
    await b.click('button.save');
    await waitInPage(b, () => document.querySelector('.editor-status').textContent === 'Version 6');
    await a.browserContext().close();
    await b.browserContext().close();
  });

  it('tells the editor when its doc changes on the server, and offers the diff', async () => {
    const project = await app.server.project('remote-change');
    await app.server.putDoc(project.id, 'doc.md', 'first\n');
    const page = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await openDoc(page, 'doc.md');
    await app.server.putDoc(project.id, 'doc.md', 'first\nsecond\n');
    const shown = await waitInPage(page, () => !document.querySelector('.remote-banner').hidden);
    assert.ok(shown < kLiveBudgetMs, `banner after ${shown} ms`);
    await page.click('.show-remote-diff');
    await page.waitForSelector('.remote-banner .diff-line.added');
    assert.equal(await text(page, '.remote-banner .diff-line.added'), '+ second');
    await page.click('.load-remote');
    await waitInPage(page, () => document.querySelector('.editor-status').textContent === 'Version 2');
    await page.browserContext().close();
  });

  it('asks before leaving a doc with unsaved changes', async () => {
    const project = await app.server.project('leave');
    await app.server.putDoc(project.id, 'a.md', 'a');
    await app.server.putDoc(project.id, 'b.md', 'b');
    const page = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await openDoc(page, 'a.md');
    await typeAtEnd(page, ' changed');
    const dialogs = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.click('li.file[data-file="b.md"] a');
    // The question comes on the hashchange, after the click returns.
    await waitInTest(() => dialogs.length);
    assert.deepEqual(dialogs, ['Leave without saving your changes?']);
    await waitInPage(page, () => location.hash.endsWith('/a.md'));
    assert.equal(await text(page, '.doc-name'), 'a.md');
    await page.browserContext().close();
  });

  it('resumes the event stream after the server restarts', async () => {
    const project = await app.server.project('restart');
    const page = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await page.waitForSelector('.live-status.live');
    await app.server.restart();
    await page.waitForSelector('.live-status.live', { timeout: 10000 });
    await app.server.ok('POST', `/api/projects/${project.id}/lock`, { body: { lockedBy: 'after-restart', ttlSeconds: 60 } });
    const shown = await waitInPage(page, () => document.querySelector('.lock-banner.locked'));
    assert.ok(shown < kLiveBudgetMs, `lock shown after ${shown} ms`);
    assert.equal(await text(page, '.lock-holder-name'), 'after-restart');
    await page.browserContext().close();
  });
  it('reads the open doc again when the server comes back without the events the page saw', async () => {
    const project = await app.server.project('restored');
    const docPath = `/api/projects/${project.id}/docs/doc.md`;
    await app.server.putDoc(project.id, 'doc.md', 'as backed up\n');
    await app.server.putDoc(project.id, 'gone.md', 'backed up too\n');
    const snapshot = join(app.server.dataDir, 'snapshot.db');
    const aitk = (...args) => execFileSync(process.env.AITK_SERVER, [...args, '--data-dir', join(app.server.dataDir, 'data')],
      { env: { ...process.env, AITK_ADMIN_TOKEN: kAdminToken }, stdio: 'pipe' });
    aitk('backup', snapshot);
    await app.server.putDoc(project.id, 'doc.md', 'as backed up\nthen edited\n');
    await app.server.ok('DELETE', `/api/projects/${project.id}/docs/gone.md`);

    const page = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await openDoc(page, 'doc.md');
    // An event after the page opened, so it follows from a seq the snapshot never reached.
    await app.server.putDoc(project.id, 'later.md', 'after the snapshot\n');
    await page.waitForSelector('li.file[data-file="later.md"]');
    assert.ok(await page.$eval('.remote-banner', (el) => el.hidden));

    // Restored, the server's log ends before that seq: the page is told to start again at
    // the head (close code 4410), and no event says that doc.md went back to version 1.
    await app.server.stop();
    aitk('restore', snapshot);
    await app.server.start();
    assert.equal((await app.server.ok('GET', docPath)).version, 1);
    const shown = await waitInPage(page, () => !document.querySelector('.remote-banner').hidden, undefined, 10000);
    assert.ok(shown < 10000);
    await page.click('.show-remote-diff');
    await page.waitForSelector('.remote-banner .diff-line.removed');
    assert.equal(await text(page, '.remote-banner .diff-line.removed'), '- then edited');
    // The doc list was read again too: the restored doc is back, the later one gone.
    await page.waitForSelector('li.file[data-file="gone.md"]');
    assert.equal(await page.$('li.file[data-file="later.md"]'), null);
    await page.click('.load-remote');
    await waitInPage(page, () => document.querySelector('.editor-status').textContent === 'Version 1');
    await page.browserContext().close();
  });
});
