// Takes the screenshots of the main views kept in docs/web/ (run after a build):
//   AITK_SERVER=<aitk-server> node tools/screenshots.mjs ../docs/web
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kAdminToken, startApp } from '../test/harness.mjs';

const out = resolve(process.argv[2] || '../docs/web');
mkdirSync(out, { recursive: true });
const app = await startApp();
try {
  const s = app.server;
  const handbook = await s.project('handbook', { repoUrl: 'https://github.com/acme/handbook.git', docsPath: 'docs' });
  await s.project('api-service', { repoUrl: 'https://github.com/acme/api-service.git' });
  await s.putDoc(handbook.id, 'CLAUDE.md', '# Team rules\n\n- Write tests first.\n- Keep functions short.\n- Ask before adding a dependency.\n');
  await s.putDoc(handbook.id, 'guides/style.md', '# Style\n\nUse **short sentences** and name things for what they do.\n\n```cpp\nauto lock = sync.locks().Acquire(lead, id, {});\n```\n');
  await s.putDoc(handbook.id, 'guides/review.md', '# Review\n\nEvery change gets one reviewer.\n');
  await s.putDoc(handbook.id, 'guides/style.md', '# Style\n\nUse **short sentences** and name things for what they do.\n\nComments say *why*.\n\n```cpp\nauto lock = sync.locks().Acquire(lead, id, {});\n```\n');
  await s.key(handbook.id, 'read', 'ci-runner');
  await s.ok('POST', `/api/projects/${handbook.id}/lock`, { body: { lockedBy: 'Dana', reason: 'rewriting the style guide', ttlSeconds: 1800 } });

  const shot = async (page, name) => page.screenshot({ path: join(out, `${name}.png`) });
  const page = await app.page(kAdminToken);
  await page.setViewport({ width: 1280, height: 760 });
  await page.waitForSelector('a.project-name');
  await shot(page, 'projects');
  await page.goto(`${app.web.url}/#/projects/${handbook.id}/docs/guides%2Fstyle.md`);
  await page.waitForSelector('.editor-ready');
  await page.waitForSelector('.preview h1');
  await shot(page, 'editor');
  await page.goto(`${app.web.url}/#/projects/${handbook.id}/history/guides%2Fstyle.md`);
  await page.waitForSelector('.history-diff .diff-line');
  await shot(page, 'history');
  await page.goto(`${app.web.url}/#/projects/${handbook.id}/keys`);
  await page.waitForSelector('tr[data-key]');
  await shot(page, 'keys');
  console.log(`screenshots written to ${out}`);
} finally {
  await app.close();
}
