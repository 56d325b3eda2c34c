// History, keys, workstations, project settings and git import/export.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kAdminToken, startApp, text, waitInPage } from './harness.mjs';

const acceptDialogs = (page) => page.on('dialog', (dialog) => dialog.accept());

describe('history, keys, workstations and settings', () => {
  let app;
  before(async () => { app = await startApp(); });
  after(async () => { await app?.close(); });

  it('shows every version, diffs any two and reverts to one', async () => {
    const project = await app.server.project('history');
    await app.server.putDoc(project.id, 'notes/history', 'one\n');
    await app.server.putDoc(project.id, 'notes/history', 'one\ntwo\n');
    await app.server.putDoc(project.id, 'notes/history', 'one\ntwo\nthree\n');
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/history/notes%2Fhistory`);
    await page.waitForSelector('table.history tr[data-version="1"]');
    const rows = await page.$$eval('table.history tbody tr', (trs) => trs.map((tr) => [...tr.cells].slice(0, 3).map((c) => c.textContent)));
    assert.deepEqual(rows, [['3', 'admin', 'api'], ['2', 'admin', 'api'], ['1', 'admin', 'api']]);
    await page.waitForSelector('.history-diff .diff-line.added');
    assert.deepEqual(await page.$$eval('.history-diff .diff-line.added', (r) => r.map((x) => x.textContent)), ['+ three']);

    await page.select('select[name="from"]', '1');
    await waitInPage(page, () => document.querySelectorAll('.history-diff .diff-line.added').length === 2);

    await page.click('tr[data-version="1"] .revert');
    await page.waitForSelector('table.history tr[data-version="4"]');
    const doc = await app.server.ok('GET', `/api/projects/${project.id}/docs/notes%2Fhistory`);
    assert.equal(doc.content, 'one\n');
    assert.equal(await page.$eval('tr[data-version="4"] td:nth-child(3)', (td) => td.textContent), 'revert');
    await page.browserContext().close();
  });

  it('creates a key, shows its secret once, and revokes it', async () => {
    const project = await app.server.project('keys');
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/keys`);
    acceptDialogs(page);
    await page.waitForSelector('.new-key');
    await page.type('input[name="key-name"]', 'laptop');
    await page.select('select[name="key-scope"]', 'write');
    await page.click('.new-key button');
    await page.waitForSelector('.created-key code.secret');
    const secret = await text(page, '.created-key code.secret');
    assert.match(secret, /^sk_/);
    assert.ok(await page.$('.created-key button.copy'));
    assert.equal((await app.server.call('GET', '/api/projects', { key: secret })).status, 200);
    await page.waitForSelector('tr[data-key] .key-name');
    assert.equal(await text(page, 'tr[data-key] .key-name'), 'laptop');

    // Shown once: the list and a reload never carry it.
    await page.reload();
    await page.waitForSelector('tr[data-key] .revoke');
    assert.ok(!(await page.content()).includes(secret));

    await page.click('tr[data-key] .revoke');
    await waitInPage(page, () => document.querySelector('tr[data-key] .key-state').textContent === 'revoked');
    assert.equal((await app.server.call('GET', '/api/projects', { key: secret })).status, 401);
    await page.browserContext().close();
  });

  it('shows the newest key list when an older answer arrives after it', async () => {
    // A list asked for as the view opens, answered before a key is created but delivered
    // after the list asked for once it was: the older answer must not win.
    const project = await app.server.project('keys-late');
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/workstations`);
    await page.waitForSelector('.workstations-view');
    const cdp = await page.createCDPSession();
    const heldLists = [];
    cdp.on('Fetch.requestPaused', (paused) => {
      if (paused.request.method === 'GET') heldLists.push(paused.requestId);
      else cdp.send('Fetch.continueRequest', { requestId: paused.requestId });
    });
    await cdp.send('Fetch.enable', {
      patterns: [{ urlPattern: `*/api/projects/${project.id}/api-keys`, requestStage: 'Response' }],
    });
    let listsDone = 0;
    page.on('requestfinished', (request) => {
      if (request.method() === 'GET' && request.url().endsWith('/api-keys')) listsDone += 1;
    });
    const until = async (condition) => {
      for (const end = Date.now() + 10000; !condition(); await new Promise((r) => setTimeout(r, 20))) {
        assert.ok(Date.now() < end, 'timed out');
      }
    };

    await page.evaluate((id) => { location.hash = `#/projects/${id}/keys`; }, project.id);
    await until(() => heldLists.length === 1);
    await page.type('input[name="key-name"]', 'laptop');
    await page.click('.new-key button');
    await page.waitForSelector('.created-key code.secret');
    await until(() => heldLists.length === 2);
    await cdp.send('Fetch.continueRequest', { requestId: heldLists[1] });
    await page.waitForSelector('tr[data-key] .key-name');
    await cdp.send('Fetch.continueRequest', { requestId: heldLists[0] });
    await until(() => listsDone === 2);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
    assert.equal(await text(page, 'tr[data-key] .key-name'), 'laptop');
    await page.browserContext().close();
  });

  it('lists workstations with what they pulled, and who is behind', async () => {
    const project = await app.server.project('consumers');
    await app.server.putDoc(project.id, 'a.md', 'a');
    const key = await app.server.key(project.id, 'read', 'ws-1');
    await app.server.ok('GET', `/api/hook/sync/${project.id}`, { key });
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/workstations`);
    await page.waitForSelector('table.consumers tr.current');
    assert.equal(await text(page, 'tr.current .consumer-state'), 'current');
    await app.server.putDoc(project.id, 'a.md', 'changed');
    await page.waitForSelector('table.consumers tr.behind');
    assert.equal(await text(page, 'tr.behind .consumer-state'), 'behind');
    await page.browserContext().close();
  });

  it('shows a change made before the event stream opened', async () => {
    const project = await app.server.project('consumers-late');
    await app.server.putDoc(project.id, 'a.md', 'a');
    const key = await app.server.key(project.id, 'read', 'ws-1');
    await app.server.ok('GET', `/api/hook/sync/${project.id}`, { key });
    const page = await app.page(kAdminToken);
    // Event sockets open only when the test lets them: the doc changes after the view
    // read the workstations and before the stream starts, at the head, without that change.
    await page.evaluateOnNewDocument(() => {
      const Real = window.WebSocket;
      const held = [];
      window.releaseSockets = () => { for (const open of held.splice(0)) open(); };
      window.WebSocket = class {
        constructor(url, protocols) {
          held.push(() => {
            this.real = new Real(url, protocols);
            for (const name of ['onopen', 'onmessage', 'onclose', 'onerror']) {
              this.real[name] = (event) => this[name] && this[name](event);
            }
          });
        }
        close(...args) { if (this.real) this.real.close(...args); }
      };
    });
    await page.reload();
    await page.evaluate((id) => { location.hash = `#/projects/${id}/workstations`; }, project.id);
    await page.waitForSelector('table.consumers tr.current');
    await app.server.putDoc(project.id, 'a.md', 'changed');
    await page.evaluate(() => window.releaseSockets());
    await page.waitForSelector('table.consumers tr.behind', { timeout: 5000 });
    await page.browserContext().close();
  });

  it('changes a project\'s settings and deletes it only after its name is typed', async () => {
    const project = await app.server.project('settings', { token: 'old-token' });
    const page = await app.page(kAdminToken);
    const row = `tr[data-project="${project.id}"]`;
    await page.waitForSelector(row);
    await page.click(`${row} .row-actions button:not(.danger)`);
    await page.waitForSelector('.row-form #project-branch');
    assert.equal(await page.$eval('.row-form #project-token', (el) => el.value), '', 'the token is never shown');
    await page.$eval('.row-form #project-branch', (el) => { el.value = ''; });
    await page.type('.row-form #project-branch', 'develop');
    await page.click('.row-form button[type="submit"]');
    await waitInPage(page, () => !document.querySelector('.row-form'));
    const changed = await app.server.ok('GET', `/api/projects/${project.id}`);
    assert.equal(changed.branch, 'develop');
    assert.equal(changed.hasToken, true, 'an empty token field keeps the stored token');

    await page.click(`${row} .row-actions button.danger`);
    await page.waitForSelector('.confirm-delete');
    await page.type('.confirm-delete input', 'setting');
    assert.equal(await page.$eval('.confirm-delete button.danger', (b) => b.disabled), true);
    await page.type('.confirm-delete input', 's');
    await page.click('.confirm-delete button.danger');
    await waitInPage(page, (sel) => !document.querySelector(sel), row);
    assert.equal((await app.server.call('GET', `/api/projects/${project.id}`)).status, 404);
    await page.browserContext().close();
  });
});

