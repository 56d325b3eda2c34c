// Hostile names, contents, lock holders and reasons are shown as text and never run:
// every one of them tries to set window.__pwned, which must stay unset. The page is
// also searched for the elements and attributes an injection would leave, since the
// CSP alone would stop the script even if the app had put it into the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kAdminToken, startApp, text, waitInPage } from './harness.mjs';

const kScript = '<script>window.__pwned = "script"</script>';
const kImg = '<img src=x onerror="window.__pwned = \'img\'">';
const kSvg = '<svg onload="window.__pwned = \'svg\'"></svg>';
const kHostile = `${kScript}${kImg}${kSvg}`;

const kMarkdown = [
  '# Title',
  kScript,
  kImg,
  '[a js link](javascript:window.__pwned=%22link%22)',
  '[an encoded one](jav&#x09;ascript:window.__pwned=1)',
  '<a href="javascript:window.__pwned=2">raw anchor</a>',
  '![image](javascript:window.__pwned=3)',
  '<javascript:window.__pwned=4>',
  '[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD01PC9zY3JpcHQ+)',
  '<iframe src="javascript:window.__pwned=6"></iframe>',
  '<style>body{display:none}</style>',
].join('\n\n');

/** What an injection would leave behind, found anywhere in the page (shadow roots too). */
function injectedNodes() {
  const roots = [document];
  for (const el of document.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  const found = [];
  for (const root of roots) {
    for (const el of root.querySelectorAll('script:not([src]), iframe, svg[onload], style, img, [onerror], [onload], [onclick]')) {
      // CodeMirror's own SVG-free UI has none of these; the app's one script has a src.
      found.push(el.outerHTML.slice(0, 80));
    }
    for (const a of root.querySelectorAll('a[href]')) {
      if (!/^(#|https?:|mailto:)/i.test(a.getAttribute('href'))) found.push(a.outerHTML.slice(0, 80));
    }
  }
  return found;
}

async function assertClean(page) {
  await new Promise((r) => setTimeout(r, 300)); // let any error handler fire
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(await page.evaluate(injectedNodes), []);
}

describe('hostile input is shown as text and never runs', () => {
  let app;
  let project;
  let key;
  before(async () => {
    app = await startApp();
    project = await app.server.project(`proj ${kHostile}`);
    await app.server.putDoc(project.id, "it's & 'quoted'.md", kMarkdown);
    await app.server.putDoc(project.id, 'javascript;alert(1)/x.md', kHostile);
    key = await app.server.key(project.id, 'write', `key ${kHostile}`);
    await app.server.ok('POST', `/api/projects/${project.id}/lock`,
      { body: { lockedBy: `holder ${kHostile}`, reason: `reason ${kHostile}`, ttlSeconds: 600 } });
  });
  after(async () => { await app?.close(); });

  it('in the projects list', async () => {
    const page = await app.page(kAdminToken);
    await page.waitForSelector('a.project-name');
    assert.equal(await text(page, 'a.project-name'), `proj ${kHostile}`);
    assert.match(await text(page, '.lock-state'), /holder <script>/);
    await assertClean(page);
    await page.browserContext().close();
  });

  it('in the lock banner, the doc tree, the editor and the preview', async () => {
    const page = await app.page(kAdminToken, `/#/projects/${project.id}`);
    await page.waitForSelector('.lock-banner.locked');
    assert.equal(await text(page, '.lock-holder-name'), `holder ${kHostile}`);
    assert.equal(await text(page, '.lock-reason'), `reason ${kHostile}`);
    // The lock and the project load apart: the title shows '…' until its own answer.
    await waitInPage(page, () => document.querySelector('.project-title').textContent !== '…');
    assert.equal(await text(page, '.project-title'), `proj ${kHostile}`);
    await page.waitForSelector('li.file a');
    await page.click(`li.file[data-file="it's & 'quoted'.md"] a`);
    await page.waitForSelector('.editor-ready');
    await page.waitForSelector('.preview h1');
    // The raw HTML is shown as text in the preview, and the links lead nowhere.
    const preview = await text(page, '.preview');
    assert.ok(preview.includes(kScript), preview);
    assert.ok(preview.includes(kImg), preview);
    for (const link of await page.$$('.preview a')) await link.click();
    assert.match(await text(page, '.editor-status'), /locked by holder <script>/);
    await assertClean(page);

    await page.click('li.file[data-file="javascript;alert(1)/x.md"] a');
    await page.waitForSelector('.doc-name');
    await waitInPage(page, () => document.querySelector('.doc-name').textContent === 'javascript;alert(1)/x.md');
    await page.waitForSelector('.editor-ready');
    await assertClean(page);
    await page.browserContext().close();
  });

  it('in the history diff, the keys, the git page and the workstations', async () => {
    await app.server.ok('DELETE', `/api/projects/${project.id}/lock?force=true&reason=${encodeURIComponent(kHostile)}`);
    await app.server.putDoc(project.id, 'javascript;alert(1)/x.md', `${kHostile}\n${kMarkdown}`);
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/history/${encodeURIComponent('javascript;alert(1)/x.md')}`);
    await page.waitForSelector('.history-diff .diff-line.added');
    assert.ok((await text(page, '.history-diff')).includes(kScript));
    await assertClean(page);
    await page.goto(`${app.web.url}/#/projects/${project.id}/keys`);
    await page.waitForSelector('tr[data-key] .key-name');
    assert.equal(await text(page, 'tr[data-key] .key-name'), `key ${kHostile}`);
    await assertClean(page);
    await page.goto(`${app.web.url}/#/projects/${project.id}/workstations`);
    await page.waitForSelector('table.consumers');
    await assertClean(page);
    await page.goto(`${app.web.url}/#/projects/${project.id}/git`);
    await page.waitForSelector('.git-view');
    await assertClean(page);
    await page.browserContext().close();
  });

  it('when the hostile strings arrive live, over the event stream', async () => {
    const page = await app.page(key);
    await page.waitForSelector('.lock-banner.unlocked .live-status.live');
    await app.server.ok('POST', `/api/projects/${project.id}/lock`,
      { body: { lockedBy: `live ${kHostile}`, reason: `live ${kHostile}`, ttlSeconds: 60 } });
    await page.waitForSelector('.lock-banner.locked');
    assert.equal(await text(page, '.lock-holder-name'), `live ${kHostile}`);
    await assertClean(page);
    await page.browserContext().close();
  });
});
