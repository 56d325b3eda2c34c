// The built app as aitk-server serves it: what the manifest lists, the compressed
// siblings, the page free of inline script and style, the size budget, and the headers.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { AitkServer, kSecurityHeaders } from './harness.mjs';

const dist = process.env.WEB_DIST || resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
const read = (path, suffix = '') => readFileSync(join(dist, ...path.split('/')) + suffix);

describe('the built app', () => {
  it('lists every file with .gz and .br siblings that decompress to it', () => {
    assert.ok(manifest.files.length >= 4);
    for (const f of manifest.files) {
      const body = read(f.path);
      assert.equal(body.length, f.bytes, f.path);
      assert.deepEqual(gunzipSync(read(f.path, '.gz')), body, `${f.path}.gz`);
      assert.deepEqual(brotliDecompressSync(read(f.path, '.br')), body, `${f.path}.br`);
    }
  });

  it('names every asset by its content, and only the page is revalidated', () => {
    for (const f of manifest.files) {
      if (f.path === '/index.html') {
        assert.equal(f.cache, 'no-cache');
      } else {
        assert.match(f.path, /^\/assets\/[a-z]+-[A-Z0-9]{8}\.(js|css)$/, f.path);
        assert.equal(f.cache, 'immutable');
      }
    }
  });

  it('has a page with no inline script or style, which names only listed files', () => {
    const html = read('/index.html').toString();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'every script has a src');
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      if (url === 'data:,') continue;  // the empty icon, which spares the browser a /favicon.ico request
      assert.ok(listed.has(url), url);
    }
  });

  it('keeps the app\'s own JS and CSS within 100 KB compressed, the editor apart', () => {
    const first = manifest.files.filter((f) => f.firstPage);
    const total = first.reduce((sum, f) => sum + f.gzipBytes, 0);
    assert.ok(total <= 100 * 1024, `${total} B`);
    assert.ok(!first.some((f) => /codemirror/.test(f.path)), 'the editor is not on the first page');
    const editor = manifest.files.find((f) => /\/codemirror-/.test(f.path));
    assert.ok(editor && !editor.firstPage, 'the editor is a chunk of its own');
    const app = read(first.find((f) => /\/app-/.test(f.path)).path).toString();
    assert.ok(!/EditorView|markdown-it|DOMPurify/.test(app), 'the first page has no editor or preview code');
  });

  it('is served by aitk-server with the security headers, and nothing outside', async () => {
    const web = await new AitkServer().start();
    try {
      const page = await fetch(`${web.url}/`, { headers: { 'Accept-Encoding': 'br' } });
      for (const [name, value] of Object.entries(kSecurityHeaders)) assert.equal(page.headers.get(name), value);
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      assert.match(page.headers.get('content-security-policy'), /script-src 'self';/);
      assert.doesNotMatch(page.headers.get('content-security-policy'), /unsafe/);
      const asset = manifest.files.find((f) => f.cache === 'immutable').path;
      const answer = await fetch(`${web.url}${asset}`);
      assert.match(answer.headers.get('cache-control'), /immutable/);
      assert.ok(existsSync(join(dist, 'manifest.json')));
      for (const bad of ['/../package.json', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/build.mjs',
        '/assets/%252e%252e/manifest.json', '/assets/x.js', '/manifest.json', '/manifest.json.gz', '/projects']) {
        const r = await fetch(`${web.url}${bad}`);
        await r.text();
        assert.equal(r.status, 404, bad);
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff', bad);
      }
      // --web off: no app, the API as before.
      await web.stop();
      web.args = ['--web', 'off'];
      await web.start();
      assert.equal((await fetch(`${web.url}/`)).status, 404);
      assert.equal((await fetch(`${web.url}/api/health`)).status, 200);
    } finally {
      await web.stop();
      web.cleanup();
    }
  });
});
