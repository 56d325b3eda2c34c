// Measures the web app's budgets and prints them (docs/performance.md, docs/web.md):
//   AITK_SERVER=build/release/examples/server/aitk-server WEB_DIST=build/release/web/dist \
//     node tests/bench/web_budgets.mjs
// - the app's own JS+CSS, compressed, on the first page (the manifest's figure);
// - navigation to the doc list shown, cold cache, on loopback (Navigation Timing);
// - a 100 KB doc saved in one browser and seen in a second;
// - aitk-server's resident memory, idle, after serving all of it.
// Each timing is the median of several runs. It starts its own server on a free port.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kAdminToken, startApp } from '../../web/test/harness.mjs';

const kRuns = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Chromium and the server share this machine's cores here; pinned network threads would
// queue behind the browser's own threads on their one core, which a server with its own
// machine never sees. So the server runs unpinned (docs/web.md, "Budgets").
const app = await startApp({ serverArgs: ['--cpu-affinity', 'off'] });
try {
  const manifest = JSON.parse(readFileSync(join(app.dist, 'manifest.json'), 'utf8'));
  const project = await app.server.project('measure');
  for (let i = 0; i < 50; i++) await app.server.putDoc(project.id, `docs/doc-${i}.md`, `# Doc ${i}\n`.repeat(50));

  // Cold cache: a fresh context each run, cache off, the secret already in the tab (as
  // after a reload). The time is the app's User Timing mark, from navigation start.
  const docList = [];
  for (let i = 0; i < kRuns; i++) {
    const context = await app.browser.createBrowserContext();
    const page = await context.newPage();
    await page.setCacheEnabled(false);
    await page.evaluateOnNewDocument((secret) => {
      sessionStorage.setItem('libsync.secret', secret);
      sessionStorage.setItem('libsync.role', JSON.stringify({ admin: true }));
    }, kAdminToken);
    await page.goto(`${app.web.url}/#/projects/${project.id}`);
    await page.waitForSelector('li.file a', { polling: 'mutation' });
    docList.push(await page.evaluate(() => performance.getEntriesByName('libsync:doc-list-shown')[0].startTime));
    await context.close();
  }

  // Save 100 KB in A, see the change announced in B.
  const big = 'x'.repeat(99) + '\n';
  await app.server.putDoc(project.id, 'big.md', big.repeat(1024));
  const open = async () => {
    const page = await app.page(kAdminToken, `/#/projects/${project.id}/docs/big.md`);
    await page.waitForSelector('.editor-ready');
    return page;
  };
  const a = await open();
  const b = await open();
  const seen = [];
  for (let i = 0; i < kRuns; i++) {
    await a.click('pierce/.cm-content');
    await a.keyboard.type('y');
    await b.evaluate(() => { document.querySelector('.remote-banner').hidden = true; });
    const start = Date.now();
    await a.keyboard.down('Control');
    await a.keyboard.press('s');
    await a.keyboard.up('Control');
    await b.waitForFunction(() => !document.querySelector('.remote-banner').hidden, { polling: 'mutation' });
    seen.push(Date.now() - start);
    await b.click('.load-remote');
    await a.waitForFunction(() => !document.querySelector('button.save').disabled);
  }
  await a.browserContext().close();
  await b.browserContext().close();
  await new Promise((r) => setTimeout(r, 2000));
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${app.server.proc.pid}/status`, 'utf8'))[1]);

  console.log(`app JS+CSS on the first page (gzip):   ${(manifest.appGzipBytes / 1024).toFixed(1)} KB (budget 100 KB)`);
  console.log(`navigation -> doc list, cold cache:    ${median(docList).toFixed(0)} ms median of ${kRuns} (budget 300 ms)`);
  console.log(`save 100 KB -> seen in a 2nd browser:  ${median(seen)} ms median of ${kRuns} (budget 200 ms)`);
  console.log(`aitk-server idle RSS after all that:   ${(rss / 1024).toFixed(1)} MB (budget 40 MB)`);
} finally {
  await app.close();
}
