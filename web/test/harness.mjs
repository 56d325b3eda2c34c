// What every browser test needs: a real aitk-server in a temporary data directory, serving
// the built app at / and the API beside it (one origin, as in production), headless
// Chromium driven by puppeteer-core, and an admin client for arranging state through the API.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = dirname(fileURLToPath(import.meta.url));
export const kAdminToken = 'web-test-admin-token-0123456789';
const kDist = process.env.WEB_DIST || resolve(here, '../dist');
const kChromium = process.env.CHROMIUM || '/usr/bin/chromium';

/** The headers aitk-server sends with every answer of the app (adapters/http/src/web_app.cpp). */
export const kSecurityHeaders = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** aitk-server on a loopback port; restart() comes back on the same port and data. */
export class AitkServer {
  constructor(args = []) {
    if (!process.env.AITK_SERVER) throw new Error('set AITK_SERVER to the aitk-server binary');
    this.dataDir = mkdtempSync(join(tmpdir(), 'libsync-web-'));
    this.args = args;
    this.port = 0;
    this.proc = null;
  }

  start() {
    return new Promise((resolveStart, reject) => {
      const proc = spawn(process.env.AITK_SERVER,
        ['--data-dir', join(this.dataDir, 'data'), '--listen', `127.0.0.1:${this.port}`,
          '--web', 'on', '--web-dir', kDist, ...this.args],
        { env: { ...process.env, AITK_ADMIN_TOKEN: kAdminToken }, stdio: ['ignore', 'pipe', 'pipe'] });
      this.proc = proc;
      let log = '';
      const timer = setTimeout(() => reject(new Error(`aitk-server did not start:\n${log}`)), 20000);
      proc.stdout.on('data', () => {});
      proc.stderr.on('data', (chunk) => {
        log += chunk;
        const match = /serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
        if (match && !this.port) this.port = Number(match[1]);
        if (match) {
          clearTimeout(timer);
          resolveStart(this);
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`aitk-server exited with ${code}:\n${log}`));
      });
    });
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  cleanup() {
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** One API request; credentials default to the admin token. Returns {status, body}. */
  async call(method, path, { body, headers = {}, key } = {}) {
    const auth = key ? { 'X-API-Key': key } : { Authorization: `Bearer ${kAdminToken}` };
    const response = await fetch(this.url + path, {
      method,
      headers: { ...auth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }

  /** As call, but throws unless the status is 2xx; returns the body. */
  async ok(method, path, options) {
    const answer = await this.call(method, path, options);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async project(name = 'web-test', fields = {}) {
    return this.ok('POST', '/api/projects', { body: { name, repoUrl: 'https://example.com/repo.git', ...fields } });
  }

  async key(projectId, scope, name = `${scope}-key`) {
    return (await this.ok('POST', `/api/projects/${projectId}/api-keys`, { body: { name, scope } })).key;
  }

  putDoc(projectId, fileName, content, headers = {}) {
    return this.ok('PUT', `/api/projects/${projectId}/docs/${encodeURIComponent(fileName)}`, { body: { content }, headers });
  }
}

/** Chromium, headless. A start that gives no DevTools address within puppeteer's 30 s (seen
 *  once in a full CI run) is tried once more: the browser's own start is not under test. */
async function launchBrowser() {
  const options = {
    executablePath: kChromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  };
  try {
    return await puppeteer.launch(options);
  } catch (error) {
    process.stderr.write(`chromium did not start (${error.message}); starting it once more\n`);
    return puppeteer.launch(options);
  }
}

/** Everything one test file needs, started together and stopped together. */
export async function startApp({ serverArgs = [] } = {}) {
  const server = await new AitkServer(serverArgs).start();
  // The app is aitk-server's own: `web.url` is the server's, across restarts too.
  const web = { get url() { return server.url; } };
  let browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    // Else the server, a child of this process, keeps the test running until ctest's timeout.
    await server.stop();
    server.cleanup();
    throw error;
  }
  return {
    server,
    web,
    browser,
    dist: kDist,
    /** A fresh browser context (its own sessionStorage), signed in with `secret`. */
    async page(secret, path = '/') {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      page.violations = [];
      page.errors = [];
      page.notFound = [];  // every 404 the page met (the browser's own favicon request included)
      page.on('pageerror', (error) => page.errors.push(String(error)));
      page.on('response', (response) => { if (response.status() === 404) page.notFound.push(response.url()); });
      await page.evaluateOnNewDocument(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__cspViolations = (window.__cspViolations || []).concat(`${e.violatedDirective} ${e.blockedURI}`);
        });
      });
      await page.goto(web.url + path);
      if (secret) await signIn(page, secret);
      return page;
    },
    async close() {
      await browser.close();
      await server.stop();
      server.cleanup();
    },
  };
}

export async function signIn(page, secret) {
  await page.waitForSelector('#secret');
  await page.type('#secret', secret);
  await page.keyboard.press('Enter');
  await page.waitForSelector('header.top');
}

/** Waits until `condition` (run here, in the test) returns truthy, or `timeout` ms pass:
 *  for what the browser reports on its own channel (dialogs, responses) after the page moved on. */
export async function waitInTest(condition, timeout = 5000) {
  for (const deadline = Date.now() + timeout; !condition() && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until `fn` (run in the page) returns truthy; returns how long it took in ms. */
export async function waitInPage(page, fn, arg, timeout = 5000) {
  const start = Date.now();
  await page.waitForFunction(fn, { timeout, polling: 20 }, arg);
  return Date.now() - start;
}

export const text = (page, selector) => page.$eval(selector, (el) => el.textContent);