describe('git import and export against a local bare repository', () => {
  let app;
  let dir;
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  const git = (...args) => execFileSync('git', args, { env, encoding: 'utf8' });

  before(async () => {
    app = await startApp({ serverArgs: ['--git-allow-local'] });
    dir = mkdtempSync(join(tmpdir(), 'libsync-web-git-'));
    git('init', '-q', '--bare', '-b', 'main', join(dir, 'remote.git'));
    git('init', '-q', '-b', 'main', join(dir, 'work'));
    mkdirSync(join(dir, 'work', 'docs'));
    writeFileSync(join(dir, 'work', 'docs', 'a.md'), '# A\n\nbase\n');
    writeFileSync(join(dir, 'work', 'docs', 'b.md'), '# B\n');
    writeFileSync(join(dir, 'work', 'docs', 'meeting 10:30.md'), 'no doc may be named so\n');
    git('-C', join(dir, 'work'), 'add', '.');
    git('-C', join(dir, 'work'), 'commit', '-q', '-m', 'docs');
    git('-C', join(dir, 'work'), 'push', '-q', join(dir, 'remote.git'), 'HEAD:main');
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports, exports, and lists a conflict that opens in the editor', async () => {
    const project = await app.server.project('git', { repoUrl: join(dir, 'remote.git'), branch: 'main', docsPath: 'docs' });
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/git`);
    await page.waitForSelector('.git-import:not([disabled])');
    await page.click('.git-import');
    await page.waitForSelector('.git-report.import .imported');
    assert.deepEqual(await page.$$eval('.imported li a', (as) => as.map((a) => a.textContent)), ['a.md', 'b.md']);
    // A file no doc may be named after is shown as skipped, and blocks no export below.
    assert.match(await text(page, '.skipped li'), /^meeting 10:30\.md not a valid document name/);

    await app.server.putDoc(project.id, 'b.md', '# B\n\nfrom the app\n');
    await page.click('.git-export');
    await page.waitForSelector('.git-report.export .pushed');
    assert.deepEqual(await page.$$eval('.pushed li a', (as) => as.map((a) => a.textContent)), ['b.md']);
    assert.equal(git('--git-dir', join(dir, 'remote.git'), 'show', 'main:docs/b.md'), '# B\n\nfrom the app\n');

    // The same line changed on both sides: a conflict, the local text kept.
    git('-C', join(dir, 'work'), 'pull', '-q', join(dir, 'remote.git'), 'main');
    writeFileSync(join(dir, 'work', 'docs', 'a.md'), '# A\n\nfrom the repository\n');
    git('-C', join(dir, 'work'), 'commit', '-q', '-am', 'change a');
    git('-C', join(dir, 'work'), 'push', '-q', join(dir, 'remote.git'), 'HEAD:main');
    await app.server.putDoc(project.id, 'a.md', '# A\n\nfrom the app\n');
    await page.click('.git-import');
    await page.waitForSelector('.git-report.import .conflicted');
    assert.equal(await text(page, '.conflicted li a'), 'a.md');
    await page.click('.conflicted li a');
    await page.waitForSelector('.editor-ready');
    assert.equal(await text(page, '.doc-name'), 'a.md');
    assert.match(await page.$eval('pierce/.cm-content', (el) => el.innerText), /from the app/);
    // What the repository holds is beside it; taking it and saving settles the conflict.
    await page.waitForSelector('.repo-conflict .diff-line.added');
    assert.deepEqual(await page.$$eval('.repo-conflict .diff-line.added', (r) => r.map((x) => x.textContent)), ['+ from the repository']);
    assert.equal(await page.$eval('.repository-text', (el) => el.textContent), '# A\n\nfrom the repository\n');
    await page.click('.take-repository');
    await page.keyboard.down('Control');
    await page.keyboard.press('s');
    await page.keyboard.up('Control');
    await waitInPage(page, () => !document.querySelector('.repo-conflict'));
    const docs = `/api/projects/${project.id}/docs`;
    assert.equal((await app.server.ok('GET', `${docs}/a.md`)).content, '# A\n\nfrom the repository\n');
    const history = await app.server.ok('GET', `${docs}/a.md/history`);
    assert.equal(history[0].source, 'web', 'a save in the page is recorded as made in the web app');
    await page.goto(`${app.web.url}/#/projects/${project.id}/git`);
    await page.waitForSelector('.git-import:not([disabled])');
    await page.click('.git-import');
    await page.waitForSelector('.git-report.import');
    assert.equal(await page.$('.git-report.import .conflicted'), null, 'the next import raises it no more');
    // The repository holds every text now: the export reports the head, and pushes nothing.
    const head = git('--git-dir', join(dir, 'remote.git'), 'rev-parse', 'main');
    await page.click('.git-export');
    await page.waitForSelector('.git-report.export');
    assert.equal(await text(page, '.git-report.export p'), 'Nothing to export: the repository is current.');
    assert.equal(git('--git-dir', join(dir, 'remote.git'), 'rev-parse', 'main'), head);
    await page.browserContext().close();
  });
  // A push event as GitHub sends it, signed with `secret`; answers the webhook's status.
  async function pushWebhook(projectId, secret, delivery) {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: git('--git-dir', join(dir, 'remote.git'), 'rev-parse', 'main').trim() });
    const response = await fetch(`${app.web.url}/api/projects/${projectId}/git/webhook`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': delivery,
        'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
    return response.status;
  }

  function commitToRemote(file, content, message) {
    git('-C', join(dir, 'work'), 'pull', '-q', '--rebase', join(dir, 'remote.git'), 'main');
    writeFileSync(join(dir, 'work', 'docs', file), content);
    git('-C', join(dir, 'work'), 'add', '.');
    git('-C', join(dir, 'work'), 'commit', '-q', '-m', message);
    git('-C', join(dir, 'work'), 'push', '-q', join(dir, 'remote.git'), 'HEAD:main');
    return git('--git-dir', join(dir, 'remote.git'), 'rev-parse', 'main').trim();
  }

  it('sets the webhook secret and the polling interval in the project settings', async () => {
    const project = await app.server.project('hooks', { repoUrl: join(dir, 'remote.git'), branch: 'main', docsPath: 'docs' });
    const page = await app.page(kAdminToken, '/#/projects');
    const openSettings = async () => {
      const settings = `tr[data-project="${project.id}"] .row-actions button`;
      await page.waitForSelector(settings);
      await page.click(settings);
      await page.waitForSelector('.row-form form.project-form');
    };
    const stored = () => app.server.ok('GET', `/api/projects/${project.id}`);
    await openSettings();
    assert.equal(await page.$eval('#project-syncIntervalSeconds', (el) => el.value), '0');

    // An interval the server refuses is named, and changes nothing.
    await page.$eval('#project-syncIntervalSeconds', (el) => { el.value = '10'; });
    await page.click('.row-form button[type="submit"]');
    await page.waitForFunction(() => /30/.test(document.querySelector('.row-form .form-error').textContent));
    assert.equal((await stored()).syncIntervalSeconds, 0);

    // A generated secret is shown to be copied, and is the one stored: a push signed with it is taken.
    await page.$eval('#project-syncIntervalSeconds', (el) => { el.value = '45'; });
    await page.click('.generate-secret');
    const secret = await page.$eval('#project-webhookSecret', (el) => (el.type === 'text' ? el.value : ''));
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.equal(await pushWebhook(project.id, secret, 'settings-1'), 403, 'no secret is stored before saving');
    await page.click('.row-form button[type="submit"]');
    await waitInPage(page, () => !document.querySelector('.row-form'));
    let saved = await stored();
    assert.equal(saved.syncIntervalSeconds, 45);
    assert.equal(saved.hasWebhookSecret, true);
    assert.equal(saved.webhookSecret, undefined, 'the secret is never read back');
    assert.equal(await pushWebhook(project.id, secret, 'settings-2'), 202);
    assert.equal(await pushWebhook(project.id, `${secret}x`, 'settings-3'), 401);

    // Left empty, the field keeps the secret.
    await openSettings();
    assert.equal(await page.$eval('#project-webhookSecret', (el) => el.value), '');
    await page.$eval('#project-syncIntervalSeconds', (el) => { el.value = '60'; });
    await page.click('.row-form button[type="submit"]');
    await waitInPage(page, () => !document.querySelector('.row-form'));
    saved = await stored();
    assert.equal(saved.syncIntervalSeconds, 60);
    assert.equal(saved.hasWebhookSecret, true, 'an empty field keeps the stored secret');
    assert.equal(await pushWebhook(project.id, secret, 'settings-3b'), 202);

    // The box removes it, and while ticked no new one can be typed to be thrown away.
    await openSettings();
    await page.click('#project-removeWebhookSecret');
    assert.equal(await page.$eval('#project-webhookSecret', (el) => el.disabled), true);
    await page.click('.row-form button[type="submit"]');
    await waitInPage(page, () => !document.querySelector('.row-form'));
    saved = await stored();
    assert.equal(saved.hasWebhookSecret, false);
    assert.equal(saved.syncIntervalSeconds, 60, 'the interval was kept');
    assert.equal(await pushWebhook(project.id, secret, 'settings-4'), 403);

    // A project created with both.
    await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent === 'New project').click());
    await page.waitForSelector('form.project-form #project-name');
    await page.type('form.project-form #project-name', 'created-with-hooks');
    await page.type('form.project-form #project-repoUrl', join(dir, 'remote.git'));
    await page.$eval('form.project-form #project-syncIntervalSeconds', (el) => { el.value = '120'; });
    await page.type('form.project-form #project-webhookSecret', 'typed-secret-0123456789');
    await page.click('form.project-form button[type="submit"]');
    await page.waitForSelector('tr[data-project] .project-name');
    await waitInPage(page, () => [...document.querySelectorAll('.project-name')].some((a) => a.textContent === 'created-with-hooks'));
    const created = (await app.server.ok('GET', '/api/projects')).find((p) => p.name === 'created-with-hooks');
    assert.equal(created.syncIntervalSeconds, 120);
    assert.equal(created.hasWebhookSecret, true);
    assert.equal(await pushWebhook(created.id, 'typed-secret-0123456789', 'settings-5'), 202);
    await page.browserContext().close();
  });

  it('shows how the syncs run by webhook went, as they happen, and the push address', async () => {
    const secret = 'web-test-webhook-secret-0123';
    const project = await app.server.project('automatic', {
      repoUrl: join(dir, 'remote.git'), branch: 'main', docsPath: 'docs', webhookSecret: secret,
    });
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/git`);
    await page.waitForSelector('.sync-status .last-import');
    assert.equal(await text(page, '.last-import dd'), 'never');
    assert.equal(await text(page, '.webhook-url'), `${app.web.url}/api/projects/${project.id}/git/webhook`);
    assert.equal(await text(page, '.polling dd'), 'off');
    assert.equal(await page.$('.sync-status .last-error'), null);

    // A push, announced by the webhook: the page shows the import without being reloaded.
    const first = commitToRemote('pushed.md', '# Pushed\n', 'pushed');
    assert.equal(await pushWebhook(project.id, secret, 'status-1'), 202);
    await waitInPage(page, (c) => document.querySelector('.last-import dd').textContent.startsWith(`ok at commit ${c}`), first.slice(0, 12));

    // One made while the project is locked waits for the lock (no error: nothing to act on),
    // and is imported once the lock ends.
    const lock = await app.server.ok('POST', `/api/projects/${project.id}/lock`, { body: { lockedBy: 'lead', ttlSeconds: 300 } });
    const second = commitToRemote('pushed.md', '# Pushed again\n', 'pushed again');
    assert.equal(await pushWebhook(project.id, secret, 'status-2'), 202);
    await waitInPage(page, () => document.querySelector('.last-import dd').textContent.startsWith('waiting for the lock to end'));
    assert.equal(await page.$('.sync-status .last-error'), null);
    await app.server.ok('DELETE', `/api/projects/${project.id}/lock`, { headers: { 'X-Lock-Token': lock.token } });
    await waitInPage(page, (c) => document.querySelector('.last-import dd').textContent.startsWith(`ok at commit ${c}`), second.slice(0, 12));
    assert.equal((await app.server.ok('GET', `/api/projects/${project.id}/docs/pushed.md`)).content, '# Pushed again\n');

    // A sync that fails shows its error: the repository is gone.
    await app.server.ok('PUT', `/api/projects/${project.id}`, { body: { repoUrl: join(dir, 'gone.git') } });
    await page.click('.git-import');
    await page.waitForSelector('.sync-status .last-error');
    assert.match(await text(page, '.last-error dd'), /repository not found/);
    assert.match(await text(page, '.last-import dd'), /^failed/);
    await page.browserContext().close();
  });
});
