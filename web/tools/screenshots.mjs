// Takes the screenshots of the main views kept in docs/web/ (run after a build):
//   AITK_SERVER=<aitk-server> node tools/screenshots.mjs ../docs/web
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHmac } from 'node:crypto';
import { kAdminToken, startApp } from '../test/harness.mjs';

const out = resolve(process.argv[2] || '../docs/web');
mkdirSync(out, { recursive: true });
// The Git page's project syncs with a local bare repository (hence --git-allow-local).
const repos = mkdtempSync(join(tmpdir(), 'libsync-screenshots-'));
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'Dana', GIT_AUTHOR_EMAIL: 'dana@example.com', GIT_COMMITTER_NAME: 'Dana', GIT_COMMITTER_EMAIL: 'dana@example.com' };
const git = (...args) => execFileSync('git', args, { env: gitEnv, encoding: 'utf8' }).trim();
const bare = join(repos, 'docs-site.git');
const work = join(repos, 'work');
git('init', '-q', '--bare', '-b', 'main', bare);
git('init', '-q', '-b', 'main', work);
mkdirSync(join(work, 'docs'));
writeFileSync(join(work, 'docs', 'CLAUDE.md'), '# Docs site\n\nBuild with `npm run build`.\n');
git('-C', work, 'add', '.');
git('-C', work, 'commit', '-q', '-m', 'docs');
git('-C', work, 'push', '-q', bare, 'HEAD:main');
const app = await startApp({ serverArgs: ['--git-allow-local'] });
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

  // The Git page after an import a push webhook started.
  const secret = 'screenshot-webhook-secret-0123';
  const site = await s.project('docs-site', { repoUrl: bare, docsPath: 'docs', webhookSecret: secret, syncIntervalSeconds: 300 });
  await s.ok('POST', `/api/projects/${site.id}/docs/sync`, { body: {} });
  writeFileSync(join(work, 'docs', 'CLAUDE.md'), '# Docs site\n\nBuild with `npm run build`; preview with `npm run dev`.\n');
  git('-C', work, 'commit', '-q', '-am', 'preview command');
  git('-C', work, 'push', '-q', bare, 'HEAD:main');
  const head = git('--git-dir', bare, 'rev-parse', 'main');
  const body = JSON.stringify({ ref: 'refs/heads/main', after: head });
  await fetch(`${app.web.url}/api/projects/${site.id}/git/webhook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'screenshot-1',
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    body,
  });
  await page.goto(`${app.web.url}/#/projects/${site.id}/git`);
  await page.waitForFunction((c) => document.querySelector('.last-import dd')?.textContent.startsWith(`ok at commit ${c}`), {}, head.slice(0, 12));
  await shot(page, 'git');
  console.log(`screenshots written to ${out}`);
} finally {
  await app.close();
  rmSync(repos, { recursive: true, force: true });
}
