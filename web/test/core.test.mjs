// Sign-in with each kind of secret, projects, the docs tree, the editor and saving.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kAdminToken, startApp, text, waitInPage } from './harness.mjs';

describe('sign-in, projects, docs and the editor', () => {
  let app;
  before(async () => { app = await startApp(); });
  after(async () => { await app?.close(); });

  it('signs in with the admin token, keeps it out of URLs, and forgets it on sign-out', async () => {
    const page = await app.page(kAdminToken);
    await page.waitForSelector('.projects-view');
    assert.deepEqual(page.notFound, [], 'the app asks for nothing it does not have (no /favicon.ico)');
    assert.ok(!page.url().includes(kAdminToken));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('libsync.secret')), kAdminToken);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    await page.click('.sign-out');
    await page.waitForSelector('#secret');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.reload();
    await page.waitForSelector('#secret');
    await page.browserContext().close();
  });

  it('refuses a wrong secret with a message and stays on the sign-in form', async () => {
    const page = await app.page(null);
    await page.type('#secret', 'not-the-token');
    await page.keyboard.press('Enter');
    await waitInPage(page, () => document.querySelector('.form-error').textContent.includes('Not accepted'));
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.browserContext().close();
  });

  it('creates a project and a doc, edits it and saves with Ctrl+S', async () => {
    const page = await app.page(kAdminToken);
    await page.waitForSelector('.projects-view');
    await page.click('.projects-view button.primary');
    await page.type('#project-name', 'handbook');
    await page.type('#project-repoUrl', 'https://example.com/handbook.git');
    await page.type('#project-token', 'ghp_secret_token');
    await page.keyboard.press('Enter');
    await page.waitForSelector('a.project-name');
    const projects = await app.server.ok('GET', '/api/projects');
    const project = projects.find((p) => p.name === 'handbook');
    assert.equal(project.hasToken, true);
    assert.ok(!(await page.content()).includes('ghp_secret_token'), 'the git token is never shown');
    assert.equal(await text(page, `tr[data-project="${project.id}"] .docs-count`), '0');

    // The editor chunk is not loaded until a doc is opened.
    const editorLoaded = () => performance.getEntriesByType('resource').some((e) => /\/codemirror-/.test(e.name));
    await page.click('a.project-name');
    await page.waitForSelector('.doc-side');
    assert.equal(await page.evaluate(editorLoaded), false);

    await page.type('input[name="new-doc"]', 'guides/style.md');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.editor-ready');
    assert.equal(await page.evaluate(editorLoaded), true);
    assert.equal(await text(page, 'li.file.open a'), 'style.md');
    assert.equal(await text(page, '.folder-name'), 'guides');

    await page.click('pierce/.cm-content');
    await page.keyboard.type('# Style\n\nUse short sentences.');
    await page.keyboard.down('Control');
    await page.keyboard.press('s');
    await page.keyboard.up('Control');
    await waitInPage(page, () => document.querySelector('.editor-status').textContent === 'Version 2');
    const doc = await app.server.ok('GET', `/api/projects/${project.id}/docs/guides%2Fstyle.md`);
    assert.equal(doc.content, '# Style\n\nUse short sentences.');
    await page.waitForSelector('.preview h1');
    assert.equal(await text(page, '.preview h1'), 'Style');
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), undefined);
    assert.deepEqual(page.errors, []);
    await page.browserContext().close();
  });

  it('a write key edits its own project and saves with Cmd+S', async () => {
    const project = await app.server.project('write-key-project');
    await app.server.putDoc(project.id, 'CLAUDE.md', 'rules');
    const key = await app.server.key(project.id, 'write');
    const page = await app.page(key);
    await page.waitForSelector('li.file a');
    assert.ok(page.url().includes(project.id), 'a key lands on its project');
    assert.equal(await page.$('.tab[href$="/keys"]'), null, 'keys are the admin\'s');
    await page.click('li.file a');
    await page.waitForSelector('.editor-ready');
    await page.click('pierce/.cm-content');
    await page.keyboard.press('End');
    await page.keyboard.type(' and more');
    await page.keyboard.down('Meta'); // Cmd+S saves too
    await page.keyboard.press('s');
    await page.keyboard.up('Meta');
    await waitInPage(page, () => document.querySelector('.editor-status').textContent === 'Version 2');
    const doc = await app.server.ok('GET', `/api/projects/${project.id}/docs/CLAUDE.md`);
    assert.equal(doc.content, 'rules and more');
    await page.browserContext().close();
  });

  it('a read key sees its project read-only, and the server refuses its writes anyway', async () => {
    const project = await app.server.project('read-key-project');
    await app.server.putDoc(project.id, 'CLAUDE.md', 'rules');
    const key = await app.server.key(project.id, 'read');
    const page = await app.page(key);
    await page.waitForSelector('li.file a');
    assert.equal(await page.$('.lock-acquire'), null, 'no acquire form');
    assert.equal(await page.$eval('input[name="new-doc"]', (el) => el.disabled), true);
    assert.equal(await page.$eval('.delete-doc', (el) => el.disabled), true);
    await page.click('li.file a');
    await page.waitForSelector('.editor-ready');
    assert.equal(await page.$eval('pierce/.cm-content', (el) => el.getAttribute('contenteditable')), 'false');
    assert.equal(await page.$eval('button.save', (el) => el.disabled), true);
    assert.match(await text(page, '.editor-status'), /read scope/);
    // The page's own credentials cannot write either.
    const status = await page.evaluate(async (id) => {
      const r = await fetch(`/api/projects/${id}/docs/CLAUDE.md`, {
        method: 'PUT', headers: { 'X-API-Key': sessionStorage.getItem('libsync.secret'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ content: 'changed' }),
      });
      return r.status;
    }, project.id);
    assert.equal(status, 403);
    assert.equal((await app.server.ok('GET', `/api/projects/${project.id}/docs/CLAUDE.md`)).content, 'rules');
    await page.browserContext().close();
  });
});
