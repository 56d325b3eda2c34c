// Settling repository conflicts in the page: each choice's save carries `resolves`, the
// server drops the conflict, the next import raises nothing and the next export pushes the
// text saved; a resolve that went stale is explained and loses nothing from the editor.
// Real conflicts: a local bare repository changed through the git CLI and the doc changed
// here, then imported again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kAdminToken, startApp, text, waitInPage, waitInTest } from './harness.mjs';

const kBase = '# Doc\n\nbase\n';
const kRepository = '# Doc\n\nfrom the repository\n';
const kLocal = '# Doc\n\nfrom the app\n';

describe('settling repository conflicts', () => {
  let app;
  let dir;
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  const git = (...args) => execFileSync('git', args, { env, encoding: 'utf8' });
  const bare = () => join(dir, 'remote.git');
  const work = (...parts) => join(dir, 'work', ...parts);

  /** Commits `change` (path -> text, or null to delete) in the work clone and pushes it. */
  function commit(change) {
    git('-C', work(), 'pull', '-q', '--ff-only', bare(), 'main');
    for (const [path, content] of Object.entries(change)) {
      if (content === null) unlinkSync(work(path));
      else {
        mkdirSync(join(work(path), '..'), { recursive: true });
        writeFileSync(work(path), content);
      }
    }
    git('-C', work(), 'add', '-A');
    git('-C', work(), 'commit', '-q', '-m', 'change');
    git('-C', work(), 'push', '-q', bare(), 'HEAD:main');
  }

  /**
   * A project on docs/<folder> whose doc.md conflicts: imported at kBase, then changed in
   * the repository (`remote`) and here (`local`), each a text or null to delete it, then
   * imported again. Returns the project and the conflict as GET …/conflicts lists it.
   */
  async function conflicted(folder, { remote = kRepository, local = kLocal } = {}) {
    const path = `docs/${folder}/doc.md`;
    commit({ [path]: kBase });
    const project = await app.server.project(folder, { repoUrl: bare(), branch: 'main', docsPath: `docs/${folder}` });
    const api = `/api/projects/${project.id}`;
    await app.server.ok('POST', `${api}/docs/sync`);
    commit({ [path]: remote });
    if (local === null) await app.server.ok('DELETE', `${api}/docs/doc.md`);
    else await app.server.putDoc(project.id, 'doc.md', local);
    const report = await app.server.ok('POST', `${api}/docs/sync`);
    assert.deepEqual(report.conflicts.map((c) => c.fileName), ['doc.md']);
    const [conflict] = await app.server.ok('GET', `${api}/conflicts`);
    return { project, api, conflict, path };
  }

  /** A page on the doc, recording each doc PUT it sends and the status it got. */
  async function openDoc(project, ready = '.editor-ready') {
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/docs/doc.md`);
    page.setDefaultTimeout(5000);
    page.puts = [];
    page.on('response', (response) => {
      const request = response.request();
      if (request.method() !== 'PUT') return;
      page.puts.push({ body: JSON.parse(request.postData()), ifMatch: request.headers()['if-match'], status: response.status() });
    });
    page.on('dialog', (dialog) => dialog.accept());
    await page.waitForSelector(ready);
    return page;
  }

  /** The PUTs the page sent, once `count` of them have answered: puppeteer reports a
   *  response after the page may already have acted on it. */
  async function putsSeen(page, count) {
    await waitInTest(() => page.puts.length >= count);
    return page.puts;
  }

  const editorText = (page) => page.$eval('pierce/.cm-content', (el) => el.innerText);
  const saveKeys = async (page) => {
    await page.keyboard.down('Control');
    await page.keyboard.press('s');
    await page.keyboard.up('Control');
  };

  /** After a resolve: no conflict listed, an import raises none, and what export pushes. */
  async function settledOnServer({ api }) {
    assert.deepEqual(await app.server.ok('GET', `${api}/conflicts`), []);
    const report = await app.server.ok('POST', `${api}/docs/sync`);
    assert.deepEqual(report.conflicts, [], 'the next import raises it no more');
    return app.server.ok('POST', `${api}/push`);
  }

  before(async () => {
    app = await startApp({ serverArgs: ['--git-allow-local'] });
    dir = mkdtempSync(join(tmpdir(), 'libsync-web-resolves-'));
    git('init', '-q', '--bare', '-b', 'main', bare());
    git('init', '-q', '-b', 'main', work());
    writeFileSync(work('README'), 'docs below\n');
    git('-C', work(), 'add', '.');
    git('-C', work(), 'commit', '-q', '-m', 'start');
    git('-C', work(), 'push', '-q', bare(), 'HEAD:main');
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps mine from the Git page\'s list: the save resolves, and export pushes the local text', async () => {
    const setup = await conflicted('keep');
    const page = await app.page(kAdminToken, `/#/projects/${setup.project.id}/git`);
    page.setDefaultTimeout(5000);
    await page.waitForSelector('.open-conflicts li[data-file="doc.md"] a');
    assert.match(await text(page, '.open-conflicts li'), /changed on both sides/);
    await page.browserContext().close();

    const editor = await openDoc(setup.project);
    await editor.waitForSelector('.repo-conflict.changed .keep-mine');
    await editor.click('.repo-conflict .keep-mine');
    await editor.click('.repo-conflict .settle');
    await waitInPage(editor, () => !document.querySelector('.repo-conflict'));
    assert.deepEqual(await putsSeen(editor, 1), [{ body: { content: kLocal, source: 'web', resolves: setup.conflict.remoteBlobId }, ifMatch: '"v2"', status: 200 }]);

    const pushed = await settledOnServer(setup);
    assert.deepEqual(pushed.pushed, ['doc.md']);
    assert.equal(git('--git-dir', bare(), 'show', `main:${setup.path}`), kLocal);

    // The Git page lists it no more.
    await editor.goto(`${app.web.url}/#/projects/${setup.project.id}/git`);
    await editor.waitForSelector('.git-import:not([disabled])');
    assert.equal(await editor.$('.open-conflicts li'), null);
    assert.equal(await editor.evaluate(() => window.__cspViolations), undefined);
    await editor.browserContext().close();
  });

  it('takes the repository\'s text: the save resolves, and nothing is left to export', async () => {
    const setup = await conflicted('theirs');
    const page = await openDoc(setup.project);
    await page.waitForSelector('.repo-conflict .take-repository');
    await page.click('.repo-conflict .take-repository');
    assert.match(await editorText(page), /from the repository/);
    assert.doesNotMatch(await editorText(page), /from the app/);
    await saveKeys(page);
    await waitInPage(page, () => !document.querySelector('.repo-conflict'));
    assert.deepEqual((await putsSeen(page, 1)).map((p) => [p.body.resolves, p.status]), [[setup.conflict.remoteBlobId, 200]]);
    assert.equal((await app.server.ok('GET', `${setup.api}/docs/doc.md`)).content, kRepository);
    const head = git('--git-dir', bare(), 'rev-parse', 'main');
    const pushed = await settledOnServer(setup);
    assert.deepEqual(pushed.pushed, [], 'the repository already holds the text');
    assert.equal(git('--git-dir', bare(), 'rev-parse', 'main'), head);
    await page.browserContext().close();
  });

  it('keeps a doc the repository deleted: the save resolves with no blob, and export adds the file again', async () => {
    const setup = await conflicted('deleted', { remote: null });
    assert.equal(setup.conflict.remoteBlobId, '0'.repeat(40));
    const page = await openDoc(setup.project);
    await page.waitForSelector('.repo-conflict.deleted-there .keep-doc');
    assert.match(await text(page, '.repo-conflict'), /repository deleted this file/);
    assert.ok(await page.$('.repo-conflict .delete-here'), 'deleting it here is the other choice');
    assert.equal(await page.$('.repo-conflict .take-repository'), null);
    await page.click('.repo-conflict .keep-doc');
    await page.click('.repo-conflict .settle');
    await waitInPage(page, () => !document.querySelector('.repo-conflict'));
    assert.deepEqual((await putsSeen(page, 1)).map((p) => [p.body.resolves, p.status]), [['0'.repeat(40), 200]]);
    const pushed = await settledOnServer(setup);
    assert.deepEqual(pushed.pushed, ['doc.md']);
    assert.equal(git('--git-dir', bare(), 'show', `main:${setup.path}`), kLocal);
    await page.browserContext().close();
  });

  it('restores a doc deleted here that the repository changed', async () => {
    const setup = await conflicted('restore', { local: null });
    assert.equal(setup.conflict.localVersion, null);
    const page = await openDoc(setup.project, '.repo-conflict.deleted-here .restore-repository');
    assert.match(await text(page, '.repo-conflict'), /deleted here, but the repository changed it/);
    assert.ok(await page.$('.repo-conflict .keep-deleted'), 'keeping the deletion is the other choice');
    await page.click('.repo-conflict .restore-repository');
    await page.waitForSelector('.editor-ready');
    await waitInPage(page, () => !document.querySelector('.repo-conflict'));
    assert.match(await editorText(page), /from the repository/);
    assert.deepEqual((await putsSeen(page, 1)).map((p) => [p.body.content, p.body.resolves, p.status]),
      [[kRepository, setup.conflict.remoteBlobId, 201]]);
    const pushed = await settledOnServer(setup);
    assert.deepEqual([pushed.pushed, pushed.deleted], [[], []], 'the repository already holds the text');
    await page.browserContext().close();
  });

  it('redraws the panel, the choice dropped, when a newer import changes the conflict', async () => {
    const setup = await conflicted('newer');
    const page = await openDoc(setup.project);
    await page.waitForSelector('.repo-conflict .keep-mine');
    await page.click('.repo-conflict .keep-mine');
    await page.waitForSelector('.repo-conflict .settle');

    commit({ [setup.path]: '# Doc\n\nnewer in the repository\n' });
    await app.server.ok('POST', `${setup.api}/docs/sync`);
    const [newer] = await app.server.ok('GET', `${setup.api}/conflicts`);
    assert.notEqual(newer.remoteBlobId, setup.conflict.remoteBlobId);
    await page.waitForSelector('.repo-conflict .stale-resolve');
    assert.match(await text(page, '.stale-resolve'), /^The conflict changed meanwhile/);
    assert.equal(await page.$('.repo-conflict .settle'), null, 'the choice is dropped');
    assert.equal(await page.$eval('.repository-text', (el) => el.textContent), '# Doc\n\nnewer in the repository\n');
    assert.match(await editorText(page), /from the app/);
    assert.deepEqual(page.puts, []);

    await page.click('.repo-conflict .keep-mine');
    await page.click('.repo-conflict .settle');
    await waitInPage(page, () => !document.querySelector('.repo-conflict'));
    assert.deepEqual((await putsSeen(page, 1)).map((p) => [p.body.resolves, p.status]), [[newer.remoteBlobId, 200]]);
    await page.browserContext().close();
  });

  it('explains a resolve gone stale and keeps the hand-merged text in the editor', async () => {
    const setup = await conflicted('stale');
    const page = await openDoc(setup.project);
    await page.waitForSelector('.repo-conflict .merge-repository');
    await page.click('.repo-conflict .merge-repository');
    await page.waitForSelector('.repo-conflict .settle');
    assert.match(await editorText(page), /<<<<<<< here\nfrom the app\n=======\nfrom the repository\n>>>>>>> repository/);
    await page.click('pierce/.cm-content');
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await page.keyboard.type('merged by hand');

    // Meanwhile someone settles it elsewhere without changing the text: no event says so.
    await app.server.ok('PUT', `${setup.api}/docs/doc.md`, { body: { content: kLocal, resolves: setup.conflict.remoteBlobId } });
    await page.click('.repo-conflict .settle');
    await page.waitForSelector('.stale-resolve');
    assert.match(await text(page, '.stale-resolve'), /^Not saved\. The conflict was settled elsewhere/);
    assert.equal(await page.$('.repo-conflict'), null, 'the panel follows the server\'s list: no conflict left');
    assert.deepEqual((await putsSeen(page, 1)).map((p) => [p.body.resolves, p.status]), [[setup.conflict.remoteBlobId, 412]]);
    assert.equal(await editorText(page), 'merged by hand');
    assert.equal((await app.server.ok('GET', `${setup.api}/docs/doc.md`)).content, kLocal);

    // Saving again is an ordinary save of the text kept.
    await saveKeys(page);
    await waitInPage(page, () => document.querySelector('.editor-status').textContent === 'Version 3');
    assert.deepEqual((await putsSeen(page, 2))[1], { body: { content: 'merged by hand', source: 'web' }, ifMatch: '"v2"', status: 200 });
    await page.browserContext().close();
  });
});
